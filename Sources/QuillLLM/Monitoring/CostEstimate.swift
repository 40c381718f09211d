import Foundation

/// What the calls of a dry run would cost: fed the `response` events of calls priced but not
/// sent, it sums calls, input tokens (exact for local models, estimated for hosted ones) and
/// output tokens at their maximum, and the cost of all that — an upper bound on output.
public final class CostEstimate: @unchecked Sendable {
    public struct Line: Sendable, Equatable {
        public var calls = 0
        public var inputTokens = 0
        public var maxOutputTokens = 0
        public var cost: Decimal = 0
        /// Calls whose model has no price.
        public var unpriced = 0
    }

    private let lines = Locked<[String: Line]>([:])
    private var subscription: EventBus.Subscription?
    private weak var bus: EventBus?

    /// Starts collecting the dry-run calls published on `bus`.
    public init(collectingFrom bus: EventBus) {
        self.bus = bus
        let lines = self.lines
        subscription = bus.subscribe([.response]) { event in
            guard event.status == .dryRun else { return }
            lines.withLock { all in
                var line = all[event.model] ?? Line()
                line.calls += 1
                line.inputTokens += event.usage?.inputTokens ?? 0
                line.maxOutputTokens += event.usage?.outputTokens ?? 0
                if let d = event.cost?.amount { line.cost += d } else { line.unpriced += 1 }
                all[event.model] = line
            }
        }
    }

    /// Stops collecting.
    public func stop() {
        if let subscription { bus?.unsubscribe(subscription) }
        subscription = nil
    }

    deinit { stop() }

    public var byModel: [String: Line] { lines.value }

    public var total: Line {
        lines.withLock { all in
            all.values.reduce(into: Line()) { t, l in
                t.calls += l.calls
                t.inputTokens += l.inputTokens
                t.maxOutputTokens += l.maxOutputTokens
                t.cost += l.cost
                t.unpriced += l.unpriced
            }
        }
    }

    /// A few lines for the terminal: one per model and a total.
    public func report() -> String {
        var out = "dry run: nothing was sent; output counted at max_tokens, hosted input tokens estimated\n"
        for (model, line) in byModel.sorted(by: { $0.key < $1.key }) {
            let cost = line.unpriced > 0 ? "unknown price" : "≤ " + Money.display(line.cost)
            out += "  \(model): \(line.calls) call\(line.calls == 1 ? "" : "s"), \(line.inputTokens) input tokens, ≤ \(line.maxOutputTokens) output tokens, \(cost)\n"
        }
        let t = total
        out += "  total: \(t.calls) call\(t.calls == 1 ? "" : "s"), ≤ \(Money.display(t.cost))\(t.unpriced > 0 ? " (+ \(t.unpriced) of unknown price)" : "")\n"
        return out
    }
}
