import Foundation

/// Everything a runtime knows about its model calls: the event bus, the prices, the running
/// totals and the budgets. `LLMClient`s given a monitor report every call to it, are charged
/// by it and are refused by it when a budget would be exceeded.
///
/// One monitor per runtime (per `quill run`); clients of several models share it, so totals
/// and run-wide budgets cover them all.
public final class CallMonitor: @unchecked Sendable {
    public let bus: EventBus
    public let prices: PriceBook
    public let ledger = CostLedger()
    private let limits = Locked<[SpendLimit]>([])
    private let flags = Locked((dryRun: false, redact: false))
    private let warned = Locked<Set<String>>([])
    /// Where one-time warnings go (an unknown price, a provider that reported no usage).
    public let warn: @Sendable (String) -> Void

    public init(prices: PriceBook = .builtIn(), bus: EventBus = EventBus(),
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("quill: warning: \($0)\n".utf8)) }) {
        self.prices = prices
        self.bus = bus
        self.warn = warn
        let ledger = self.ledger
        bus.subscribe([.response, .error, .cacheHit]) { ledger.record($0) }
    }

    /// Calls are priced and answered with stubs instead of being sent (`quill run --dry-run`).
    public var dryRun: Bool {
        get { flags.value.dryRun }
        set { flags.withLock { $0.dryRun = newValue } }
    }

    /// Events carry no prompt or output text (for stores and logs that must not keep content).
    public var redactContent: Bool {
        get { flags.value.redact }
        set { flags.withLock { $0.redact = newValue } }
    }

    /// Sets a budget; one for the same scope (every model, or the same model) is replaced,
    /// keeping what was already spent under it.
    public func setLimit(_ limit: Decimal, model: String? = nil) {
        limits.withLock { all in
            let spent = all.first { $0.model == model }?.spent ?? 0
            all.removeAll { $0.model == model }
            let l = SpendLimit(limit: limit, model: model)
            if spent > 0 { l.settle(held: 0, spent: spent) }
            all.append(l)
        }
    }

    /// Removes the budget of a scope.
    public func removeLimit(model: String? = nil) {
        limits.withLock { $0.removeAll { $0.model == model } }
    }

    /// The run-wide and per-model budgets.
    public var spendLimits: [SpendLimit] { limits.value }

    /// Warns once per key for the life of the monitor.
    func warnOnce(_ key: String, _ message: @autoclosure () -> String) {
        let first = warned.withLock { $0.insert(key).inserted }
        if first { warn(message()) }
    }

    /// What a call is charged, warning once per model whose price is unknown.
    func cost(of model: String, usage: LLMUsage, seconds: Double) -> Cost {
        guard let price = prices.price(for: model) else {
            warnOnce("price:" + model, "no price is known for \(model): its calls' cost is reported as unknown; set one with set_price(\"\(model)\", input: …, output: …) (dollars per million tokens)")
            return .unknown
        }
        return .usd(price.cost(usage, seconds: seconds))
    }
}
