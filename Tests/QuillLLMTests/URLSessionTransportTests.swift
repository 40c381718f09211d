import Foundation
import QuillLLM
import QuillTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// URLSessionTransport against the fault server on loopback: streaming, the three timeouts,
/// connection failures, and cancellation that really closes the connection.
final class URLSessionTransportTests: FaultServerTestCase {
    private func chat(_ model: String, _ text: String, stream: Bool = true, path: String = "/v1/chat/completions",
                      timeouts: HTTPTimeouts = HTTPTimeouts()) -> HTTPRequest {
        chatRequest(model, text, path: path, stream: stream, timeouts: timeouts)
    }

    /// The body arrives as the server sends it, in several chunks, and parses as OpenAI's stream.
    func testStreamsChunkByChunk() async throws {
        let response = try await transport.send(chat("ok", "one two three four five six"))
        XCTAssertEqual(response.head.status, 200)
        XCTAssertEqual(response.head[header: "Content-Type"], "text/event-stream")
        var chunks = 0
        var parser = SSEParser()
        var events: [ServerSentEvent] = []
        for try await chunk in response.body {
            chunks += 1
            events += parser.feed(chunk)
        }
        events += parser.finish()
        // The server writes 9 events 5 ms apart; libcurl hands them over as they come.
        XCTAssertGreaterThan(chunks, 1)
        XCTAssertEqual(events.last?.data, "[DONE]")
        let text = events.dropLast().compactMap { event -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]
            let choice = (object?["choices"] as? [[String: Any]])?.first
            return (choice?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        XCTAssertEqual(text, "ok: one two three four five six")
        XCTAssertEqual(transport.activeRequestCount, 0)
    }

    func testNonStreamingBodyAndErrorStatusesComeBackAsResponses() async throws {
        let ok = try await transport.send(chat("ok", "hi", stream: false, path: "/api/chat"))
        let object = try JSONSerialization.jsonObject(with: try await ok.collect()) as? [String: Any]
        XCTAssertEqual((object?["message"] as? [String: Any])?["content"] as? String, "ok: hi")
        XCTAssertEqual(object?["eval_count"] as? Int, 2)

        // The transport does not judge statuses: that is ReliableSender's job.
        let failed = try await transport.send(chat("status-503", "x", stream: false))
        XCTAssertEqual(failed.head.status, 503)
        let failure = String(decoding: try await failed.collect(), as: UTF8.self)
        XCTAssertTrue(failure.contains("service_unavailable"), failure)
    }

    func testIdleTimeoutOnAStalledStream() async throws {
        let request = chat("stall", "idle", timeouts: HTTPTimeouts(connect: 5, firstByte: 10, idle: 0.5))
        let response = try await transport.send(request)
        XCTAssertEqual(response.head.status, 200)
        do {
            for try await _ in response.body {}
            XCTFail("a stalled body ended normally")
        } catch let error as TransportError {
            XCTAssertEqual(error, .timedOut(phase: "idle", seconds: 0.5))
        }
        // The timed-out task was cancelled, so the server sees the client go.
        let stats = try await server.waitForStats { $0.disconnects >= 1 && $0.open == 0 }
        XCTAssertEqual(stats.disconnects, 1)
        XCTAssertEqual(stats.open, 0)
    }

    /// The server reads the request and never answers. The request body went out, so the
    /// shorter connect timeout must not fire: the connection was open.
    func testFirstByteTimeoutWhenTheHeadNeverComes() async throws {
        let request = chat("stall-head", "head", timeouts: HTTPTimeouts(connect: 0.3, firstByte: 1, idle: 10))
        do {
            _ = try await transport.send(request)
            XCTFail("a request without an answer returned")
        } catch let error as TransportError {
            XCTAssertEqual(error, .timedOut(phase: "first byte", seconds: 1))
        }
        try await server.waitForStats { $0.disconnects >= 1 }
        XCTAssertEqual(try server.stats().disconnects, 1)
    }

    /// A listener whose accept queue is full drops new connection attempts (the SYN goes
    /// unanswered), so the connection never opens: the connect timeout fires, not first byte.
    func testConnectTimeoutWhenTheConnectionNeverOpens() async throws {
        let blackhole = try FullBacklogListener()
        defer { blackhole.close() }
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:\(blackhole.port)/v1/chat/completions")!,
                                  body: Data("{}".utf8), timeouts: HTTPTimeouts(connect: 0.5, firstByte: 20, idle: 20))
        do {
            _ = try await transport.send(request)
            XCTFail("a connection to a full accept queue answered")
        } catch let error as TransportError {
            XCTAssertEqual(error, .timedOut(phase: "connect", seconds: 0.5))
        }
        try await waitForNoActiveRequests()
    }

    func testConnectionRefusedOnAClosedPort() async throws {
        let port = try Self.closedPort()
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/chat/completions")!,
                                  headers: [("Authorization", "Bearer sk-test-secret")], body: Data("{}".utf8))
        do {
            _ = try await transport.send(request)
            XCTFail("a closed port answered")
        } catch let error as TransportError {
            guard case .connectionFailed(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("127.0.0.1:\(port)"), message)
            // Credentials never show up in messages.
            XCTAssertFalse("\(error)".contains("sk-test-secret"))
        }
    }

    /// A stream that breaks off without its chunked terminator fails as a lost connection.
    func testCutStreamFailsAsConnectionLost() async throws {
        let response = try await transport.send(chat("cut", "a b c d e"))
        var received = Data()
        do {
            for try await chunk in response.body { received.append(chunk) }
            XCTFail("a cut body ended normally")
        } catch let error as TransportError {
            guard case .connectionLost = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(String(decoding: received, as: UTF8.self).contains(#""content": " a""#))
    }

    /// Cancelling the task that reads the body closes the connection; `collect()` then throws
    /// `.cancelled` instead of returning the part that had arrived.
    func testCancellingTheReaderClosesTheConnection() async throws {
        let response = try await transport.send(chat("stall", "cancel-reader"))
        let reader = Task { try await response.collect() }
        try await server.waitForStats { $0.open == 1 }
        try await expectCancelledAndClosed(reader, "a cancelled collect() returned a body")
    }

    /// Cancels `task`, which must then throw `.cancelled`, and waits for the server to see its
    /// one connection closed and the transport to have no request left.
    private func expectCancelledAndClosed<T>(_ task: Task<T, Error>, _ message: String) async throws {
        task.cancel()
        do {
            _ = try await task.value
            XCTFail(message)
        } catch let error as TransportError {
            XCTAssertEqual(error, .cancelled)
        }
        let stats = try await server.waitForStats { $0.disconnects >= 1 }
        XCTAssertEqual(stats.disconnects, 1)
        try await waitForNoActiveRequests()
    }

    /// Cancelling the task awaiting `send` (no head yet) throws `.cancelled` and closes the connection.
    func testCancellingSendClosesTheConnection() async throws {
        let request = chat("stall-head", "cancel-send")
        let transport = self.transport!
        let sender = Task { try await transport.send(request) }
        try await server.waitForStats { $0.open == 1 }
        try await expectCancelledAndClosed(sender, "a cancelled send returned")
    }

    /// Dropping a response in the middle of its body closes the connection.
    func testDroppingTheStreamClosesTheConnection() async throws {
        // The response lives only inside this function, so it is released when the function returns.
        func readFirstChunk() async throws -> Data? {
            let response = try await transport.send(chat("slow-300", "one two three four five six"))
            var iterator = response.body.makeAsyncIterator()
            return try await iterator.next()
        }
        let first = try await readFirstChunk()
        XCTAssertNotNil(first)
        let stats = try await server.waitForStats { $0.disconnects >= 1 }
        XCTAssertEqual(stats.disconnects, 1)
        XCTAssertEqual(stats.successes["one two three four five six"], nil)
        try await waitForNoActiveRequests()
    }

    func testCancelledBeforeSendingThrowsCancelled() async throws {
        let request = chat("ok", "never")
        let transport = self.transport!
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(request)
        }
        do {
            _ = try await task.value
            XCTFail("a cancelled task sent its request")
        } catch let error as TransportError {
            XCTAssertEqual(error, .cancelled)
        }
        XCTAssertEqual(try server.stats().attempts["never"], nil)
    }

    private func waitForNoActiveRequests() async throws {
        let deadline = Date().addingTimeInterval(10)
        while transport.activeRequestCount > 0 && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertEqual(transport.activeRequestCount, 0, "data tasks left behind")
    }

    /// A loopback port nothing listens on: bound to find a free one, then closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FaultServerError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw FaultServerError(message: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A loopback listener that never accepts, with its accept queue filled by connections of its
/// own, so the kernel ignores further connection attempts.
private final class FullBacklogListener {
    let port: Int
    private var descriptors: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptors.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 0) == 0
                    && getsockname(listener, generic, &length) == 0
            }
        }
        guard ok else { throw FaultServerError(message: "could not listen on loopback") }
        port = Int(UInt16(bigEndian: address.sin_port))
        // A backlog of 0 holds one finished handshake; a few more non-blocking connects fill
        // whatever the kernel rounds it up to.
        for _ in 0..<4 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            descriptors.append(client)
        }
        usleep(50_000)
    }

    func close() {
        for fd in descriptors { _ = Glibc.close(fd) }
        descriptors = []
    }
}
