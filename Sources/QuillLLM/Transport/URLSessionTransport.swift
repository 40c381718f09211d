import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default `HTTPTransport`: Foundation's URLSession (libcurl on Linux), streaming bodies
/// through a delegate because `bytes(for:)` does not exist on Linux.
///
/// One session serves every request; each request is a data task whose delegate callbacks feed
/// an `HTTPExchange`. The exchange enforces `HTTPTimeouts` with its own timer (URLSession on
/// Linux has a single inactivity timeout and no connect timeout) and cancels the data task, so
/// its connection closes, when a phase times out, when the task awaiting `send` is cancelled,
/// or when the caller stops reading the body.
public final class URLSessionTransport: HTTPTransport {
    /// A transport shared by everything in the process that does not need its own.
    public static let shared = URLSessionTransport()

    private let session: URLSession
    private let router: SessionDelegate

    /// - Parameter maxConnectionsPerHost: connections kept to one provider at a time; requests
    ///   beyond it wait for a free connection (counted in their first-byte time).
    public init(maxConnectionsPerHost: Int = 16) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        // The exchanges time out themselves; URLSession's timers are only a backstop.
        configuration.timeoutIntervalForRequest = 24 * 3600
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        router = SessionDelegate()
        let queue = OperationQueue()
        queue.name = "quill.transport.delegate"
        // One callback at a time keeps each task's chunks in order.
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: router, delegateQueue: queue)
    }

    deinit {
        // The session holds its delegate strongly until it is invalidated.
        session.finishTasksAndInvalidate()
    }

    /// Sends the request; returns when the response head has arrived (whatever its status).
    ///
    /// Throws `TransportError`: `.connectionFailed`, `.connectionLost`, `.timedOut` (phase
    /// "connect" or "first byte"), or `.cancelled` when the calling task is cancelled.
    public func send(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        if Task.isCancelled { throw TransportError.cancelled }
        let urlRequest = Self.urlRequest(for: request)
        let exchange = HTTPExchange(request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.start(continuation: continuation) {
                    let task = session.dataTask(with: urlRequest)
                    router.register(exchange, for: task)
                    return task
                }
            }
        } onCancel: {
            exchange.cancel()
        }
    }

    /// How many requests are in flight (their data tasks not yet complete); for tests and metrics.
    public var activeRequestCount: Int { router.count }

    static func urlRequest(for request: HTTPRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        // URLSession's inactivity timer stays a backstop behind the exchange's own timers.
        let t = request.timeouts
        urlRequest.timeoutInterval = max(t.connect, t.firstByte, t.idle) + 30
        for (name, value) in request.headers {
            urlRequest.addValue(value, forHTTPHeaderField: name)
        }
        if let body = request.body {
            urlRequest.httpBody = body
            // Without one, URLSession on Linux labels a POST body as a form; providers take JSON.
            if urlRequest.value(forHTTPHeaderField: "Content-Type") == nil {
                urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
        }
        return urlRequest
    }
}

/// Routes URLSession's delegate callbacks to the exchange of each task.
final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let exchanges = Locked<[Int: HTTPExchange]>([:])

    var count: Int { exchanges.withLock { $0.count } }

    func register(_ exchange: HTTPExchange, for task: URLSessionTask) {
        exchanges.withLock { $0[task.taskIdentifier] = exchange }
    }

    private func exchange(for task: URLSessionTask) -> HTTPExchange? {
        exchanges.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        exchange(for: task)?.didSendBody()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        guard let exchange = exchange(for: dataTask), let http = response as? HTTPURLResponse else {
            completionHandler(.cancel)
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String { headers[name] = value as? String ?? "\(value)" }
        }
        let wanted = exchange.didReceive(head: HTTPResponseHead(status: http.statusCode, headers: headers))
        completionHandler(wanted ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(for: dataTask)?.didReceive(data: data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let exchange = exchanges.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        exchange?.didComplete(error: error)
    }
}
