import Foundation
import GRDB
import QuillEngine
import QuillLLM

/// A run as stored: the script, how it ended and its totals.
public struct RunRow: Codable, FetchableRecord, Sendable {
    public var id: Int64
    public var script: String
    /// The script's arguments as a JSON array.
    public var args: String
    public var startedAt: Double
    public var endedAt: Double?
    /// `running`, `ok`, `error`, `interrupted` (set when listing a run whose process is gone).
    public var status: String
    public var pid: Int?
    public var dryRun: Bool
    public var calls: Int
    public var errors: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedInputTokens: Int
    /// Dollars, as exact decimal text.
    public var cost: String
    public var unpricedCalls: Int
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, script, args, status, pid, calls, errors, cost, error
        case startedAt = "started_at", endedAt = "ended_at", dryRun = "dry_run", inputTokens = "input_tokens"
        case outputTokens = "output_tokens", cachedInputTokens = "cached_input_tokens", unpricedCalls = "unpriced_calls"
    }

    public var costAmount: Decimal { Money.parse(cost) ?? 0 }
}

/// A call as stored: every field of its final event (`response`, `error`, `budget` or
/// `cache_hit`), its prompt and output unless redacted, and how many retries it took.
public struct CallRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    public static let databaseTableName = "calls"

    public var id: String
    public var runID: Int64
    public var parentSpan: String?
    /// The event that ended the call: `response`, `error`, `budget`, `cache_hit`.
    public var event: String
    public var status: String
    public var startedAt: Double
    public var endedAt: Double
    public var model: String
    public var provider: String
    public var operation: String
    public var promptHash: String
    public var templateHash: String?
    /// The sampling parameters as a JSON object.
    public var parameters: String
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var cachedInputTokens: Int?
    public var cacheWriteTokens: Int?
    public var latency: Double?
    public var ttft: Double?
    public var tokensPerSecond: Double?
    /// Dollars as exact decimal text; nil when the price is unknown (or nothing was charged).
    public var cost: String?
    public var finishReason: String?
    public var repairs: Int
    public var retries: Int
    /// The input as JSON (messages or text); nil when redacted.
    public var prompt: String?
    public var output: String?
    /// The output constraint as JSON.
    public var schema: String?
    public var error: String?
    public var errorType: String?

    enum CodingKeys: String, CodingKey {
        case id, event, status, model, provider, operation, parameters, latency, ttft, cost, repairs, retries, prompt
        case output, schema, error
        case runID = "run_id", parentSpan = "parent_span", startedAt = "started_at", endedAt = "ended_at"
        case promptHash = "prompt_hash", templateHash = "template_hash", inputTokens = "input_tokens"
        case outputTokens = "output_tokens", cachedInputTokens = "cached_input_tokens", cacheWriteTokens = "cache_write_tokens"
        case tokensPerSecond = "tokens_per_second", finishReason = "finish_reason", errorType = "error_type"
    }

    /// The row for a call's final event.
    init(_ e: CallEvent, runID: Int64, retries: Int) {
        id = e.id
        self.runID = runID
        parentSpan = e.parentSpan
        event = e.kind.rawValue
        status = e.status.rawValue
        endedAt = e.time
        startedAt = e.time - (e.latency ?? 0)
        model = e.model
        provider = e.provider
        operation = e.operation
        promptHash = e.promptHash
        templateHash = e.templateHash
        parameters = e.parameters.json.serialized
        inputTokens = e.usage?.inputTokens
        outputTokens = e.usage?.outputTokens
        cachedInputTokens = e.usage?.cachedInputTokens
        cacheWriteTokens = e.usage?.cacheWriteTokens
        latency = e.latency
        ttft = e.timeToFirstToken
        tokensPerSecond = e.tokensPerSecond
        cost = e.kind == .budget ? nil : e.cost?.amount.map(Money.format)
        finishReason = e.finishReason
        repairs = e.repairs
        self.retries = retries
        prompt = e.input.map { CallEvent.json($0).serialized }
        output = e.kind == .response || e.kind == .cacheHit ? e.text : nil
        schema = e.constraint?.json.serialized
        error = e.error
        errorType = e.errorType
    }

    /// The row as one JSON object (for `quill runs export --jsonl`), fields as stored, JSON
    /// columns (parameters, prompt, schema) embedded as JSON rather than as strings.
    public var json: JSONValue {
        func parsed(_ s: String?) -> JSONValue { s.flatMap { try? JSONValue.parse($0) } ?? .null }
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return .object([
            ("id", .string(id)), ("run_id", .int(Int(runID))), ("parent_span", opt(parentSpan) { .string($0) }),
            ("event", .string(event)), ("status", .string(status)), ("started_at", .double(startedAt)),
            ("ended_at", .double(endedAt)), ("model", .string(model)), ("provider", .string(provider)),
            ("operation", .string(operation)), ("prompt_hash", .string(promptHash)),
            ("template_hash", opt(templateHash) { .string($0) }), ("parameters", parsed(parameters)),
            ("input_tokens", opt(inputTokens) { .int($0) }), ("output_tokens", opt(outputTokens) { .int($0) }),
            ("cached_input_tokens", opt(cachedInputTokens) { .int($0) }),
            ("cache_write_tokens", opt(cacheWriteTokens) { .int($0) }),
            ("latency", opt(latency) { .double($0) }), ("ttft", opt(ttft) { .double($0) }),
            ("tokens_per_second", opt(tokensPerSecond) { .double($0) }), ("cost_usd", opt(cost) { .string($0) }),
            ("finish_reason", opt(finishReason) { .string($0) }), ("repairs", .int(repairs)), ("retries", .int(retries)),
            ("prompt", parsed(prompt)), ("output", opt(output) { .string($0) }), ("schema", parsed(schema)),
            ("error", opt(error) { .string($0) }), ("error_type", opt(errorType) { .string($0) }),
        ])
    }
}
