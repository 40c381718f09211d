import Foundation
import QuillEngine

/// A model behind a provider's HTTP API (OpenAI, Anthropic, Ollama, any OpenAI-compatible
/// server): one request per call, sent with retries (`ReliableSender`) under an optional
/// client-side rate limit, streamed or whole, timed, with the provider's usage.
///
/// Retries happen only before a reply starts, so a retried request never delivers text or
/// usage twice: usage comes from the one attempt that answered.
public final class HostedLanguageModel: LanguageModel, @unchecked Sendable {
    public let name: String
    public let endpoint: ProviderEndpoint
    public var enforcesConstraints: Bool { false }
    public var cacheIdentity: String { "\(endpoint.provider.rawValue):\(endpoint.baseURL.absoluteString)#\(endpoint.model)" }
    let wire: any ProviderWire
    let sender: ReliableSender
    let limiter: RateLimiter?
    let timeouts: HTTPTimeouts

    /// Client-side limits and timing for one model.
    public struct Options: Sendable {
        public var retry = RetryPolicy()
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?
        public var timeouts = HTTPTimeouts()
        public init() {}
    }

    public init(name: String, endpoint: ProviderEndpoint, options: Options = Options(),
                transport: any HTTPTransport = URLSessionTransport.shared) throws {
        self.name = name
        self.endpoint = endpoint
        switch endpoint.provider {
        case .openAI: wire = OpenAIWire(compatible: false)
        case .openAICompatible: wire = OpenAIWire(compatible: true)
        case .anthropic: wire = AnthropicWire()
        case .ollama: wire = OllamaWire()
        }
        sender = ReliableSender(transport: transport, policy: options.retry)
        do {
            limiter = options.requestsPerMinute != nil || options.tokensPerMinute != nil
                ? try RateLimiter(.init(requestsPerMinute: options.requestsPerMinute, tokensPerMinute: options.tokensPerMinute)) : nil
        } catch {
            throw LLMError.invalidParameter(name: "rpm/tpm", message: "\(error)")
        }
        timeouts = options.timeouts
    }

    public func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let retries = Locked(0)
                do {
                    try await self.run(request, continuation, retries: retries)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: self.llmError(error, retries: retries.value))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ request: LLMRequest, _ continuation: AsyncThrowingStream<LLMEvent, Error>.Continuation,
                     retries: Locked<Int>) async throws {
        var http = try wire.httpRequest(request, endpoint: endpoint, stream: request.stream)
        http.timeouts = timeouts
        let estimate = Self.estimatedTokens(request)
        if let limiter { try await limiter.acquire(tokens: estimate) }
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let response = try await sender.send(http) { retry in
            retries.withLock { $0 += 1 }
            continuation.yield(.retry(retry))
        }
        var reply = WireReply()
        var firstToken: Double?
        if request.stream {
            var decoder = wire.streamDecoder()
            func handle(_ events: [WireStreamEvent]) {
                for event in events {
                    switch event {
                    case .text(let text, let tokens):
                        if firstToken == nil { firstToken = seconds() }
                        reply.text += text
                        reply.tokens += tokens
                        continuation.yield(.delta(text, token: tokens.count == 1 ? tokens[0] : nil))
                    case .finish(let reason): reply.finishReason = reason
                    case .usage(let usage): reply.usage = usage
                    }
                }
            }
            for try await chunk in response.body { handle(try decoder.feed(chunk)) }
            handle(try decoder.finish())
        } else {
            reply = try wire.decodeReply(try await response.collect())
        }
        let usage = reply.usage ?? LLMUsage(inputTokens: 0, outputTokens: 0)
        // The estimate reserved tokens in the limiter; what the provider counted replaces it.
        if let limiter, reply.usage != nil { await limiter.settle(reserved: estimate, used: usage.totalTokens) }
        continuation.yield(.done(LLMResponse(model: name, text: reply.text, finishReason: reply.finishReason, usage: usage,
                                             latency: seconds(), timeToFirstToken: firstToken, tokens: reply.tokens)))
    }

    /// A request's tokens for the rate limiter before it is sent: the input estimated (about
    /// four bytes a token), plus the most it may generate.
    static func estimatedTokens(_ request: LLMRequest) -> Int {
        InputTokens.estimate(request.input) + (request.parameters.maxTokens ?? 256)
    }

    /// Every failure as an `LLMError` naming this model (cancellation stays cancellation).
    private func llmError(_ error: Error, retries: Int) -> Error {
        switch error {
        case is LLMError, is CancellationError: return error
        case TransportError.cancelled: return CancellationError()
        case let e as HTTPStatusError:
            return LLMError.http(model: name, status: e.status, message: e.description, retries: e.attempts - 1)
        case let e as RateLimitError:
            return LLMError.rateLimit(model: name, message: "\(e)")
        case let e as TransportError:
            let tried = retries > 0 ? ", after \(retries) \(retries == 1 ? "retry" : "retries")" : ""
            return LLMError.unreachable(model: name, message: "\(e) (\(endpoint.baseURL.absoluteString)\(tried))")
        case WireError.malformed(let m): return LLMError.provider(model: name, message: m)
        case WireError.streamError(let m): return LLMError.provider(model: name, message: "the provider reported an error: \(m)")
        case WireError.truncated(let m): return LLMError.provider(model: name, message: "\(m): the reply was cut off")
        default: return LLMError.provider(model: name, message: "\(error)")
        }
    }

    public func tokenize(_ text: String) throws -> [Int] {
        throw LLMError.provider(model: name, message: "hosted models do not expose their tokenizer here; count tokens with a local model")
    }

    public func countTokens(_ input: LLMInput) throws -> Int {
        throw LLMError.provider(model: name, message: "hosted models do not expose their tokenizer here; the response's usage has exact counts")
    }
}
