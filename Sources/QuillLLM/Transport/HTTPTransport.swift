import Foundation

/// One HTTP request to a provider. Header names are sent as given; `headers` is a list so
/// the order the SDKs use can be kept.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var timeouts: HTTPTimeouts

    public init(method: String = "POST", url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
                timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}

/// How long each phase of an exchange may take, in seconds.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Until the connection is open. URLSession on Linux says when a connection opened only by
    /// starting to send the request body, so `URLSessionTransport` enforces this for requests
    /// with a body; without one, connecting counts into `firstByte`.
    public var connect: Double
    /// From sending the request until the response's status line and headers (connecting and
    /// waiting for a free connection included).
    public var firstByte: Double
    /// Between two chunks of the body (a stalled stream).
    public var idle: Double

    public init(connect: Double = 10, firstByte: Double = 120, idle: Double = 60) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
    }
}

/// A response's status line and headers (names lowercased).
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(header name: String) -> String? { headers[name.lowercased()] }
}

/// A response whose body arrives as it is sent.
public struct HTTPStreamingResponse: Sendable {
    public var head: HTTPResponseHead
    /// The body's chunks, as they arrive. Ends when the body is complete; throws
    /// `TransportError` when the connection fails or stalls. Dropping the stream (or
    /// cancelling the task reading it) closes the connection.
    ///
    /// When the reading task is cancelled, the stream just ends (AsyncThrowingStream returns
    /// nil rather than throwing): a reader that can be cancelled checks `Task.isCancelled`
    /// after the loop before treating the body as complete.
    public var body: AsyncThrowingStream<Data, Error>

    public init(head: HTTPResponseHead, body: AsyncThrowingStream<Data, Error>) {
        self.head = head
        self.body = body
    }

    /// The whole body, for non-streaming responses. Throws `TransportError.cancelled` when the
    /// task is cancelled rather than returning the part that had arrived.
    public func collect(limit: Int = 64 << 20) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            data.append(chunk)
            if data.count > limit { throw TransportError.bodyTooLarge(limit: limit) }
        }
        if Task.isCancelled { throw TransportError.cancelled }
        return data
    }
}

/// Sends HTTP requests. The URLSession implementation is the default; tests and embedders
/// may supply their own (a transport that records, or one over another HTTP stack).
public protocol HTTPTransport: Sendable {
    /// Sends the request and returns once the response head has arrived.
    func send(_ request: HTTPRequest) async throws -> HTTPStreamingResponse
}

/// How an exchange failed below the HTTP level.
public enum TransportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The connection could not be made (refused, DNS, TLS); retryable.
    case connectionFailed(String)
    /// A phase took longer than its timeout: "connect", "first byte" or "idle".
    case timedOut(phase: String, seconds: Double)
    /// The connection dropped while the body was arriving; retryable before any output.
    case connectionLost(String)
    /// The caller cancelled.
    case cancelled
    /// The body was larger than the caller allows.
    case bodyTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .connectionFailed(let m): return "could not connect: \(m)"
        case .timedOut(let phase, let s):
            let seconds = String(format: "%g", s)
            switch phase {
            case "connect": return "timed out after \(seconds) s connecting to the server (connect timeout); check the base URL and the network"
            case "first byte": return "timed out after \(seconds) s waiting for the response to start (first-byte timeout); the server may be overloaded, or raise the timeout"
            case "idle": return "the response stalled: no data for \(seconds) s (idle timeout)"
            default: return "timed out after \(seconds) s (\(phase))"
            }
        case .connectionLost(let m): return "the connection was lost: \(m)"
        case .cancelled: return "cancelled"
        case .bodyTooLarge(let limit): return "the response body is larger than \(limit) bytes"
        }
    }
}
