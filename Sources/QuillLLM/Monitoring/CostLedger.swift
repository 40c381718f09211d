import Foundation

/// Running totals of a runtime's calls, by model: tokens, calls, errors and money. Fed by the
/// `response` and `error` events; read by `usage()`, `cost()` and the end-of-run line.
public final class CostLedger: @unchecked Sendable {
    /// One model's totals.
    public struct Totals: Sendable, Equatable {
        public var calls = 0
        public var errors = 0
        /// Calls served from the response cache (free).
        public var cacheHits = 0
        public var inputTokens = 0
        public var outputTokens = 0
        public var cachedInputTokens = 0
        public var cacheWriteTokens = 0
        /// The cost of the calls whose price was known.
        public var cost: Decimal = 0
        /// Calls whose model had no price: their cost is not in `cost`.
        public var unpricedCalls = 0
        /// Seconds spent in calls, summed.
        public var seconds = 0.0

        public init() {}

        /// The cost, or nil when some call's price was unknown.
        public var knownCost: Decimal? { unpricedCalls == 0 ? cost : nil }

        mutating func add(_ other: Totals) {
            calls += other.calls
            errors += other.errors
            cacheHits += other.cacheHits
            inputTokens += other.inputTokens
            outputTokens += other.outputTokens
            cachedInputTokens += other.cachedInputTokens
            cacheWriteTokens += other.cacheWriteTokens
            cost += other.cost
            unpricedCalls += other.unpricedCalls
            seconds += other.seconds
        }
    }

    private let totals = Locked<[String: Totals]>([:])

    public init() {}

    /// Counts a finished call (or, with `status: .error`, a failed one).
    public func record(_ event: CallEvent) {
        guard event.kind == .response || event.kind == .error || event.kind == .cacheHit, event.status != .dryRun else { return }
        totals.withLock { all in
            var t = all[event.model] ?? Totals()
            t.calls += 1
            if event.kind == .error { t.errors += 1 }
            if event.kind == .cacheHit { t.cacheHits += 1 }
            if let u = event.usage, event.kind != .cacheHit {
                t.inputTokens += u.inputTokens
                t.outputTokens += u.outputTokens
                t.cachedInputTokens += u.cachedInputTokens
                t.cacheWriteTokens += u.cacheWriteTokens
            }
            switch event.cost {
            case .usd(let d)?: t.cost += d
            case .unknown?: t.unpricedCalls += 1
            case nil: break
            }
            t.seconds += event.latency ?? 0
            all[event.model] = t
        }
    }

    /// Totals by model spec.
    public var byModel: [String: Totals] { totals.value }

    /// Totals over every model.
    public var total: Totals {
        totals.withLock { $0.values.reduce(into: Totals()) { $0.add($1) } }
    }
}
