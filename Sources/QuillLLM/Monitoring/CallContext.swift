/// Where a call comes from, beyond the request itself: the span it belongs to, budgets that
/// apply to it alone (a `batch`'s), and an observer of just its events (the script hooks of
/// the thread that made it).
public struct CallContext: Sendable {
    public var parentSpan: String?
    /// Budgets besides the monitor's run-wide and per-model ones.
    public var limits: [SpendLimit]
    /// Receives this call's events (after the bus), on the publishing thread.
    public var observe: (@Sendable (CallEvent) -> Void)?
    /// Produce `token` events for `observe` even when nothing on the bus listens for them.
    public var wantsTokens: Bool

    public init(parentSpan: String? = nil, limits: [SpendLimit] = [], observe: (@Sendable (CallEvent) -> Void)? = nil,
                wantsTokens: Bool = false) {
        self.parentSpan = parentSpan
        self.limits = limits
        self.observe = observe
        self.wantsTokens = wantsTokens
    }
}
