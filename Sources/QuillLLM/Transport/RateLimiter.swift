import Foundation

/// Client-side limits for one model: requests per minute and tokens per minute, so a batch
/// stays under a provider's quota instead of collecting 429s.
///
/// Each limit is a token bucket holding a minute's allowance that refills continuously. A
/// caller takes what it needs at once, even into debt, and then sleeps until the bucket would
/// be back at zero: callers are served in the order they asked, nobody polls, and the actor is
/// free while they wait. A caller cancelled while waiting gives its share back.
public actor RateLimiter {
    /// The limits of one model; nil means no limit.
    public struct Limits: Sendable, Equatable {
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?

        public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
        }
    }

    /// Where the limiter reads the time and how it waits; tests pass a manual one.
    public struct Clock: Sendable {
        /// Seconds on a monotonic clock.
        public var now: @Sendable () -> Double
        /// Waits that many seconds; throws when the task is cancelled.
        public var sleep: @Sendable (Double) async throws -> Void

        public init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void) {
            self.now = now
            self.sleep = sleep
        }

        /// Uptime and `Task.sleep`.
        public static let system = Clock(
            now: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
            sleep: { seconds in try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e9) * 1e9)) })
    }

    private struct Bucket {
        let capacity: Double
        /// Units per second.
        let rate: Double
        /// What is left; negative while callers wait for it.
        var level: Double
        var updatedAt: Double

        init(perMinute: Int, now: Double) {
            capacity = Double(perMinute)
            rate = Double(perMinute) / 60
            level = capacity
            updatedAt = now
        }

        mutating func refill(now: Double) {
            level = min(capacity, level + max(now - updatedAt, 0) * rate)
            updatedAt = now
        }

        /// Seconds until the level is back at zero.
        var wait: Double { level < 0 ? -level / rate : 0 }
    }

    public let limits: Limits
    /// Callers sleeping in `acquire` now.
    public private(set) var waiting = 0
    /// Requests let through or in line so far (cancelled waits not counted).
    public private(set) var admitted = 0
    private let clock: Clock
    private var requests: Bucket?
    private var tokens: Bucket?

    /// - Throws: `RateLimitError.invalidLimit` when a limit is not positive.
    public init(_ limits: Limits, clock: Clock = .system) throws {
        try Self.check(limits)
        self.init(checked: limits, clock: clock)
    }

    init(checked limits: Limits, clock: Clock) {
        self.limits = limits
        self.clock = clock
        let now = clock.now()
        requests = limits.requestsPerMinute.map { Bucket(perMinute: $0, now: now) }
        tokens = limits.tokensPerMinute.map { Bucket(perMinute: $0, now: now) }
    }

    static func check(_ limits: Limits) throws {
        for (name, value) in [("requestsPerMinute", limits.requestsPerMinute), ("tokensPerMinute", limits.tokensPerMinute)] {
            if let value, value <= 0 { throw RateLimitError.invalidLimit(name: name, value: value) }
        }
    }

    /// Waits until one more request of `tokens` tokens fits under both limits, then counts it.
    ///
    /// - Throws: `RateLimitError.requestTooLarge` at once when `tokens` is more than the
    ///   per-minute limit (it would never fit); `CancellationError` when the task is cancelled
    ///   while waiting (the request is then not counted).
    public func acquire(tokens count: Int = 0) async throws {
        let count = max(count, 0)
        if let limit = limits.tokensPerMinute, count > limit {
            throw RateLimitError.requestTooLarge(tokens: count, tokensPerMinute: limit)
        }
        try Task.checkCancellation()
        let now = clock.now()
        requests?.refill(now: now)
        tokens?.refill(now: now)
        requests?.level -= 1
        tokens?.level -= Double(count)
        admitted += 1
        let wait = max(requests?.wait ?? 0, tokens?.wait ?? 0)
        guard wait > 0 else { return }
        waiting += 1
        defer { waiting -= 1 }
        do {
            try await clock.sleep(wait)
        } catch {
            requests?.level += 1
            tokens?.level += Double(count)
            admitted -= 1
            throw error
        }
    }

    /// Corrects the token count once the response says how many were used: a request reserves
    /// its estimate (prompt plus max_tokens) and gives back what it did not use, or pays the rest.
    public func settle(reserved: Int, used: Int) {
        tokens?.refill(now: clock.now())
        tokens?.level += Double(reserved - used)
        if let t = tokens { tokens?.level = min(t.level, t.capacity) }
    }

    /// What is left of each allowance now (negative while callers wait), for tests and status lines.
    public func available() -> (requests: Double?, tokens: Double?) {
        let now = clock.now()
        requests?.refill(now: now)
        tokens?.refill(now: now)
        return (requests?.level, tokens?.level)
    }
}

/// Why a rate limiter refused.
public enum RateLimitError: Error, Equatable, CustomStringConvertible, Sendable {
    /// One request needs more tokens than a whole minute allows.
    case requestTooLarge(tokens: Int, tokensPerMinute: Int)
    /// A limit was zero or negative.
    case invalidLimit(name: String, value: Int)

    public var description: String {
        switch self {
        case .requestTooLarge(let tokens, let limit):
            return "a request of \(tokens) tokens can never fit under the limit of \(limit) tokens per minute: "
                + "shorten the prompt, lower max_tokens, or raise the limit"
        case .invalidLimit(let name, let value):
            return "\(name) must be a positive number, not \(value); leave it out for no limit"
        }
    }
}

/// The rate limiters of several models, made on first use from each model's limits.
public final class RateLimiters: Sendable {
    private let limits: [String: RateLimiter.Limits]
    private let clock: RateLimiter.Clock
    private let made = Locked<[String: RateLimiter]>([:])

    /// - Throws: `RateLimitError.invalidLimit` when a limit is not positive.
    public init(_ limits: [String: RateLimiter.Limits], clock: RateLimiter.Clock = .system) throws {
        for l in limits.values { try RateLimiter.check(l) }
        self.limits = limits
        self.clock = clock
    }

    /// The limiter of `model`, or nil when it has no limits.
    public func limiter(for model: String) -> RateLimiter? {
        guard let l = limits[model] else { return nil }
        return made.withLock { made in
            if let limiter = made[model] { return limiter }
            let limiter = RateLimiter(checked: l, clock: clock)
            made[model] = limiter
            return limiter
        }
    }
}
