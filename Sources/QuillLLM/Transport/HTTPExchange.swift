import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request in flight on `URLSessionTransport`: the state between the caller awaiting
/// `send`, the URLSession delegate's callbacks, the phase timer and cancellation.
///
/// Every event (head, chunk, completion, timer, cancellation) may race with every other, so
/// each takes the lock, moves the state on, and then acts outside the lock: finishing the body
/// stream runs its `onTermination`, which calls back into `cancel()`, and `NSLock` is not
/// reentrant. Whichever event ends the exchange first decides how it ends; the later ones find
/// the state `.done` and do nothing.
final class HTTPExchange: @unchecked Sendable {
    private enum State {
        /// `send` has not handed over its continuation yet.
        case notStarted
        case awaitingHead(CheckedContinuation<HTTPStreamingResponse, Error>)
        case streaming(AsyncThrowingStream<Data, Error>.Continuation)
        case done
    }

    let timeouts: HTTPTimeouts
    /// Host and port, for messages (never the path or query: they may carry credentials).
    let endpoint: String
    private let hasBody: Bool
    private let lock = NSLock()
    private var state = State.notStarted
    private var cancelledEarly = false
    private var task: URLSessionDataTask?
    private var timer: DispatchSourceTimer?
    private var startedAt: UInt64 = 0
    private var lastActivity: UInt64 = 0
    private var bodySent = false

    /// Timers of all exchanges share one queue: their handlers only take a lock and compare times.
    private static let timerQueue = DispatchQueue(label: "quill.transport.timers")

    init(request: HTTPRequest) {
        timeouts = request.timeouts
        hasBody = !(request.body?.isEmpty ?? true)
        let host = request.url.host ?? "?"
        endpoint = request.url.port.map { "\(host):\($0)" } ?? host
    }

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    // MARK: Caller side

    /// Takes `send`'s continuation and starts the task `makeTask` creates, unless the caller
    /// was cancelled before it got here.
    func start(continuation: CheckedContinuation<HTTPStreamingResponse, Error>,
               makeTask: () -> URLSessionDataTask) {
        lock.lock()
        if cancelledEarly {
            state = .done
            lock.unlock()
            continuation.resume(throwing: TransportError.cancelled)
            return
        }
        let task = makeTask()
        self.task = task
        state = .awaitingHead(continuation)
        startedAt = Self.now
        let timer = DispatchSource.makeTimerSource(queue: Self.timerQueue)
        timer.setEventHandler { [weak self] in self?.timerFired() }
        timer.schedule(deadline: .now() + firstDeadline())
        self.timer = timer
        lock.unlock()
        timer.resume()
        task.resume()
    }

    /// Cancels the exchange: the caller's task was cancelled or the body stream was dropped.
    func cancel() {
        lock.lock()
        if case .notStarted = state {
            cancelledEarly = true
            lock.unlock()
            return
        }
        lock.unlock()
        fail(.cancelled)
    }

    // MARK: Delegate side

    /// Some of the request body went out, so the connection is open.
    func didSendBody() {
        lock.lock()
        bodySent = true
        lock.unlock()
    }

    /// The head arrived: hands `send` its response. Returns false when nobody wants it any more.
    func didReceive(head: HTTPResponseHead) -> Bool {
        lock.lock()
        guard case .awaitingHead(let continuation) = state else {
            lock.unlock()
            return false
        }
        let (stream, body) = AsyncThrowingStream<Data, Error>.makeStream()
        body.onTermination = { [weak self] termination in
            // `.finished` is our own finish(); `.cancelled` means the reader went away.
            if case .cancelled = termination { self?.cancel() }
        }
        state = .streaming(body)
        lastActivity = Self.now
        timer?.schedule(deadline: .now() + timeouts.idle)
        lock.unlock()
        continuation.resume(returning: HTTPStreamingResponse(head: head, body: stream))
        return true
    }

    func didReceive(data: Data) {
        lock.lock()
        guard case .streaming(let body) = state else {
            lock.unlock()
            return
        }
        // The timer is not moved on every chunk: when it fires it compares with this time.
        lastActivity = Self.now
        lock.unlock()
        body.yield(data)
    }

    /// The task ended: the body is complete, or `error` says why not.
    func didComplete(error: Error?) {
        lock.lock()
        let previous = state
        state = .done
        finishLocked()
        lock.unlock()
        switch previous {
        case .awaitingHead(let continuation):
            continuation.resume(throwing: Self.transportError(error, beforeHead: true, endpoint: endpoint, timeouts: timeouts)
                                ?? TransportError.connectionLost("\(endpoint) closed the connection without responding"))
        case .streaming(let body):
            if let failure = Self.transportError(error, beforeHead: false, endpoint: endpoint, timeouts: timeouts) {
                body.finish(throwing: failure)
            } else {
                body.finish()
            }
        case .notStarted, .done:
            break
        }
    }

    // MARK: Ending

    /// Ends the exchange with `error` (a timeout or cancellation) and cancels the data task,
    /// which closes its connection.
    private func fail(_ error: TransportError) {
        lock.lock()
        let previous = state
        state = .done
        let task = self.task
        finishLocked()
        lock.unlock()
        switch previous {
        case .awaitingHead(let continuation): continuation.resume(throwing: error)
        case .streaming(let body): body.finish(throwing: error)
        case .notStarted, .done: return
        }
        task?.cancel()
    }

    private func finishLocked() {
        timer?.cancel()
        timer = nil
        task = nil
    }

    // MARK: Timeouts

    /// Connect is only told apart from the first byte when the request has a body: the first
    /// piece of it going out is the only sign URLSession on Linux gives that the connection opened.
    private var watchesConnect: Bool { hasBody && timeouts.connect < timeouts.firstByte }

    private func firstDeadline() -> Double {
        watchesConnect ? timeouts.connect : timeouts.firstByte
    }

    private func timerFired() {
        lock.lock()
        let now = Self.now
        var timeout: TransportError?
        switch state {
        case .awaitingHead:
            let elapsed = Double(now &- startedAt) / 1e9
            if watchesConnect && !bodySent && elapsed >= timeouts.connect {
                timeout = .timedOut(phase: "connect", seconds: timeouts.connect)
            } else if elapsed >= timeouts.firstByte {
                timeout = .timedOut(phase: "first byte", seconds: timeouts.firstByte)
            } else {
                timer?.schedule(deadline: .now() + max(timeouts.firstByte - elapsed, 0.001))
            }
        case .streaming:
            let quiet = Double(now &- lastActivity) / 1e9
            if quiet >= timeouts.idle {
                timeout = .timedOut(phase: "idle", seconds: timeouts.idle)
            } else {
                timer?.schedule(deadline: .now() + max(timeouts.idle - quiet, 0.001))
            }
        case .notStarted, .done:
            break
        }
        lock.unlock()
        if let timeout { fail(timeout) }
    }
}
