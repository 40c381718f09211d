import QuillEngine
import QuillLLM

/// The settings the two OpenAI generation endpoints share, read from a request body: sampling,
/// length, stop strings, number of choices, streaming and log-probabilities.
///
/// Settings a request leaves out keep the engine's defaults (temperature 0.8, top_k 40,
/// top_p 0.95, min_p 0.05: llama.cpp's, which suit small local models better than the
/// hosted APIs' temperature 1 with no cut-off).
struct OpenAIOptions {
    var parameters = LLMParameters()
    var n = 1
    var stream = false
    var includeUsage = false
    /// Per-token log-probabilities wanted, and how many alternatives per token.
    var logprobs = false
    var topLogprobs = 0

    /// Reads the shared fields. `maxTokensFields` are the names the length limit goes by (chat
    /// accepts the deprecated `max_tokens` and `max_completion_tokens` as aliases).
    init(_ body: RequestFields, configuration: ServerConfiguration, maxTokensFields: [String], defaultMaxTokens: Int) throws {
        parameters.temperature = try body.double("temperature", in: 0...2)
        parameters.topP = try body.double("top_p", in: 0...1)
        if parameters.topP == 0 { throw APIError.invalidField("top_p", "must be greater than 0 (1 keeps every token)") }
        parameters.seed = try body.int("seed", in: Int(Int64.min)...Int(Int64.max))
        parameters.stop = try body.stopStrings("stop", limit: 4)
        parameters.presencePenalty = try body.double("presence_penalty", in: -2...2)
        parameters.frequencyPenalty = try body.double("frequency_penalty", in: -2...2)
        var limit: Int?
        for field in maxTokensFields {
            if let value = try body.int(field, in: 1...1_000_000) { limit = value }
        }
        parameters.maxTokens = limit ?? defaultMaxTokens
        n = try body.int("n", in: 1...configuration.maxChoices) ?? 1
        stream = try body.bool("stream") ?? false
        if let options = try body.object("stream_options") {
            includeUsage = try options.bool("include_usage") ?? false
        }
    }

    /// One request per choice. With a seed, choice i samples with seed + i: reproducible, and
    /// the choices still differ (one seed for all would give n copies).
    func requests(input: LLMInput, constraint: OutputConstraint?) -> [LLMRequest] {
        (0..<n).map { i in
            var p = parameters
            if let seed = p.seed { p.seed = seed &+ i }
            var request = LLMRequest(input: input, parameters: p, constraint: constraint)
            request.stream = stream
            return request
        }
    }

    /// The usage object: the prompt is read once per request whatever `n` is (its cached
    /// tokens are the first choice's: prompt positions the engine copied from an earlier
    /// request instead of computing); completion tokens add up over the choices.
    static func usage(promptTokens: Int, responses: [LLMResponse]) -> JSONValue {
        let completion = responses.reduce(0) { $0 + $1.usage.outputTokens }
        let cached = responses.first?.usage.cachedInputTokens ?? 0
        return .object([
            ("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completion)),
            ("total_tokens", .int(promptTokens + completion)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(cached))])),
            ("completion_tokens_details", .object([("reasoning_tokens", .int(0))])),
        ])
    }
}

/// OpenAI's log-probability objects, built from the tokens a model reports.
enum Logprobs {
    /// Chat's per-token entry: `{token, logprob, bytes, top_logprobs: [...]}`.
    static func chatEntry(_ token: LLMToken, tokenizer: Tokenizer, top: Int) -> JSONValue {
        func item(_ t: LLMToken) -> [(key: String, value: JSONValue)] {
            let bytes = tokenizer.bytes(of: t.id)
            return [("token", .string(String(decoding: bytes, as: UTF8.self))), ("logprob", number(t.logprob)),
                    ("bytes", .array(bytes.map { .int(Int($0)) }))]
        }
        return .object(item(token) + [("top_logprobs", .array(token.alternatives.prefix(top).map { .object(item($0)) }))])
    }

    /// Chat's `logprobs` of a choice (or of one chunk): `{content: [entries], refusal: null}`.
    static func chat(_ tokens: [LLMToken], tokenizer: Tokenizer, top: Int) -> JSONValue {
        .object([("content", .array(tokens.map { chatEntry($0, tokenizer: tokenizer, top: top) })), ("refusal", .null)])
    }

    /// The legacy completions' `logprobs`: parallel lists of tokens, their log-probabilities,
    /// a map of the alternatives per position, and each token's character offset in the text.
    static func completion(_ tokens: [LLMToken], tokenizer: Tokenizer, top: Int, startOffset: Int) -> JSONValue {
        var offset = startOffset
        var texts: [JSONValue] = [], logprobs: [JSONValue] = [], tops: [JSONValue] = [], offsets: [JSONValue] = []
        for token in tokens {
            let text = String(decoding: tokenizer.bytes(of: token.id), as: UTF8.self)
            texts.append(.string(text))
            logprobs.append(number(token.logprob))
            tops.append(.object(token.alternatives.prefix(top).map { alt in
                (String(decoding: tokenizer.bytes(of: alt.id), as: UTF8.self), number(alt.logprob))
            }))
            offsets.append(.int(offset))
            offset += text.count
        }
        return .object([("tokens", .array(texts)), ("token_logprobs", .array(logprobs)),
                         ("top_logprobs", .array(tops)), ("text_offset", .array(offsets))])
    }

    /// The tokens of `all` not among `sent` (ids of tokens already reported, in order).
    static func unsent(_ all: [LLMToken], sent: [Int]) -> [LLMToken] {
        var matched = 0
        var rest: [LLMToken] = []
        for token in all {
            if matched < sent.count, sent[matched] == token.id { matched += 1 } else { rest.append(token) }
        }
        return rest
    }

    /// A log-probability as JSON: float precision is all the model has, so it is written as
    /// the float's shortest form rather than a long double expansion.
    static func number(_ value: Double) -> JSONValue {
        let f = Float(value)
        guard f.isFinite else { return .double(-9999) }
        return .double(Double("\(f)") ?? value)
    }
}
