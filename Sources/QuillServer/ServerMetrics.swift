import Foundation
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
    /// One metric family: its name, type, help text and (for histograms) bucket bounds.
    struct Family: Sendable {
        enum Kind: String, Sendable { case counter, gauge, histogram }
        let name: String
        let kind: Kind
        let help: String
        var buckets: [Double] = []
    }

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

    /// A label set, ordered as given (the key of a series).
    typealias Labels = [(String, String)]

    private struct Histogram {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var values: [String: [String: Double]] = [:]
        var histograms: [String: [String: Histogram]] = [:]
        /// Per model: generations in flight, and the scheduler's batch size.
        var sequences: [String: (inFlight: Int, capacity: Int)] = [:]
    }

    private let state = Mutex(State())

    func increment(_ family: Family, _ labels: Labels, by amount: Double = 1) {
        let key = Self.key(labels)
        state.withLock { $0.values[family.name, default: [:]][key, default: 0] += amount }
    }

    func add(_ family: Family, _ labels: Labels, _ delta: Double) {
        increment(family, labels, by: delta)
    }

    func observe(_ family: Family, _ labels: Labels, _ value: Double) {
        guard value.isFinite else { return }
        let key = Self.key(labels)
        state.withLock { s in
            var h = s.histograms[family.name]?[key] ?? Histogram(counts: Array(repeating: 0, count: family.buckets.count))
            for (i, bound) in family.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
            h.sum += value
            h.count += 1
            s.histograms[family.name, default: [:]][key] = h
        }
    }

    /// Registers a model so its gauges read 0 before its first request.
    func register(model: String, capacity: Int) {
        state.withLock { $0.sequences[model] = (0, capacity) }
    }

    /// A generation of `model` was submitted (+1) or finished (-1).
    func sequence(model: String, _ delta: Int) {
        state.withLock { s in s.sequences[model, default: (0, 16)].inFlight += delta }
    }

    /// The whole exposition, families in a fixed order and series sorted, so scrapes diff cleanly.
    func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        for family in Self.families {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            if family.name == Self.sequences.name {
                for (model, entry) in s.sequences.sorted(by: { $0.key < $1.key }) {
                    let running = min(entry.inFlight, entry.capacity), waiting = max(0, entry.inFlight - entry.capacity)
                    out += "\(family.name){gen_ai_request_model=\"\(Self.escape(model))\",state=\"running\"} \(running)\n"
                    out += "\(family.name){gen_ai_request_model=\"\(Self.escape(model))\",state=\"waiting\"} \(waiting)\n"
                }
                continue
            }
            switch family.kind {
            case .counter, .gauge:
                for (labels, value) in (s.values[family.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    out += "\(family.name)\(labels.isEmpty ? "" : "{\(labels)}") \(Self.number(value))\n"
                }
            case .histogram:
                for (labels, h) in (s.histograms[family.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let prefix = labels.isEmpty ? "" : labels + ","
                    for (bound, count) in zip(family.buckets, h.counts) {
                        out += "\(family.name)_bucket{\(prefix)le=\"\(Self.number(bound))\"} \(count)\n"
                    }
                    out += "\(family.name)_bucket{\(prefix)le=\"+Inf\"} \(h.count)\n"
                    out += "\(family.name)_sum\(labels.isEmpty ? "" : "{\(labels)}") \(Self.number(h.sum))\n"
                    out += "\(family.name)_count\(labels.isEmpty ? "" : "{\(labels)}") \(h.count)\n"
                }
            }
        }
        return out
    }

    /// The rendered label set: `a="x",b="y"`.
    static func key(_ labels: Labels) -> String {
        labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
    }

    /// A label value escaped as the text format requires (backslash, quote, newline).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Integers without a fraction; other values in Swift's shortest round-trip form.
    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
