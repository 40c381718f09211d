import Foundation
import QuillLLM
import Synchronization

/// The server's metrics, rendered for Prometheus at `/metrics` (text format 0.0.4).
///
/// Names follow the OpenTelemetry conventions translated the way Prometheus does it (dots to
/// underscores, the unit as a suffix, `_total` on counters): the GenAI server metrics
/// `gen_ai.server.time_to_first_token`, `gen_ai.server.time_per_output_token` and
/// `gen_ai.server.request.duration`, token usage by `gen_ai_token_type`, and the HTTP server's
/// requests by route and status. The packaged semantic-convention constants are deprecated,
/// so the names are spelled out here.
final class ServerMetrics: Sendable {
    typealias Family = MetricsRegistry.Family
    typealias Labels = MetricsRegistry.Labels

    static let httpRequests = Family(
        name: "http_server_requests_total", kind: .counter,
        help: "HTTP requests answered, by route, method and status code.")
    static let httpDuration = Family(
        name: "http_server_request_duration_seconds", kind: .histogram,
        help: "Seconds from a request's arrival to the end of its response body (streams included).",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120])
    static let operationDuration = Family(
        name: "gen_ai_server_request_duration_seconds", kind: .histogram,
        help: "Seconds a generation or embedding request took on the model, from submission to its last token.",
        buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92])
    static let timeToFirstToken = Family(
        name: "gen_ai_server_time_to_first_token_seconds", kind: .histogram,
        help: "Seconds from a generation's submission to its first generated text (queueing and prompt included).",
        buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
    static let timePerOutputToken = Family(
        name: "gen_ai_server_time_per_output_token_seconds", kind: .histogram,
        help: "Seconds per generated token after the first, per request (decode speed as a client sees it).",
        buckets: [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5])
    static let tokenUsage = Family(
        name: "gen_ai_server_token_usage_total", kind: .counter,
        help: "Tokens read (input: prompts, templated) and generated (output), by model and operation.")
    static let cancelled = Family(
        name: "quill_server_generations_cancelled_total", kind: .counter,
        help: "Generations stopped because their client went away before the end of the stream.")
    static let sequences = Family(
        name: "quill_server_sequences", kind: .gauge,
        help: "Generations submitted to a model's scheduler and not finished: running (decoded together, up to its batch size) or waiting for a slot.")
    static let inFlight = Family(
        name: "quill_server_requests_in_flight", kind: .gauge,
        help: "HTTP requests being answered (streams count until their last byte).")

    static let families = [httpRequests, httpDuration, operationDuration, timeToFirstToken, timePerOutputToken,
                           tokenUsage, cancelled, sequences, inFlight]

    private let registry = MetricsRegistry(families: families)
    /// Per model: generations in flight, and the scheduler's batch size.
    private let sequenceState = Mutex([String: (inFlight: Int, capacity: Int)]())

    func increment(_ family: Family, _ labels: Labels, by amount: Double = 1) {
        registry.add(family, labels, amount)
    }

    func add(_ family: Family, _ labels: Labels, _ delta: Double) {
        registry.add(family, labels, delta)
    }

    func observe(_ family: Family, _ labels: Labels, _ value: Double) {
        registry.observe(family, labels, value)
    }

    /// Registers a model so its gauges read 0 before its first request.
    func register(model: String, capacity: Int) {
        sequenceState.withLock { $0[model] = (0, capacity) }
    }

    /// A generation of `model` was submitted (+1) or finished (-1).
    func sequence(model: String, _ delta: Int) {
        sequenceState.withLock { s in s[model, default: (0, 16)].inFlight += delta }
    }

    /// The whole exposition, families in a fixed order and series sorted, so scrapes diff cleanly.
    func render() -> String {
        let sequences = sequenceState.withLock { $0 }
        return registry.render { family in
            guard family.name == Self.sequences.name else { return nil }
            var out = ""
            for (model, entry) in sequences.sorted(by: { $0.key < $1.key }) {
                let running = min(entry.inFlight, entry.capacity), waiting = max(0, entry.inFlight - entry.capacity)
                let label = MetricsRegistry.escape(model)
                out += "\(family.name){gen_ai_request_model=\"\(label)\",state=\"running\"} \(running)\n"
                out += "\(family.name){gen_ai_request_model=\"\(label)\",state=\"waiting\"} \(waiting)\n"
            }
            return out
        }
    }
}
