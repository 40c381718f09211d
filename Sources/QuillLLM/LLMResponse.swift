import QuillEngine

/// Tokens a request read and wrote.
public struct LLMUsage: Sendable, Equatable {
    /// Every token of the input, cached ones included.
    public var inputTokens: Int
    public var outputTokens: Int
    /// Input tokens the provider read from its prompt cache (priced lower), part of `inputTokens`.
    public var cachedInputTokens: Int
    /// Input tokens written to the provider's prompt cache (Anthropic prices these higher).
    public var cacheWriteTokens: Int
    public init(inputTokens: Int, outputTokens: Int, cachedInputTokens: Int = 0, cacheWriteTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
    }
    public var totalTokens: Int { inputTokens + outputTokens }
}

/// What a model returned for one request.
public struct LLMResponse: Sendable {
    public var model: String
    public var text: String
    /// For structured requests: the output as a value (a JSON value for schemas, the string
    /// for choices, regexes and grammars). Always valid for the constraint.
    public var value: JSONValue?
    /// `stop` (the model ended, or the grammar was complete), `stop_string`, `length`
    /// (max_tokens), `cancelled`, `context_full`.
    public var finishReason: String
    public var usage: LLMUsage
    /// Seconds from the request to the last token.
    public var latency: Double
    /// Seconds from the request to the first token of text.
    public var timeToFirstToken: Double?
    /// Served from the response cache (it cost nothing).
    public var cached: Bool
    public var templateHash: String?
    /// Per-token detail when the provider reports it.
    public var tokens: [LLMToken]
    /// How many repair rounds structured output needed (hosted providers only).
    public var repairs: Int
    /// What the call cost, when a `CallMonitor` priced it.
    public var cost: Cost?

    public init(model: String, text: String, value: JSONValue? = nil, finishReason: String, usage: LLMUsage,
                latency: Double, timeToFirstToken: Double?, cached: Bool = false, templateHash: String? = nil,
                tokens: [LLMToken] = [], repairs: Int = 0, cost: Cost? = nil) {
        self.model = model
        self.text = text
        self.value = value
        self.finishReason = finishReason
        self.usage = usage
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.cached = cached
        self.templateHash = templateHash
        self.tokens = tokens
        self.repairs = repairs
        self.cost = cost
    }

    /// The response as stored in the response cache.
    var json: JSONValue {
        .object([
            ("model", .string(model)), ("text", .string(text)), ("value", value ?? .null),
            ("finish_reason", .string(finishReason)),
            ("input_tokens", .int(usage.inputTokens)), ("output_tokens", .int(usage.outputTokens)),
            ("latency", .double(latency)), ("ttft", timeToFirstToken.map { .double($0) } ?? .null),
            ("template_hash", templateHash.map { .string($0) } ?? .null),
        ])
    }

    /// A response read back from the cache; nil when the entry is not one.
    init?(cached json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        guard case .string(let model)? = f["model"], case .string(let text)? = f["text"],
              case .string(let finish)? = f["finish_reason"],
              case .int(let input)? = f["input_tokens"], case .int(let output)? = f["output_tokens"] else { return nil }
        var value = f["value"]
        if value == .null { value = nil }
        var hash: String?
        if case .string(let h)? = f["template_hash"] { hash = h }
        self.init(model: model, text: text, value: value, finishReason: finish,
                  usage: LLMUsage(inputTokens: input, outputTokens: output), latency: 0, timeToFirstToken: nil,
                  cached: true, templateHash: hash)
    }
}
