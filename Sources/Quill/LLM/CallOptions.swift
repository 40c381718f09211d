import QuillLanguage
import QuillLLM

/// The named arguments every model call accepts, read from a native's arguments. Model
/// defaults (`model("local", temperature: 0)`) are the same options, merged under each call's.
struct CallOptions {
    /// Parameter names in the order natives declare them (after their own leading ones).
    static let names = ["temperature", "top_p", "top_k", "min_p", "max_tokens", "stop", "seed",
                        "repeat_penalty", "presence_penalty", "frequency_penalty", "logprobs",
                        "schema", "choices", "regex", "grammar", "stream", "on_token", "cache", "raw"]

    var parameters = LLMParameters()
    var constraint: OutputConstraint?
    var stream: Bool?
    var onToken: Value?
    var cache: Bool?
    /// Continue the text as is, without the chat template.
    var raw: Bool?

    init() {}

    /// Reads the options from `args`, where they start at parameter index `first`.
    init(_ args: Args, from first: Int) throws {
        func at(_ name: String) -> Int { first + Self.names.firstIndex(of: name)! }
        func number(_ name: String) throws -> Double? { args.has(at(name)) ? try args.double(at(name)) : nil }
        func integer(_ name: String) throws -> Int? { args.has(at(name)) ? try args.int(at(name)) : nil }
        func flag(_ name: String) throws -> Bool? { args.has(at(name)) ? try args.bool(at(name), default: false) : nil }
        parameters.temperature = try number("temperature")
        parameters.topP = try number("top_p")
        parameters.topK = try integer("top_k")
        parameters.minP = try number("min_p")
        parameters.maxTokens = try integer("max_tokens")
        parameters.seed = try integer("seed")
        parameters.repetitionPenalty = try number("repeat_penalty")
        parameters.presencePenalty = try number("presence_penalty")
        parameters.frequencyPenalty = try number("frequency_penalty")
        parameters.topLogprobs = try integer("logprobs")
        switch args[at("stop")] {
        case .nil: break
        case .string(let s): parameters.stop = [s.value]
        case .list(let l):
            parameters.stop = try l.items.map {
                guard case .string(let s) = $0 else { throw args.typeError(at("stop"), expected: "a string or a list of strings") }
                return s.value
            }
        default: throw args.typeError(at("stop"), expected: "a string or a list of strings")
        }
        var constraints: [OutputConstraint] = []
        if args.has(at("schema")) {
            _ = try args.map(at("schema"))
            constraints.append(.jsonSchema(try JSONBridge.json(args[at("schema")], path: "schema")))
        }
        if args.has(at("choices")) {
            let list = try args.list(at("choices"))
            let options = try list.items.map {
                guard case .string(let s) = $0 else { throw args.typeError(at("choices"), expected: "a list of strings") }
                return s.value
            }
            guard !options.isEmpty else { throw QuillError.value("choices: give at least one choice") }
            constraints.append(.choices(options))
        }
        if args.has(at("regex")) { constraints.append(.regex(try args.string(at("regex")))) }
        if args.has(at("grammar")) { constraints.append(.grammar(try args.string(at("grammar")))) }
        guard constraints.count <= 1 else {
            throw QuillError.argument("give one of schema:, choices:, regex: or grammar:, not several")
        }
        constraint = constraints.first
        stream = try flag("stream")
        if args.has(at("on_token")) { onToken = try args.callable(at("on_token")) }
        cache = try flag("cache")
        raw = try flag("raw")
    }

    /// These options over a model's defaults.
    func merged(over defaults: CallOptions) -> CallOptions {
        var o = self
        o.parameters = parameters.merged(over: defaults.parameters)
        o.constraint = constraint ?? defaults.constraint
        o.stream = stream ?? defaults.stream
        o.onToken = onToken ?? defaults.onToken
        o.cache = cache ?? defaults.cache
        o.raw = raw ?? defaults.raw
        return o
    }

    /// The defaults as a map (for `m.defaults`).
    var map: MapObject {
        let m = MapObject()
        let p = parameters
        func put(_ key: String, _ value: Value?) { if let value { m.set(.str(key), value) } }
        put("temperature", p.temperature.map { .float($0) })
        put("top_p", p.topP.map { .float($0) })
        put("top_k", p.topK.map { .int($0) })
        put("min_p", p.minP.map { .float($0) })
        put("max_tokens", p.maxTokens.map { .int($0) })
        put("stop", p.stop.map { .list(ListObject($0.map { .str($0) })) })
        put("seed", p.seed.map { .int($0) })
        put("repeat_penalty", p.repetitionPenalty.map { .float($0) })
        put("presence_penalty", p.presencePenalty.map { .float($0) })
        put("frequency_penalty", p.frequencyPenalty.map { .float($0) })
        put("logprobs", p.topLogprobs.map { .int($0) })
        put("stream", stream.map { .bool($0) })
        put("cache", cache.map { .bool($0) })
        put("raw", raw.map { .bool($0) })
        return m
    }
}
