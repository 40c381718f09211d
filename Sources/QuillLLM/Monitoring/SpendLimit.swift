import Foundation

/// One budget: at most `limit` US dollars for the calls it covers — every call of a run, one
/// model's calls, or one `batch`'s.
///
/// A call is admitted only if what has been spent, plus what calls in flight may still spend,
/// plus the most this call can cost stays within the limit; its worst case is held until it
/// ends and is then replaced by what it really cost. So concurrent calls can never together
/// overrun the budget, and refusals happen before anything is sent.
public final class SpendLimit: @unchecked Sendable {
    public let limit: Decimal
    /// The model spec this budget covers; nil for every model.
    public let model: String?
    /// What the budget is for, in messages: "the run", "model openai:gpt-4o", "this batch".
    public let scope: String
    private let state = Locked((spent: Decimal(0), held: Decimal(0)))

    public init(limit: Decimal, model: String? = nil, scope: String? = nil) {
        self.limit = limit
        self.model = model
        self.scope = scope ?? model.map { "model \($0)" } ?? "the run"
    }

    /// Spent so far (finished calls).
    public var spent: Decimal { state.value.spent }
    /// Held for calls in flight.
    public var held: Decimal { state.value.held }
    public var remaining: Decimal { state.withLock { limit - $0.spent - $0.held } }

    /// Whether this budget covers a call to `spec`.
    public func covers(_ spec: String) -> Bool { model == nil || model == spec }

    /// Holds `amount` if it fits; returns false (holding nothing) if it does not.
    func hold(_ amount: Decimal) -> Bool {
        state.withLock { s in
            guard s.spent + s.held + amount <= limit else { return false }
            s.held += amount
            return true
        }
    }

    /// Releases a hold and charges what the call really cost.
    func settle(held amount: Decimal, spent cost: Decimal) {
        state.withLock { s in
            s.held = max(0, s.held - amount)
            s.spent += cost
        }
    }
}

/// A refusal: the call could cost more than a budget has left. Nothing was sent.
public struct BudgetExceeded: Error, Sendable, CustomStringConvertible {
    public let model: String
    public let scope: String
    public let limit: Decimal
    public let spent: Decimal
    /// The most the refused call could have cost (nil when its price is unknown).
    public let needed: Decimal?
    public let detail: String

    public var description: String {
        let need = needed.map { "could cost up to \(Money.display($0))" } ?? "has no known price"
        return "budget for \(scope) exceeded: a call to \(model) \(need) (\(detail)), and \(Money.display(spent)) of \(Money.display(limit)) is already spent or held; raise the budget, lower max_tokens, or shorten the input"
    }
}
