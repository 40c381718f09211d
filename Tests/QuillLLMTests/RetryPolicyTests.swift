import Foundation
@testable import QuillLLM
import XCTest

/// RetryPolicy's decisions and delays, with a fixed random source.
final class RetryPolicyTests: XCTestCase {
    /// Jitter fixed at 0.5: a backoff ceiling c gives c/2 + c/4 = 0.75 c.
    private let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 8, maxRetryAfter: 120, random: { 0.5 })
    private let now = Date(timeIntervalSince1970: 1_767_225_600)  // Thu, 01 Jan 2026 00:00:00 GMT

    private func response(_ status: Int, _ headers: [String: String] = [:], body: String = "") -> HTTPStatusError {
        HTTPStatusError(status: status, headers: headers, body: Data(body.utf8))
    }

    private static let openAIQuota = #"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#
    private static let openAIRate = #"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
    private static let anthropicSpend = #"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your workspace's spend limit. Raise the limit in Settings > Billing."}}"#
    private static let anthropicCredit = #"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}"#
    private static let anthropicRate = #"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#

    func testDecisionTable() {
        let cases: [(name: String, response: HTTPStatusError, attempt: Int, expected: Double?)] = [
            ("500 first attempt: backoff 0.5 → 0.375", response(500), 1, 0.375),
            ("503 second attempt: backoff 1.0 → 0.75", response(503), 2, 0.75),
            ("500 on the last attempt", response(500), 3, nil),
            ("529 overloaded", response(529, body: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#), 1, 0.375),
            ("408", response(408), 1, 0.375),
            ("409", response(409), 1, 0.375),
            ("429 without headers", response(429, body: Self.openAIRate), 1, 0.375),
            ("429 Anthropic rate limit", response(429, body: Self.anthropicRate), 1, 0.375),
            ("429 retry-after-ms wins over retry-after", response(429, ["retry-after-ms": "50", "retry-after": "1"]), 1, 0.05),
            ("503 retry-after seconds", response(503, ["retry-after": "2"]), 1, 2),
            ("429 retry-after fractional seconds", response(429, ["Retry-After": "1.5"]), 1, 1.5),
            ("429 retry-after HTTP date", response(429, ["retry-after": "Thu, 01 Jan 2026 00:00:30 GMT"]), 1, 30),
            ("429 retry-after date in the past", response(429, ["retry-after": "Wed, 31 Dec 2025 23:59:00 GMT"]), 1, 0),
            ("429 retry-after capped by maxRetryAfter", response(429, ["retry-after": "3600"]), 1, 120),
            ("429 retry-after-ms capped", response(429, ["retry-after-ms": "500000"]), 1, 120),
            ("unreadable retry-after falls back to backoff", response(429, ["retry-after": "soon"]), 1, 0.375),
            ("x-should-retry: true on a 402", response(402, ["x-should-retry": "true"]), 1, 0.375),
            ("x-should-retry: false on a 503", response(503, ["x-should-retry": "false"]), 1, nil),
            ("x-should-retry: true on the last attempt", response(500, ["x-should-retry": "true"]), 3, nil),
            ("400", response(400), 1, nil),
            ("401", response(401), 1, nil),
            ("403", response(403), 1, nil),
            ("404", response(404), 1, nil),
            ("413", response(413), 1, nil),
            ("422", response(422), 1, nil),
            ("400 even with x-should-retry: true", response(400, ["x-should-retry": "true"]), 1, nil),
            ("402 without a header", response(402), 1, nil),
            ("429 OpenAI insufficient_quota", response(429, ["retry-after": "1"], body: Self.openAIQuota), 1, nil),
            ("429 Anthropic spend limit", response(429, body: Self.anthropicSpend), 1, nil),
            ("429 quota even with x-should-retry: true", response(429, ["x-should-retry": "true"], body: Self.openAIQuota), 1, nil),
        ]
        for c in cases {
            let decision = policy.decide(after: c.response, attempt: c.attempt, now: now)
            switch (decision, c.expected) {
            case (.retry(let delay, _), let expected?):
                XCTAssertEqual(delay, expected, accuracy: 1e-9, c.name)
            case (.giveUp, nil):
                break
            default:
                XCTFail("\(c.name): \(decision)")
            }
        }
    }

    func testReasonsNameTheStatusAndTheHeader() {
        guard case .retry(_, let reason) = policy.decide(after: response(429, ["retry-after-ms": "50"]), attempt: 1, now: now)
        else { return XCTFail("not retried") }
        XCTAssertEqual(reason, "HTTP 429, retry-after-ms 50")
        guard case .giveUp(let why) = policy.decide(after: response(401), attempt: 1, now: now)
        else { return XCTFail("retried") }
        XCTAssertEqual(why, "HTTP 401 is not retryable")
    }

    /// Exponential growth capped by maxDelay, with equal jitter: between half and all of the ceiling.
    func testBackoffGrowsAndIsCapped() {
        let low = RetryPolicy(baseDelay: 0.5, maxDelay: 8, random: { 0 })
        let high = RetryPolicy(baseDelay: 0.5, maxDelay: 8, random: { 0.999999 })
        XCTAssertEqual((1...7).map { low.backoff(attempt: $0) }, [0.25, 0.5, 1, 2, 4, 4, 4])
        for (attempt, ceiling) in zip(1..., [0.5, 1, 2, 4, 8, 8, 8.0]) {
            XCTAssertEqual(high.backoff(attempt: attempt), ceiling, accuracy: 1e-5)
        }
        // A random source outside 0..<1 cannot push the delay past the ceiling.
        XCTAssertEqual(RetryPolicy(random: { 7 }).backoff(attempt: 1), 0.5)
        XCTAssertEqual(RetryPolicy(random: { 0 }).backoff(attempt: 10_000), 4)
    }

    func testTransportErrors() {
        for error in [TransportError.connectionFailed("refused"), .connectionLost("reset"),
                      .timedOut(phase: "first byte", seconds: 1)] {
            XCTAssertEqual(policy.decide(after: error, attempt: 1), .retry(delay: 0.375, reason: error.description))
            guard case .giveUp = policy.decide(after: error, attempt: 3) else { return XCTFail("\(error) retried at the end") }
        }
        guard case .giveUp = policy.decide(after: TransportError.cancelled, attempt: 1) else { return XCTFail("cancel retried") }
        guard case .giveUp = policy.decide(after: TransportError.bodyTooLarge(limit: 1), attempt: 1) else { return XCTFail() }
    }

    func testHTTPDates() {
        // RFC 9110's three forms of the same moment.
        let expected = Date(timeIntervalSince1970: 784_111_777)
        XCTAssertEqual(RetryPolicy.httpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected)
        XCTAssertEqual(RetryPolicy.httpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected)
        XCTAssertEqual(RetryPolicy.httpDate("Sun Nov  6 08:49:37 1994"), expected)
        XCTAssertNil(RetryPolicy.httpDate("tomorrow"))
    }

    func testStatusErrorDescriptions() {
        let quota = response(429, body: Self.openAIQuota)
        XCTAssertTrue(quota.isQuotaExhausted)
        XCTAssertEqual(quota.description, "the provider answered HTTP 429 (insufficient_quota): You exceeded your current quota, please check your plan and billing details; the account's quota or spend limit is used up: check its billing")
        XCTAssertTrue(response(429, body: Self.anthropicSpend).isQuotaExhausted)
        XCTAssertTrue(response(400, body: Self.anthropicCredit).isQuotaExhausted)
        XCTAssertFalse(response(429, body: Self.anthropicRate).isQuotaExhausted)
        XCTAssertFalse(response(429, body: Self.openAIRate).isQuotaExhausted)

        let ollama = HTTPStatusError(status: 404, headers: ["Authorization": "Bearer sk-secret"],
                                     body: Data(#"{"error":"model 'x' not found"}"#.utf8), attempts: 1)
        XCTAssertEqual(ollama.description, "the provider answered HTTP 404: model 'x' not found; check the model name and the base URL")
        let html = response(502, body: "<html>\nBad gateway\n</html>")
        XCTAssertEqual(html.description, "the provider answered HTTP 502: <html> Bad gateway </html>; the provider failed or is overloaded: try again later")
        var exhausted = response(503)
        exhausted.attempts = 3
        XCTAssertEqual(exhausted.description, "the provider answered HTTP 503 (after 3 attempts); the provider failed or is overloaded: try again later")
        XCTAssertFalse(ollama.description.contains("sk-secret"))
    }
}
