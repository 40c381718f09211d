import QuillEngine
import QuillLanguage
import QuillLLM

/// The LLM built-ins a script sees: `model(spec, ...defaults)` and the message helpers
/// `system(text)`, `user(text)`, `assistant(text)`.
enum LLMLibrary {
    static func install(into vm: VM, factory: ModelFactory, cache: ResponseCache, streamsByDefault: @escaping () -> Bool) {
        vm.defineGlobal("model", .native(NativeFunction("model", ["spec"] + CallOptions.names, required: 0) { args in
            let spec = try args.string(0, default: "local")
            let defaults = try CallOptions(args, from: 1)
            let model: any LanguageModel
            do {
                model = try args.vm.waiting { try factory.open(spec) }
            } catch {
                throw ModelCall.scriptError(error)
            }
            return .object(ModelObject(spec: spec, client: LLMClient(model: model, cache: cache), defaults: defaults,
                                       streamsByDefault: streamsByDefault()))
        }))
        for role in ["system", "user", "assistant"] {
            vm.defineGlobal(role, .native(NativeFunction(role, ["content"]) { args in
                let m = MapObject()
                m.set(.str("role"), .str(role))
                m.set(.str("content"), .str(try args.string(0)))
                return .map(m)
            }))
        }
    }
}
