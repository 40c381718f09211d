import Foundation
import QuillLLM
import QuillTestSupport
import XCTest

/// ReliableSender against the fault server: what is retried, how often (counted by the server,
/// so a request sent twice shows), and what reaches the caller.
final class ReliableSenderTests: FaultServerTestCase {
    /// Short backoffs so the tests run quickly; jitter fixed.
    private func sender(maxAttempts: Int = 3, baseDelay: Double = 0.01) -> ReliableSender {
        ReliableSender(transport: transport,
                       policy: RetryPolicy(maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: 0.05, random: { 0.5 }))
    }

    private func request(_ model: String, _ text: String, path: String = "/v1/chat/completions", stream: Bool = false,
                         timeouts: HTTPTimeouts = HTTPTimeouts()) -> HTTPRequest {
        chatRequest(model, text, path: path, stream: stream, timeouts: timeouts)
    }

    /// Sends and returns the response or the error, with the retry events.
    private func send(_ sender: ReliableSender, _ request: HTTPRequest) async -> (Result<HTTPStreamingResponse, Error>, [RetryEvent]) {
        let events = Locked<[RetryEvent]>([])
        do {
            let response = try await sender.send(request) { event in events.withLock { $0.append(event) } }
            return (.success(response), events.value)
        } catch {
            return (.failure(error), events.value)
        }
    }

    func testFlakySucceedsOnTheThirdAttempt() async throws {
        let (result, events) = await send(sender(), request("flaky-2", "third time"))
        let response = try result.get()
        XCTAssertEqual(response.head.status, 200)
        let body = try JSONSerialization.jsonObject(with: try await response.collect()) as? [String: Any]
        let message = ((body?["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any]
        XCTAssertEqual(message?["content"] as? String, "ok: third time")
        XCTAssertEqual(events.map(\.attempt), [1, 2])
        XCTAssertEqual(events.map(\.reason), ["HTTP 500", "HTTP 500"])
        let stats = try server.stats()
        XCTAssertEqual(stats.attempts["third time"], 3)
        XCTAssertEqual(stats.successes["third time"], 1)
    }

    func testBadRequestIsNotRetried() async throws {
        let (result, events) = await send(sender(), request("status-400", "bad"))
        guard case .failure(let error as HTTPStatusError) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(error.status, 400)
        XCTAssertEqual(error.attempts, 1)
        XCTAssertEqual(error.errorType, "invalid_request_error")
        XCTAssertTrue(events.isEmpty)
        XCTAssertEqual(try server.stats().attempts["bad"], 1)
    }

    /// The server asks for 50 ms (retry-after-ms) rather than 1 s (retry-after); the sender waits that.
    func testRetryAfterIsHonoured() async throws {
        let started = Date()
        let (result, events) = await send(sender(maxAttempts: 2), request("429-retry-after", "slow down"))
        let elapsed = Date().timeIntervalSince(started)
        guard case .failure(let error as HTTPStatusError) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(error.status, 429)
        XCTAssertEqual(error.attempts, 2)
        XCTAssertEqual(events, [RetryEvent(attempt: 1, delay: 0.05, reason: "HTTP 429, retry-after-ms 50")])
        XCTAssertGreaterThanOrEqual(elapsed, 0.05)
        XCTAssertEqual(try server.stats().attempts["slow down"], 2)
    }

    func testQuotaExhaustionIsNotRetried() async throws {
        for path in ["/v1/chat/completions", "/v1/messages", "/api/chat"] {
            let key = "quota \(path)"
            let (result, events) = await send(sender(), request("429-quota", key, path: path))
            guard case .failure(let error as HTTPStatusError) = result else { return XCTFail("\(path): \(result)") }
            XCTAssertEqual(error.status, 429, path)
            XCTAssertTrue(error.isQuotaExhausted, "\(path): \(error)")
            XCTAssertTrue(events.isEmpty, path)
            XCTAssertEqual(try server.stats().attempts[key], 1, path)
        }
    }

    /// Anthropic's 529 is retried until the attempts run out; the last response is thrown.
    func testOverloadedIsRetriedUntilTheAttemptsRunOut() async throws {
        let (result, events) = await send(sender(), request("status-529", "busy", path: "/v1/messages"))
        guard case .failure(let error as HTTPStatusError) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(error.status, 529)
        XCTAssertEqual(error.errorType, "overloaded_error")
        XCTAssertEqual(error.attempts, 3)
        XCTAssertTrue(error.description.contains("after 3 attempts"), error.description)
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(try server.stats().attempts["busy"], 3)
    }

    /// A head that never comes is a retryable timeout; each attempt reaches the server once.
    func testFirstByteTimeoutsAreRetried() async throws {
        let timeouts = HTTPTimeouts(connect: 5, firstByte: 0.3, idle: 5)
        let (result, events) = await send(sender(maxAttempts: 2), request("stall-head", "no head", timeouts: timeouts))
        guard case .failure(let error as TransportError) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(error, .timedOut(phase: "first byte", seconds: 0.3))
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(try server.stats().attempts["no head"], 2)
    }

    func testConnectionFailuresAreRetried() async throws {
        let port = try URLSessionTransportTests.closedPort()
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/chat/completions")!, body: Data("{}".utf8))
        let (result, events) = await send(sender(), request)
        guard case .failure(let error as TransportError) = result, case .connectionFailed = error else {
            return XCTFail("\(result)")
        }
        XCTAssertEqual(events.map(\.attempt), [1, 2])
    }

    /// Once a 2xx head arrives the response is the caller's: a body that breaks off is not resent.
    func testFailuresInTheBodyAreNotRetried() async throws {
        let (result, events) = await send(sender(), request("cut", "cut short", stream: true))
        let response = try result.get()
        do {
            _ = try await response.collect()
            XCTFail("a cut body ended normally")
        } catch let error as TransportError {
            guard case .connectionLost = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(events.isEmpty)
        XCTAssertEqual(try server.stats().attempts["cut short"], 1)
    }

    /// Cancelling during the wait between attempts ends the wait at once and sends nothing more.
    func testCancellingDuringBackoffStopsRetrying() async throws {
        let slow = ReliableSender(transport: transport, policy: RetryPolicy(baseDelay: 30, maxDelay: 30, random: { 0.5 }))
        let request = self.request("status-503", "patience")
        let task = Task { try await slow.send(request) }
        try await server.waitForStats { $0.attempts["patience"] == 1 }
        // The response may still be on its way to the sender; cancelling before or during the sleep both count.
        try await Task.sleep(nanoseconds: 100_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled send returned")
        } catch let error as TransportError {
            XCTAssertEqual(error, .cancelled)
        }
        XCTAssertEqual(try server.stats().attempts["patience"], 1)
    }

    /// Many requests that fail at random: each attempt is one request at the server (nothing is
    /// sent twice or lost), and every request ends with the answer or the last failure.
    func testRandomFailuresAreCountedOncePerAttempt() async throws {
        let sender = self.sender(maxAttempts: 6, baseDelay: 0.005)
        let keys = (0..<24).map { "random request \($0)" }
        let outcomes = try await withThrowingTaskGroup(of: (String, Int, Bool).self) { group in
            for key in keys {
                let request = self.request("random-40", key)
                group.addTask {
                    let events = Locked(0)
                    do {
                        let response = try await sender.send(request) { _ in events.withLock { $0 += 1 } }
                        _ = try await response.collect()
                        return (key, events.value, true)
                    } catch is HTTPStatusError {
                        return (key, events.value, false)
                    }
                }
            }
            var all: [(String, Int, Bool)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let stats = try server.stats()
        var retried = 0
        for (key, retries, succeeded) in outcomes {
            XCTAssertEqual(stats.attempts[key], retries + 1, key)
            XCTAssertEqual(stats.successes[key], succeeded ? 1 : nil, key)
            retried += retries
        }
        // With 40% failures, 24 requests are retried somewhere (the server's hash makes it the same every run).
        XCTAssertGreaterThan(retried, 0)
    }

    /// An error body is kept up to 1 MB; the rest is not read.
    func testErrorBodiesAreCappedAtOneMegabyte() async throws {
        let sender = ReliableSender(transport: HugeErrorTransport(), policy: .never)
        do {
            _ = try await sender.send(HTTPRequest(url: URL(string: "http://unused.invalid/")!))
            XCTFail("a 500 was returned")
        } catch let error as HTTPStatusError {
            XCTAssertEqual(error.status, 500)
            XCTAssertEqual(error.body.count, ReliableSender.errorBodyLimit)
        }
    }
}

/// A transport whose every answer is a 500 with a 3 MB body in 64 KB chunks.
private struct HugeErrorTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let body = AsyncThrowingStream<Data, Error> { continuation in
            for _ in 0..<48 { continuation.yield(Data(repeating: UInt8(ascii: "x"), count: 65_536)) }
            continuation.finish()
        }
        return HTTPStreamingResponse(head: HTTPResponseHead(status: 500, headers: [:]), body: body)
    }
}
