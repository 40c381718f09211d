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

        /// Counts the call an event ends: a `response`, an `error`, a `cache_hit` (no tokens
        /// charged) or a `budget` refusal (an error that cost nothing).
        public mutating func add(_ e: CallEvent) {
            calls += 1
            if e.kind == .error || e.kind == .budget { errors += 1 }
            if e.kind == .cacheHit { cacheHits += 1 }
            if let u = e.usage, e.kind != .cacheHit {
                inputTokens += u.inputTokens
                outputTokens += u.outputTokens
                cachedInputTokens += u.cachedInputTokens
                cacheWriteTokens += u.cacheWriteTokens
            }
            seconds += e.latency ?? 0
            // A refusal's cost is what the call could have cost; nothing was spent.
            guard e.kind != .budget else { return }
            switch e.cost {
            case .usd(let d)?: cost += d
            case .unknown?: unpricedCalls += 1
            case nil: break
            }
        }

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
            t.add(event)
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
