import QuillEngine

/// A model a script or a Swift program can prompt: the bundled CPU core or a hosted provider,
/// behind one interface.
///
/// Providers implement `stream`: the raw exchange, reporting text deltas as they arrive and
/// finishing with one `.done` response. Everything providers share — response caching,
/// parsing and validating structured output, repairing invalid output — is `LLMClient`'s.
public protocol LanguageModel: AnyObject, Sendable {
    /// The spec the model was opened with, as logs and results name it (`local:smollm2`).
    var name: String { get }
    /// True when the model enforces `OutputConstraint`s while generating (the local core's
    /// grammar-constrained decoding); false when output must be validated afterwards.
    var enforcesConstraints: Bool { get }
    /// What identifies this model's behaviour for the response cache: the weights' file and
    /// version for local models, the model id for hosted ones.
    var cacheIdentity: String { get }

    /// Runs a request, reporting deltas and then the response.
    func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error>

    /// The model's tokens for a text (hosted models without a tokenizer throw).
    func tokenize(_ text: String) throws -> [Int]

    /// Tokens the input takes as the model reads it (for messages: with the chat template).
    func countTokens(_ input: LLMInput) throws -> Int
}

/// What a stream reports.
public enum LLMEvent: Sendable {
    /// Newly generated text (and the token behind it, when the provider reports tokens).
    case delta(String, token: LLMToken?)
    /// The end: the whole response.
    case done(LLMResponse)
    /// A failed attempt is about to be retried (hosted providers; before any text arrived).
    case retry(RetryEvent)
}

/// A generated token with its log-probability.
public struct LLMToken: Sendable, Equatable {
    public var id: Int
    public var text: String
    public var logprob: Double
    /// The most likely tokens at this step, most likely first, when the request asked for
    /// them (`LLMParameters.topLogprobs`).
    public var alternatives: [LLMToken]
    public init(id: Int, text: String, logprob: Double, alternatives: [LLMToken] = []) {
        self.id = id
        self.text = text
        self.logprob = logprob
        self.alternatives = alternatives
    }
}

extension LanguageModel {
    /// Runs a request to the end and returns the response, passing deltas to `onDelta` and
    /// retries to `onRetry`.
    public func complete(_ request: LLMRequest, onDelta: ((String) -> Void)? = nil,
                         onRetry: ((RetryEvent) -> Void)? = nil) async throws -> LLMResponse {
        var request = request
        request.stream = onDelta != nil
        for try await event in stream(request) {
            switch event {
            case .delta(let text, _): onDelta?(text)
            case .done(let response): return response
            case .retry(let retry): onRetry?(retry)
            }
        }
        throw LLMError.provider(model: name, message: "the response ended without a result")
    }
}
