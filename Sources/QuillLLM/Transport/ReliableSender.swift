import Foundation

/// One retry about to happen, for progress lines and logs.
public struct RetryEvent: Sendable, Equatable {
    /// The attempt that failed (1 = the first).
    public var attempt: Int
    /// Seconds until the next attempt.
    public var delay: Double
    /// What failed: "HTTP 503", "HTTP 429, retry-after-ms 50", "could not connect: …".
    public var reason: String

    public init(attempt: Int, delay: Double, reason: String) {
        self.attempt = attempt
        self.delay = delay
        self.reason = reason
    }
}

/// Sends a request through a transport, retrying what `RetryPolicy` says is worth retrying.
///
/// Retries happen only before the caller sees any of the body: once a 2xx head has arrived
/// the response is handed over, and a failure in its body is the caller's to handle (a
/// stream that already printed text cannot be silently restarted).
public struct ReliableSender: Sendable {
    public var transport: any HTTPTransport
    public var policy: RetryPolicy
    /// Waits between attempts; must throw when the task is cancelled. Tests may pass one that
    /// records the delays instead of sleeping.
    public var sleep: @Sendable (Double) async throws -> Void

    /// Error bodies are kept up to this size for messages and retry decisions.
    public static let errorBodyLimit = 1 << 20

    public init(transport: any HTTPTransport = URLSessionTransport.shared, policy: RetryPolicy = .init(),
                sleep: @escaping @Sendable (Double) async throws -> Void = ReliableSender.taskSleep) {
        self.transport = transport
        self.policy = policy
        self.sleep = sleep
    }

    /// Sleeps with `Task.sleep`, so cancelling the task ends the wait at once.
    public static let taskSleep: @Sendable (Double) async throws -> Void = { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e9) * 1e9))
    }

    /// Sends until a 2xx head arrives; retries retryable failures before any body is consumed.
    ///
    /// Throws `HTTPStatusError` for a response that is not retryable, or the last one when the
    /// attempts are used up; `TransportError` when the transport failed (the last failure), or
    /// `.cancelled` when the task was cancelled, also while waiting between attempts.
    public func send(_ request: HTTPRequest, onRetry: @Sendable (RetryEvent) -> Void = { _ in }) async throws
        -> HTTPStreamingResponse {
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw TransportError.cancelled }
            let decision: RetryPolicy.Decision
            let failure: Error
            do {
                let response = try await transport.send(request)
                if (200..<300).contains(response.head.status) { return response }
                let error = await Self.statusError(response, attempts: attempt)
                decision = policy.decide(after: error, attempt: attempt)
                failure = error
            } catch let error as TransportError {
                decision = policy.decide(after: error, attempt: attempt)
                failure = error
            } catch is CancellationError {
                throw TransportError.cancelled
            }
            guard case .retry(let delay, let reason) = decision else { throw failure }
            onRetry(RetryEvent(attempt: attempt, delay: delay, reason: reason))
            do {
                try await sleep(delay)
            } catch {
                throw TransportError.cancelled
            }
        }
    }

    /// Reads a non-2xx response's body (up to `errorBodyLimit`) into an `HTTPStatusError`.
    /// A body that breaks off still gives what arrived: the status is the news.
    static func statusError(_ response: HTTPStreamingResponse, attempts: Int) async -> HTTPStatusError {
        var body = Data()
        do {
            for try await chunk in response.body {
                body.append(chunk.prefix(errorBodyLimit - body.count))
                // Leaving the loop drops the stream, which closes the connection.
                if body.count >= errorBodyLimit { break }
            }
        } catch {}
        return HTTPStatusError(status: response.head.status, headers: response.head.headers, body: body,
                               attempts: attempts)
    }
}
