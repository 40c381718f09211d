import Foundation
import QuillEngine

/// One thing that happened to a model call, as hooks, the run store, metrics and traces see it.
///
/// Every event of a call carries the same identity (id, parent span, model, provider, prompt
/// hash, parameters); what happened adds the rest: a `token` its text, a `response` its usage,
/// timings and cost, an `error` its message, a `retry` the attempt and delay, a `budget` the
/// refusal. A field that does not apply to an event's kind is nil.
public struct CallEvent: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A request is about to be sent (after the budget check; not for cache hits).
        case request
        /// The first piece of text arrived.
        case firstToken = "first_token"
        /// A piece of text arrived (only produced while someone listens for it).
        case token
        /// The call finished; usage, timings and cost are final.
        case response
        /// The call failed (after any retries); `error` says why.
        case error
        /// A failed attempt is about to be retried.
        case retry
        /// The response came from the response cache: nothing was sent, nothing spent.
        case cacheHit = "cache_hit"
        /// A budget refused the call before anything was sent.
        case budget
    }

    /// How the call ended (or stands, for events before the end).
    public enum Status: String, Sendable {
        case pending, ok, error, cancelled, refused, cached
        /// `quill run --dry-run` / `estimate`: priced, not sent.
        case dryRun = "dry_run"
    }

    public var kind: Kind
    /// The call's id, shared by all its events.
    public var id: String
    /// The span the call belongs to (a batch item, an evaluation row), when there is one.
    public var parentSpan: String?
    /// Seconds since 1970 at which the event happened.
    public var time: Double
    /// The model's spec as the script named it (`openai:gpt-4o-mini`, `local:smollm2`); for a
    /// fallback list, the one that answered once known.
    public var model: String
    /// `local`, `openai`, `anthropic`, `ollama`, `openai-compatible`.
    public var provider: String
    /// `chat` for messages, `text_completion` for raw text (the GenAI operation names).
    public var operation: String
    /// A hash of the input the model reads (messages or text), the same for the same prompt.
    public var promptHash: String
    /// The hash of the `prompt` declaration that made the input, when one did.
    public var templateHash: String?
    public var parameters: LLMParameters
    /// The input, unless content is redacted.
    public var input: LLMInput?
    /// The output constraint (schema, regex, choices, grammar), if any.
    public var constraint: OutputConstraint?

    public var status: Status = .pending
    /// `token`: the new text; `response`: the whole output (nil when content is redacted).
    public var text: String?
    public var usage: LLMUsage?
    /// Seconds from the request to the end.
    public var latency: Double?
    public var timeToFirstToken: Double?
    /// Output tokens per second of generation (after the first token).
    public var tokensPerSecond: Double?
    /// `response`: what the call cost; `budget`: what it could have cost.
    public var cost: Cost?
    public var finishReason: String?
    /// How many repair rounds structured output needed.
    public var repairs = 0
    /// `error` and `budget`: what went wrong, in words.
    public var error: String?
    /// `error`: a short class of failure for metrics and traces (`http_429`, `timeout`, …).
    public var errorType: String?
    /// `retry`: the failed attempt and the wait before the next.
    public var retry: RetryEvent?

    public init(kind: Kind, id: String, parentSpan: String? = nil, time: Double = Date().timeIntervalSince1970,
                model: String, provider: String, operation: String, promptHash: String, templateHash: String? = nil,
                parameters: LLMParameters = LLMParameters(), input: LLMInput? = nil, constraint: OutputConstraint? = nil) {
        self.kind = kind
        self.id = id
        self.parentSpan = parentSpan
        self.time = time
        self.model = model
        self.provider = provider
        self.operation = operation
        self.promptHash = promptHash
        self.templateHash = templateHash
        self.parameters = parameters
        self.input = input
        self.constraint = constraint
    }

    /// The same call identity as another kind of event, happening now.
    public func next(_ kind: Kind) -> CallEvent {
        var e = CallEvent(kind: kind, id: id, parentSpan: parentSpan, model: model, provider: provider,
                          operation: operation, promptHash: promptHash, templateHash: templateHash,
                          parameters: parameters, input: input, constraint: constraint)
        e.status = status
        return e
    }
}

/// What a call cost: an amount in US dollars, or unknown when no price is known for the model
/// (reported as such, never as 0).
public enum Cost: Sendable, Equatable, CustomStringConvertible {
    case usd(Decimal)
    case unknown

    public var amount: Decimal? {
        if case .usd(let d) = self { return d }
        return nil
    }

    public var description: String {
        switch self {
        case .usd(let d): return "$" + Money.format(d)
        case .unknown: return "unknown"
        }
    }
}
