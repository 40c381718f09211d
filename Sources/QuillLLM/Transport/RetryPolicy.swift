import Foundation

/// When to send a request again and how long to wait first — the rules the official OpenAI
/// and Anthropic SDKs follow.
///
/// Retried: HTTP 408, 409, 429, 5xx (529 included) and failures to connect or to get the head
/// in time. Never retried: 400, 401, 403, 404, 413, 422 and a 429 that says the account is out
/// of quota or over its spend limit. `x-should-retry: true/false` from the server decides the
/// other statuses. The wait is the server's `retry-after-ms`, else its `retry-after` (seconds
/// or an HTTP date), capped by `maxRetryAfter`; otherwise exponential backoff with equal
/// jitter: half of `min(maxDelay, baseDelay · 2^(attempt−1))` plus a random part of the other half.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included (1 disables retries).
    public var maxAttempts: Int
    /// Backoff before the second attempt, before jitter, in seconds.
    public var baseDelay: Double
    /// The longest backoff, in seconds.
    public var maxDelay: Double
    /// The longest wait a server's `retry-after` can ask for, in seconds.
    public var maxRetryAfter: Double
    /// A random number in 0..<1 for the jitter; tests pass a fixed one.
    public var random: @Sendable () -> Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 0.5, maxDelay: Double = 8, maxRetryAfter: Double = 120,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.random = random
    }

    /// No retries: one attempt.
    public static var never: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// What to do after an attempt failed.
    public enum Decision: Sendable, Equatable {
        /// Send again after `delay` seconds.
        case retry(delay: Double, reason: String)
        /// Give up; `reason` says why.
        case giveUp(reason: String)
    }

    /// Statuses that never succeed on a second try of the same request.
    public static let permanentStatuses: Set<Int> = [400, 401, 403, 404, 413, 422]

    /// Whether a status is worth retrying when the server says nothing either way.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// The decision after attempt number `attempt` (1 = the first) got a non-2xx response.
    public func decide(after response: HTTPStatusError, attempt: Int, now: Date = Date()) -> Decision {
        let label = "HTTP \(response.status)"
        if Self.permanentStatuses.contains(response.status) {
            return .giveUp(reason: "\(label) is not retryable")
        }
        if response.status == 429 && response.isQuotaExhausted {
            return .giveUp(reason: "\(label): the quota or spend limit is used up")
        }
        let retryable: Bool
        switch response.headers["x-should-retry"]?.lowercased() {
        case "true": retryable = true
        case "false": return .giveUp(reason: "\(label) and the server said x-should-retry: false")
        default: retryable = Self.isRetryable(status: response.status)
        }
        guard retryable else { return .giveUp(reason: "\(label) is not retryable") }
        guard attempt < maxAttempts else { return .giveUp(reason: "\(label) after \(attempt) attempts") }
        if let (wait, source) = retryAfter(response.headers, now: now) {
            return .retry(delay: wait, reason: "\(label), \(source)")
        }
        return .retry(delay: backoff(attempt: attempt), reason: label)
    }

    /// The decision after attempt number `attempt` failed below HTTP, before any head arrived.
    public func decide(after error: TransportError, attempt: Int) -> Decision {
        switch error {
        case .connectionFailed, .connectionLost, .timedOut:
            guard attempt < maxAttempts else { return .giveUp(reason: "\(error) after \(attempt) attempts") }
            return .retry(delay: backoff(attempt: attempt), reason: error.description)
        case .cancelled, .bodyTooLarge:
            return .giveUp(reason: error.description)
        }
    }

    /// The jittered backoff after attempt number `attempt` failed.
    public func backoff(attempt: Int) -> Double {
        let exponent = Double(max(attempt - 1, 0))
        let ceiling = min(maxDelay, baseDelay * pow(2, min(exponent, 62)))
        let r = min(max(random(), 0), 1)
        return ceiling / 2 + ceiling / 2 * r
    }

    /// The wait a response asks for (`retry-after-ms`, then `retry-after` in seconds or as an
    /// HTTP date), capped by `maxRetryAfter`, and which header said so; nil when there is none
    /// or it cannot be read.
    public func retryAfter(_ headers: [String: String], now: Date = Date()) -> (seconds: Double, source: String)? {
        func capped(_ seconds: Double) -> Double { min(max(seconds, 0), maxRetryAfter) }
        if let text = headers["retry-after-ms"], let ms = Double(text.trimmingCharacters(in: .whitespaces)),
           ms.isFinite {
            return (capped(ms / 1000), "retry-after-ms \(text)")
        }
        guard let text = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite {
            return (capped(seconds), "retry-after \(text)")
        }
        if let date = Self.httpDate(text) {
            return (capped(date.timeIntervalSince(now)), "retry-after \(text)")
        }
        return nil
    }

    /// Reads an HTTP date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the obsolete
    /// RFC 850 and asctime forms that RFC 9110 says a recipient must accept.
    static func httpDate(_ text: String) -> Date? {
        // asctime pads a one-digit day with a second space.
        let text = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
