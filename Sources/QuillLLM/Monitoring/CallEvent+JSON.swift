import Foundation
import QuillEngine

extension CallEvent {
    /// The event as a JSON object with snake_case fields, as script hooks, the JSONL event log
    /// and run-store exports show it. Fields that do not apply are left out; `cost` is a number
    /// in dollars (null when unknown, with `cost_known: false`), `cost_usd` its exact decimal text.
    public var json: JSONValue {
        var f: [(key: String, value: JSONValue)] = [
            ("kind", .string(kind.rawValue)), ("id", .string(id)), ("time", .double(time)),
            ("model", .string(model)), ("provider", .string(provider)), ("operation", .string(operation)),
            ("prompt_hash", .string(promptHash)), ("status", .string(status.rawValue)),
            ("parameters", parameters.json),
        ]
        func add(_ key: String, _ value: JSONValue?) { if let value { f.append((key, value)) } }
        add("parent_span", parentSpan.map { .string($0) })
        add("template_hash", templateHash.map { .string($0) })
        add("input", input.map(Self.json))
        add("constraint", constraint?.json)
        add("text", text.map { .string($0) })
        if let u = usage {
            f.append(("usage", .object([
                ("input_tokens", .int(u.inputTokens)), ("output_tokens", .int(u.outputTokens)),
                ("cached_input_tokens", .int(u.cachedInputTokens)), ("cache_write_tokens", .int(u.cacheWriteTokens)),
                ("total_tokens", .int(u.totalTokens)),
            ])))
        }
        add("latency", latency.map { .double($0) })
        add("ttft", timeToFirstToken.map { .double($0) })
        add("tokens_per_second", tokensPerSecond.map { .double($0) })
        if let cost {
            f.append(("cost", cost.amount.map { .double(Money.double($0)) } ?? .null))
            f.append(("cost_known", .bool(cost.amount != nil)))
            add("cost_usd", cost.amount.map { .string(Money.format($0)) })
        }
        add("finish_reason", finishReason.map { .string($0) })
        if repairs > 0 { f.append(("repairs", .int(repairs))) }
        add("error", error.map { .string($0) })
        add("error_type", errorType.map { .string($0) })
        if let r = retry {
            f.append(("retry", .object([("attempt", .int(r.attempt)), ("delay", .double(r.delay)), ("reason", .string(r.reason))])))
        }
        return .object(f)
    }

    /// An input as JSON: a list of `{role, content}` messages, or the raw text.
    public static func json(_ input: LLMInput) -> JSONValue {
        switch input {
        case .text(let t): return .string(t)
        case .messages(let m): return .array(m.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
        }
    }
}
