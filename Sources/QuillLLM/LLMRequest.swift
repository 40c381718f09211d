import QuillEngine

/// One chat message: the engine's `ChatMessage` (role and content), which every provider
/// maps to its own wire format.
public typealias LLMMessage = ChatMessage

extension ChatMessage {
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: "system", content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: "user", content: text) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: "assistant", content: text) }
}

/// What the model reads: a conversation (rendered with its chat template) or raw text to continue.
public enum LLMInput: Sendable, Equatable {
    case messages([LLMMessage])
    case text(String)
}

/// Sampling and length settings. Nil means "the model's default"; `merged(over:)` layers a
/// call's settings over a model's defaults.
public struct LLMParameters: Sendable, Equatable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var maxTokens: Int?
    public var stop: [String]?
    public var seed: Int?
    public var repetitionPenalty: Double?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    /// Report this many most likely alternatives per token (0: none).
    public var topLogprobs: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, minP: Double? = nil,
                maxTokens: Int? = nil, stop: [String]? = nil, seed: Int? = nil, repetitionPenalty: Double? = nil,
                presencePenalty: Double? = nil, frequencyPenalty: Double? = nil, topLogprobs: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.repetitionPenalty = repetitionPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.topLogprobs = topLogprobs
    }

    /// These settings, with unset ones taken from `defaults`.
    public func merged(over defaults: LLMParameters) -> LLMParameters {
        LLMParameters(temperature: temperature ?? defaults.temperature, topP: topP ?? defaults.topP,
                      topK: topK ?? defaults.topK, minP: minP ?? defaults.minP,
                      maxTokens: maxTokens ?? defaults.maxTokens, stop: stop ?? defaults.stop,
                      seed: seed ?? defaults.seed, repetitionPenalty: repetitionPenalty ?? defaults.repetitionPenalty,
                      presencePenalty: presencePenalty ?? defaults.presencePenalty,
                      frequencyPenalty: frequencyPenalty ?? defaults.frequencyPenalty,
                      topLogprobs: topLogprobs ?? defaults.topLogprobs)
    }

    /// The settings as a JSON object (set ones only), for cache keys and logs.
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = []
        func add(_ key: String, _ value: JSONValue?) { if let value { fields.append((key, value)) } }
        add("temperature", temperature.map { .double($0) })
        add("top_p", topP.map { .double($0) })
        add("top_k", topK.map { .int($0) })
        add("min_p", minP.map { .double($0) })
        add("max_tokens", maxTokens.map { .int($0) })
        add("stop", stop.map { .array($0.map { .string($0) }) })
        add("seed", seed.map { .int($0) })
        add("repetition_penalty", repetitionPenalty.map { .double($0) })
        add("presence_penalty", presencePenalty.map { .double($0) })
        add("frequency_penalty", frequencyPenalty.map { .double($0) })
        add("top_logprobs", topLogprobs.map { .int($0) })
        return .object(fields)
    }
}

/// A shape the output must have. The local core enforces it token by token; hosted
/// providers are asked for it, and `LLMClient` validates and repairs their output.
public enum OutputConstraint: Sendable, Equatable {
    /// A JSON Schema (object/properties/required, string/integer/number/boolean, enum,
    /// arrays with min/max items, nested objects, string length and pattern).
    case jsonSchema(JSONValue)
    /// The whole output matches this regular expression.
    case regex(String)
    /// The output is exactly one of these strings.
    case choices([String])
    /// A GBNF grammar (llama.cpp's syntax), for the local core.
    case grammar(String)

    public var json: JSONValue {
        switch self {
        case .jsonSchema(let s): return .object([("schema", s)])
        case .regex(let r): return .object([("regex", .string(r))])
        case .choices(let c): return .object([("choices", .array(c.map { .string($0) }))])
        case .grammar(let g): return .object([("grammar", .string(g))])
        }
    }
}

/// One request to a model.
public struct LLMRequest: Sendable {
    public var input: LLMInput
    public var parameters: LLMParameters
    public var constraint: OutputConstraint?
    /// The hash of the `prompt` declaration that produced the input, if any (for logs).
    public var templateHash: String?
    /// Serve identical requests from the response cache.
    public var useCache: Bool
    /// Report text deltas as they are generated; when false a provider may report only the
    /// final response (less work per token when nobody watches the text arrive).
    public var stream = true

    public init(input: LLMInput, parameters: LLMParameters = LLMParameters(), constraint: OutputConstraint? = nil,
                templateHash: String? = nil, useCache: Bool = false) {
        self.input = input
        self.parameters = parameters
        self.constraint = constraint
        self.templateHash = templateHash
        self.useCache = useCache
    }
}
