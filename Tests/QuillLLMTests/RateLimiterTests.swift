import Foundation
import QuillLLM
import XCTest

/// RateLimiter on a manual clock (waits are computed, not slept), plus real-clock checks of
/// ordering and cancellation that assert order and counts, not durations.
final class RateLimiterTests: XCTestCase {
    /// A clock that stands still unless advanced; `sleep` records the wait and returns at once.
    private final class ManualClock: Sendable {
        let time = Locked(0.0)
        let waits = Locked<[Double]>([])
        /// When set, `sleep` throws this instead of returning (a cancelled wait).
        let failure = Locked<(any Error & Sendable)?>(nil)

        var clock: RateLimiter.Clock {
            RateLimiter.Clock(now: { self.time.value }, sleep: { seconds in
                self.waits.withLock { $0.append(seconds) }
                if let error = self.failure.value { throw error }
            })
        }

        func advance(_ seconds: Double) { time.withLock { $0 += seconds } }

        /// The recorded waits to the microsecond (30 s comes out as 30.000000000000004).
        var roundedWaits: [Double] { waits.value.map { ($0 * 1e6).rounded() / 1e6 } }
    }

    func testRequestsPerMinute() async throws {
        let manual = ManualClock()
        let limiter = try RateLimiter(.init(requestsPerMinute: 2), clock: manual.clock)
        for _ in 0..<4 { try await limiter.acquire() }
        // Two fit in the minute's allowance; the next ones wait 30 s each for a new one, in order.
        XCTAssertEqual(manual.roundedWaits, [30, 60])
        // Two minutes later the allowance is full again, never more than full.
        manual.advance(120)
        let available = await limiter.available()
        XCTAssertEqual(available.requests, 2)
        XCTAssertNil(available.tokens)
    }

    func testTokensPerMinute() async throws {
        let manual = ManualClock()
        let limiter = try RateLimiter(.init(tokensPerMinute: 100), clock: manual.clock)
        try await limiter.acquire(tokens: 60)
        XCTAssertEqual(manual.waits.value, [])
        try await limiter.acquire(tokens: 60)
        // 20 tokens short at 100/60 tokens a second.
        XCTAssertEqual(manual.waits.value.count, 1)
        XCTAssertEqual(manual.waits.value[0], 12, accuracy: 1e-9)
    }

    /// Both limits must allow: the wait is the longer of the two.
    func testTheLongerWaitWins() async throws {
        let manual = ManualClock()
        // 2 requests and 600 tokens a minute: one request every 30 s, 10 tokens a second.
        let limiter = try RateLimiter(.init(requestsPerMinute: 2, tokensPerMinute: 600), clock: manual.clock)
        try await limiter.acquire(tokens: 600)  // fits: requests 1 left, tokens 0 left
        try await limiter.acquire(tokens: 300)  // requests fit; tokens 300 short → 30 s
        try await limiter.acquire(tokens: 0)    // requests 1 short → 30 s; tokens still 300 short → 30 s
        try await limiter.acquire(tokens: 0)    // requests 2 short → 60 s; tokens 30 s
        XCTAssertEqual(manual.roundedWaits, [30, 30, 60])
        let admitted = await limiter.admitted
        XCTAssertEqual(admitted, 4)
    }

    func testARequestLargerThanTheLimitFailsAtOnce() async throws {
        let manual = ManualClock()
        let limiter = try RateLimiter(.init(requestsPerMinute: 10, tokensPerMinute: 1000), clock: manual.clock)
        do {
            try await limiter.acquire(tokens: 1001)
            XCTFail("a request over the per-minute limit was let through")
        } catch let error as RateLimitError {
            XCTAssertEqual(error, .requestTooLarge(tokens: 1001, tokensPerMinute: 1000))
            XCTAssertTrue(error.description.contains("can never fit"), error.description)
        }
        XCTAssertEqual(manual.waits.value, [])
        let available = await limiter.available()
        XCTAssertEqual(available.requests, 10)
        XCTAssertEqual(available.tokens, 1000)
    }

    func testInvalidLimits() {
        XCTAssertThrowsError(try RateLimiter(.init(requestsPerMinute: 0))) { error in
            XCTAssertEqual(error as? RateLimitError, .invalidLimit(name: "requestsPerMinute", value: 0))
        }
        XCTAssertThrowsError(try RateLimiters(["m": .init(tokensPerMinute: -5)]))
    }

    /// A wait that ends in cancellation gives its reservation back.
    func testCancelledWaitGivesItsShareBack() async throws {
        let manual = ManualClock()
        let limiter = try RateLimiter(.init(requestsPerMinute: 1, tokensPerMinute: 100), clock: manual.clock)
        try await limiter.acquire(tokens: 50)
        manual.failure.value = CancellationError()
        do {
            try await limiter.acquire(tokens: 50)
            XCTFail("a cancelled wait returned")
        } catch is CancellationError {}
        let available = await limiter.available()
        XCTAssertEqual(available.requests, 0)
        XCTAssertEqual(available.tokens, 50)
    }

    func testSettleReturnsUnusedTokensAndChargesOverruns() async throws {
        let manual = ManualClock()
        let limiter = try RateLimiter(.init(tokensPerMinute: 1000), clock: manual.clock)
        try await limiter.acquire(tokens: 800)
        await limiter.settle(reserved: 800, used: 300)
        var tokens = await limiter.available().tokens
        XCTAssertEqual(tokens, 700)
        await limiter.settle(reserved: 100, used: 900)
        tokens = await limiter.available().tokens
        XCTAssertEqual(tokens, -100)
        await limiter.settle(reserved: 5000, used: 0)
        tokens = await limiter.available().tokens
        XCTAssertEqual(tokens, 1000)
    }

    func testLimitersPerModel() throws {
        let limiters = try RateLimiters(["gpt-4o-mini": .init(requestsPerMinute: 500)])
        let a = limiters.limiter(for: "gpt-4o-mini")
        XCTAssertNotNil(a)
        XCTAssertTrue(a === limiters.limiter(for: "gpt-4o-mini"))
        XCTAssertNil(limiters.limiter(for: "other"))
    }

    /// Real clock: waiters are served in the order they asked, and a cancelled waiter stops
    /// waiting. 6,000 tokens a minute is 100 a second, so each 30-token request waits 0.3 s more.
    func testWaitersAreServedInOrderOnTheRealClock() async throws {
        let limiter = try RateLimiter(.init(tokensPerMinute: 6000))
        try await limiter.acquire(tokens: 6000)  // empties the allowance
        let finished = Locked<[Int]>([])
        let started = Date()
        var tasks: [Task<Void, Error>] = []
        for index in 0..<3 {
            tasks.append(Task {
                try await limiter.acquire(tokens: 30)
                finished.withLock { $0.append(index) }
            })
            // Let this waiter take its place in line before the next one asks.
            while await limiter.admitted < index + 2 {
                try await Task.sleep(nanoseconds: 2_000_000)
            }
        }
        let cancelled = Task { try await limiter.acquire(tokens: 30) }
        cancelled.cancel()
        do {
            try await cancelled.value
            XCTFail("a cancelled waiter got through")
        } catch is CancellationError {}
        for task in tasks { try await task.value }
        XCTAssertEqual(finished.value, [0, 1, 2])
        let (waiting, admitted) = (await limiter.waiting, await limiter.admitted)
        XCTAssertEqual(waiting, 0)
        XCTAssertEqual(admitted, 4)
        // The last waiter needed 90 tokens of refill: at least ~0.9 s (a lower bound only).
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.8)
    }
}
