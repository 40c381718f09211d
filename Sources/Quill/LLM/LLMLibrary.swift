import QuillEngine
import QuillLanguage
import QuillLLM

/// The LLM built-ins a script sees: `model(spec, ...defaults)` and the message helpers
/// `system(text)`, `user(text)`, `assistant(text)`.
enum LLMLibrary {
    static func install(into vm: VM, factory: ModelFactory, cache: ResponseCache, monitor: CallMonitor, hooks: ScriptHooks,
                        streamsByDefault: @escaping () -> Bool) {
        vm.defineGlobal("model", .native(NativeFunction("model", ["spec"] + openOptions + CallOptions.names, required: 0) { args in
            let specs: [String]
            if case .list(let list) = args[0] {
                specs = try list.items.map {
                    guard case .string(let s) = $0 else { throw args.typeError(0, expected: "a model spec or a list of specs") }
                    return s.value
                }
            } else {
                specs = [try args.string(0, default: factory.defaultSpec)]
            }
            let options = try hostedOptions(args)
            let defaults = try CallOptions(args, from: 1 + openOptions.count)
            let model: any LanguageModel
            do {
                // Hosted models and pulls need the network; a model file the script names by
                // path is read like any of its files.
                let access = ModelAccess.granted(by: args.vm, for: "model()")
                model = try args.vm.waiting { try factory.open(specs, options: options, access: access) }
            } catch {
                throw ModelCall.scriptError(error)
            }
            return .object(ModelObject(spec: specs.joined(separator: " | "), client: LLMClient(model: model, cache: cache, monitor: monitor),
                                       defaults: defaults, streamsByDefault: streamsByDefault(), hooks: hooks))
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

    /// Options that only `model(...)` takes, for hosted models: client-side rate limits
    /// (requests and tokens per minute), retries after the first attempt, and the seconds to
    /// wait for a reply to start (and between chunks of a streamed one).
    static let openOptions = ["rpm", "tpm", "max_retries", "timeout"]

    private static func hostedOptions(_ args: Args) throws -> HostedLanguageModel.Options {
        var options = HostedLanguageModel.Options()
        func positive(_ i: Int, _ name: String) throws -> Int? {
            guard args.has(i) else { return nil }
            let v = try args.int(i)
            guard v > 0 else { throw QuillError.value("\(name): must be a positive number, got \(v)") }
            return v
        }
        options.requestsPerMinute = try positive(1, "rpm")
        options.tokensPerMinute = try positive(2, "tpm")
        if args.has(3) {
            let retries = try args.int(3)
            guard retries >= 0 else { throw QuillError.value("max_retries: must be 0 or more, got \(retries)") }
            options.retry.maxAttempts = retries + 1
        }
        if args.has(4) {
            let seconds = try args.double(4)
            guard seconds > 0 else { throw QuillError.value("timeout: must be a positive number of seconds, got \(seconds)") }
            options.timeouts.firstByte = seconds
            options.timeouts.idle = seconds
        }
        return options
    }
}
