import Foundation

/// The client-side metrics of a runtime's model calls, fed by its event bus and rendered for
/// Prometheus (`quill run --metrics-port`).
///
/// The OpenTelemetry GenAI client metrics — `gen_ai.client.operation.duration`,
/// `gen_ai.client.token.usage`, `gen_ai.client.operation.time_to_first_chunk` — as histograms
/// labelled by operation, provider and model; and counters that add up to the run store's
/// totals (calls by status, tokens by type, dollars, retries), so a dashboard and `quill runs`
/// agree.
public final class CallMetrics: @unchecked Sendable {
    static let duration = MetricsRegistry.Family(
        name: "gen_ai_client_operation_duration_seconds", kind: .histogram,
        help: "Seconds from sending a model request to its last token (failed requests carry error_type).",
        buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92])
    static let tokenUsage = MetricsRegistry.Family(
        name: "gen_ai_client_token_usage", kind: .histogram,
        help: "Tokens per request, input (prompt, cached included) and output, by gen_ai_token_type.",
        buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864])
    static let timeToFirstChunk = MetricsRegistry.Family(
        name: "gen_ai_client_operation_time_to_first_chunk_seconds", kind: .histogram,
        help: "Seconds from sending a streamed request to its first piece of text.",
        buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
    static let calls = MetricsRegistry.Family(
        name: "quill_calls_total", kind: .counter,
        help: "Model calls by model and outcome (ok, error, cancelled, refused by a budget, cached).")
    static let tokens = MetricsRegistry.Family(
        name: "quill_tokens_total", kind: .counter,
        help: "Tokens by model and type: input (cached included), output, cached_input, cache_write.")
    static let cost = MetricsRegistry.Family(
        name: "quill_cost_usd_total", kind: .counter,
        help: "Dollars spent by model (calls of unknown price are counted in quill_unpriced_calls_total instead).")
    static let unpriced = MetricsRegistry.Family(
        name: "quill_unpriced_calls_total", kind: .counter,
        help: "Calls whose model has no known price, by model.")
    static let retries = MetricsRegistry.Family(
        name: "quill_retries_total", kind: .counter, help: "Attempts retried after a retryable failure, by model.")

    public let registry = MetricsRegistry(families: [duration, tokenUsage, timeToFirstChunk, calls, tokens, cost, unpriced, retries])

    public init() {}

    /// Starts counting the calls published on `bus`.
    @discardableResult
    public func attach(to bus: EventBus) -> EventBus.Subscription {
        bus.subscribe([.response, .error, .budget, .cacheHit, .retry, .firstToken]) { [weak self] in self?.record($0) }
    }

    func record(_ e: CallEvent) {
        guard e.status != .dryRun else { return }
        let model = [("gen_ai_request_model", e.model)]
        let genAI = [("gen_ai_operation_name", e.operation), ("gen_ai_provider_name", e.provider)] + model
        switch e.kind {
        case .retry:
            registry.add(Self.retries, model)
            return
        case .firstToken:
            if let t = e.timeToFirstToken { registry.observe(Self.timeToFirstChunk, genAI, t) }
            return
        case .response:
            if let latency = e.latency { registry.observe(Self.duration, genAI, latency) }
            if let u = e.usage {
                registry.observe(Self.tokenUsage, genAI + [("gen_ai_token_type", "input")], Double(u.inputTokens))
                registry.observe(Self.tokenUsage, genAI + [("gen_ai_token_type", "output")], Double(u.outputTokens))
            }
        case .error:
            if let latency = e.latency {
                registry.observe(Self.duration, genAI + [("error_type", e.errorType ?? "error")], latency)
            }
        default:
            break
        }
        registry.add(Self.calls, model + [("status", e.status.rawValue)])
        guard e.kind == .response else { return }
        if let u = e.usage {
            for (type, n) in [("input", u.inputTokens), ("output", u.outputTokens), ("cached_input", u.cachedInputTokens),
                              ("cache_write", u.cacheWriteTokens)] {
                registry.add(Self.tokens, model + [("type", type)], Double(n))
            }
        }
        switch e.cost {
        case .usd(let d)?: registry.add(Self.cost, model, Money.double(d))
        case .unknown?: registry.add(Self.unpriced, model)
        case nil: break
        }
    }

    /// The exposition text.
    public func render() -> String { registry.render() }
}
