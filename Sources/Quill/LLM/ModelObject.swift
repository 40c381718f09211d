import QuillEngine
import QuillLanguage
import QuillLLM

/// The value `model(spec)` returns: a model with per-model defaults. Its methods prompt it
/// (`gen`, `chat`, `gen_many`) and count tokens (`tokens`, `count_tokens`).
final class ModelObject: NativeObject, @unchecked Sendable {
    let spec: String
    let client: LLMClient
    let defaults: CallOptions
    /// Whether calls stream to the output unless told otherwise (the REPL's default).
    let streamsByDefault: Bool
    let hooks: ScriptHooks
    /// The response map of the latest call (`m.last`).
    var last: Value = .nil

    init(spec: String, client: LLMClient, defaults: CallOptions, streamsByDefault: Bool, hooks: ScriptHooks) {
        self.hooks = hooks
        self.spec = spec
        self.client = client
        self.defaults = defaults
        self.streamsByDefault = streamsByDefault
    }

    override var typeName: String { "model" }
    override var description: String { "<model \(spec)>" }
    override var memberNames: [String] { ["gen", "chat", "gen_many", "tokens", "count_tokens", "name", "defaults", "last"] }

    override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "name": return .str(client.model.name)
        case "defaults": return .map(defaults.map)
        case "last": return last
        default:
            guard let method = Self.methods[name] else { return nil }
            return .native(method.bound(to: .object(self)))
        }
    }

    static let methods: [String: NativeFunction] = {
        let gen = NativeFunction("gen", ["prompt"] + CallOptions.names, required: 1, isMethod: true) { args in
            let result = try receiver(args).call(args, function: "gen", argument: "prompt")
            if let value = result.value, case .jsonSchema? = result.constraint { return JSONBridge.value(value) }
            return .str(result.response.text)
        }
        let chat = NativeFunction("chat", ["messages"] + CallOptions.names, required: 1, isMethod: true) { args in
            try receiver(args).call(args, function: "chat", argument: "messages").map
        }
        let tokens = NativeFunction("tokens", ["text"], isMethod: true) { args in
            let model = receiver(args).client.model
            let text = try args.string(0)
            let ids = try args.vm.waiting { try model.tokenize(text) }
            return .list(ListObject(ids.map { .int($0) }))
        }
        let count = NativeFunction("count_tokens", ["input"], isMethod: true) { args in
            let model = receiver(args).client.model
            let input: LLMInput = if case .string(let s) = args[0] { .text(s.value) } else {
                try ModelInput(args[0], function: "count_tokens", argument: "input", raw: false).input
            }
            if case .text(let text) = input { return .int(try model.tokenize(text).count) }
            return .int(try args.vm.waiting { try model.countTokens(input) })
        }
        let many = NativeFunction("gen_many", ["prompts", "concurrency", "fail_fast"] + CallOptions.names,
                                  required: 1, isMethod: true) { args in
            try GenMany.run(receiver(args), args)
        }
        return Dictionary(uniqueKeysWithValues: [gen, chat, tokens, count, many].map { ($0.name, $0) })
    }()

    private static func receiver(_ args: Args) -> ModelObject {
        guard case .object(let m as ModelObject) = args.receiver else { preconditionFailure("model method on \(args.receiver.typeName)") }
        return m
    }

    /// The request a call describes: its input and options merged over the model's defaults.
    func request(_ args: Args, function: String, argument: String, optionsFrom first: Int = 1) throws -> (LLMRequest, CallOptions) {
        var options = try CallOptions(args, from: first).merged(over: defaults)
        if options.stream == nil, options.onToken == nil, streamsByDefault { options.stream = true }
        let input = try ModelInput(args[0], function: function, argument: argument, raw: options.raw ?? false)
        let request = LLMRequest(input: input.input, parameters: options.parameters, constraint: options.constraint,
                                 templateHash: input.templateHash, useCache: options.cache ?? false)
        return (request, options)
    }

    /// Runs one call and records its response as `last`.
    func call(_ args: Args, function: String, argument: String) throws -> ScriptResponse {
        let (request, options) = try self.request(args, function: function, argument: argument)
        let response = try ModelCall.run(request, client: client, vm: args.vm, options: options, hooks: hooks)
        let result = ScriptResponse(response: response, constraint: request.constraint)
        last = result.map
        return result
    }
}

/// A response as scripts see it: `chat` returns `map`; `m.last` holds it after `gen`.
struct ScriptResponse {
    let response: LLMResponse
    let constraint: OutputConstraint?

    var value: JSONValue? { response.value }

    /// `{role, content, value?, usage: {input_tokens, output_tokens, total_tokens}, latency,
    /// ttft, finish_reason, model, cached, template_hash}`
    var map: Value {
        let m = MapObject()
        m.set(.str("role"), .str("assistant"))
        m.set(.str("content"), .str(response.text))
        if let value = response.value, case .jsonSchema? = constraint { m.set(.str("value"), JSONBridge.value(value)) }
        let usage = MapObject()
        usage.set(.str("input_tokens"), .int(response.usage.inputTokens))
        usage.set(.str("output_tokens"), .int(response.usage.outputTokens))
        usage.set(.str("total_tokens"), .int(response.usage.totalTokens))
        usage.set(.str("cached_input_tokens"), .int(response.usage.cachedInputTokens))
        usage.set(.str("cache_write_tokens"), .int(response.usage.cacheWriteTokens))
        m.set(.str("usage"), .map(usage))
        m.set(.str("latency"), .float(response.latency))
        m.set(.str("ttft"), response.timeToFirstToken.map { .float($0) } ?? .nil)
        m.set(.str("finish_reason"), .str(response.finishReason))
        m.set(.str("model"), .str(response.model))
        m.set(.str("cached"), .bool(response.cached))
        m.set(.str("repairs"), .int(response.repairs))
        if let cost = response.cost { m.set(.str("cost"), cost.amount.map { .float(Money.double($0)) } ?? .nil) }
        m.set(.str("template_hash"), response.templateHash.map { .str($0) } ?? .nil)
        return .map(m)
    }
}
