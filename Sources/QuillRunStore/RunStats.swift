import Foundation
import QuillLLM

/// Aggregates over stored calls, by model and by prompt: how many, how often they failed,
/// latency percentiles, tokens and cost. A prompt is its `prompt` declaration's template hash
/// when it has one (every call of a template together, whatever was filled in), else the hash
/// of its input.
public struct RunStats: Sendable {
    public struct Group: Sendable, Equatable {
        public var key: String
        /// A model, or for prompt groups the models the prompt was sent to.
        public var label: String
        public var calls = 0
        public var errors = 0
        public var inputTokens = 0
        public var outputTokens = 0
        public var cost: Decimal = 0
        public var unpricedCalls = 0
        public var p50Latency: Double?
        public var p95Latency: Double?
        public var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }
    }

    public var byModel: [Group]
    public var byPrompt: [Group]

    public init(_ calls: [CallRow]) {
        byModel = Self.groups(calls) { ($0.model, $0.model) }
        byPrompt = Self.groups(calls) { ($0.templateHash ?? $0.promptHash, $0.model) }
    }

    private static func groups(_ calls: [CallRow], key: (CallRow) -> (String, String)) -> [Group] {
        var groups: [String: Group] = [:]
        var latencies: [String: [Double]] = [:]
        var models: [String: Set<String>] = [:]
        for c in calls {
            let (k, label) = key(c)
            var g = groups[k] ?? Group(key: k, label: label)
            g.calls += 1
            if c.status == "error" || c.status == "refused" { g.errors += 1 }
            g.inputTokens += c.event == "cache_hit" ? 0 : c.inputTokens ?? 0
            g.outputTokens += c.event == "cache_hit" ? 0 : c.outputTokens ?? 0
            if let cost = c.cost.flatMap(Money.parse) {
                g.cost += cost
            } else if c.event == "response" {
                g.unpricedCalls += 1
            }
            if c.status == "ok", let l = c.latency { latencies[k, default: []].append(l) }
            models[k, default: []].insert(label)
            groups[k] = g
        }
        for (k, values) in latencies {
            let sorted = values.sorted()
            groups[k]?.p50Latency = percentile(sorted, 0.50)
            groups[k]?.p95Latency = percentile(sorted, 0.95)
        }
        for (k, set) in models { groups[k]?.label = set.sorted().joined(separator: ", ") }
        return groups.values.sorted { $0.calls != $1.calls ? $0.calls > $1.calls : $0.key < $1.key }
    }

    /// The nearest-rank percentile of sorted values: the smallest value with at least `p` of
    /// the values at or below it.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
