import Foundation
import QuillLLM

/// Sends model calls to an OpenTelemetry collector as spans, over OTLP/HTTP with JSON bodies.
///
/// One exporter is one trace: a root span for the run (started when the exporter is made,
/// ended by `shutdown()`) with a child span per finished call, made from the call's
/// `response`, `error` or `budget` event on the `EventBus` it is attached to. Spans are
/// queued by the bus observer (which does nothing else, so model calls never wait on the
/// collector) and sent in batches: when `maxBatchSize` are queued, every `flushInterval`
/// seconds, on `flush()` and on `shutdown()`.
///
/// JSON rather than protobuf keeps the target free of dependencies; every OTLP/HTTP
/// collector accepts both on the same endpoint. An export that fails (the collector is down,
/// answers non-2xx) is reported once per kind of failure through `warn` and its spans are
/// dropped: tracing must not fail or slow a run.
public final class OTLPTraceExporter: @unchecked Sendable {
    /// The instrumentation scope's version, sent with every batch.
    public static let version = "0.1.0"

    /// Where and how spans are sent.
    public let configuration: Configuration
    /// The trace all of this exporter's spans belong to (32 lowercase hex digits).
    public let traceID: String
    /// The run's root span, the parent of every call span (16 lowercase hex digits).
    public let rootSpanID: String

    private let rootStart = Date().timeIntervalSince1970
    private let transport: any HTTPTransport
    private let warn: @Sendable (String) -> Void
    private let resource: [OTLPAttribute]
    private let state = Locked(State())

    private struct State {
        var queue: [OTLPSpan] = []
        /// Spans queued or in an export not yet finished, bounded by `maxQueueSize`.
        var pending = 0
        /// The latest export; each export waits for the one before, so awaiting the latest
        /// awaits them all and batches reach the collector in order.
        var lastSend: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var subscriptions: [(bus: EventBus, subscription: EventBus.Subscription)] = []
        var closed = false
        var exported = 0
        /// Failures already reported, so a collector that is down is one warning, not one per batch.
        var reported: Set<String> = []
        /// For the root span: the calls seen and what they cost.
        var calls = 0
        var failedCalls = 0
        var cost: Decimal = 0
        var costComplete = true
    }

    /// - Parameters:
    ///   - configuration: the endpoint, headers, resource and batching (see `Configuration.fromEnvironment`).
    ///   - transport: sends the export requests; URLSession's by default.
    ///   - warn: receives configuration warnings (once, now) and failed exports (once per kind).
    public init(configuration: Configuration, transport: any HTTPTransport = URLSessionTransport.shared,
                warn: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.transport = transport
        self.warn = warn
        traceID = OTLPSpan.newTraceID()
        rootSpanID = OTLPSpan.newSpanID()
        var r = OTLPAttributes()
        r.add("service.name", configuration.serviceName)
        for (key, value) in configuration.resourceAttributes.sorted(by: { $0.key < $1.key })
        where key != "service.name" && !key.hasPrefix("telemetry.sdk.") {
            r.add(key, value)
        }
        r.add("telemetry.sdk.name", "quill")
        r.add("telemetry.sdk.language", "swift")
        r.add("telemetry.sdk.version", Self.version)
        resource = r.list
        for warning in configuration.warnings { warn(warning) }

        let nanoseconds = UInt64(max(configuration.flushInterval, 0.01) * 1e9)
        // Weak, so that an exporter nobody shuts down is still freed (and its timer with it).
        let timer = Task.detached(priority: .utility) { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: nanoseconds)
                guard !Task.isCancelled, let self else { return }
                self.send()
            }
        }
        state.withLock { $0.timer = timer }
    }

    deinit {
        state.withLock { $0.timer?.cancel() }
    }

    /// Makes a span of every call that finishes on `bus` from now until `shutdown()`
    /// (dry-run responses excepted: nothing was sent). Several buses may be attached.
    public func attach(to bus: EventBus) {
        state.withLock { s in
            guard !s.closed else { return }
            let subscription = bus.subscribe([.response, .error, .budget]) { [weak self] event in
                self?.record(event)
            }
            s.subscriptions.append((bus, subscription))
        }
    }

    /// How many spans the collector accepted so far (for tests and diagnostics).
    public var exportedSpanCount: Int { state.withLock { $0.exported } }

    /// Sends every span queued so far and returns when that export, and any before it, is done.
    public func flush() async {
        await send()?.value
    }

    /// Ends the run: detaches from the buses, stops the timer, ends the root span and sends
    /// everything left. Later calls only wait for exports still under way.
    public func shutdown() async {
        let (subscriptions, timer, first) = state.withLock { s in
            defer {
                s.closed = true
                s.subscriptions = []
                s.timer = nil
            }
            return (s.subscriptions, s.timer, !s.closed)
        }
        timer?.cancel()
        for entry in subscriptions { entry.bus.unsubscribe(entry.subscription) }
        if first {
            let root = rootSpan(end: Date().timeIntervalSince1970)
            state.withLock { s in
                s.queue.append(root)
                s.pending += 1
            }
        }
        await flush()
    }

    /// `shutdown()` for a command-line tool about to exit from synchronous code: blocks until
    /// the spans are sent or `timeout` seconds pass. Returns false (after a warning) on timeout.
    /// Not for async code: it blocks the calling thread.
    @discardableResult
    public func shutdownBlocking(timeout: Double) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await self.shutdown()
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else {
            warn("gave up waiting for traces to reach \(configuration.endpoint.absoluteString) after \(timeout) s")
            return false
        }
        return true
    }

    // MARK: Queueing

    /// The bus observer: queues the call's span, and starts an export when a batch is full.
    private func record(_ event: CallEvent) {
        guard event.status != .dryRun else { return }
        let span = OTLPSpan(call: event, traceId: traceID, parent: rootSpanID)
        let limit = configuration.maxQueueSize, batch = configuration.maxBatchSize
        let (full, dropped) = state.withLock { s -> (Bool, Bool) in
            guard !s.closed else { return (false, false) }
            s.calls += 1
            if event.kind == .response {
                if let amount = event.cost?.amount { s.cost += amount } else { s.costComplete = false }
            } else {
                s.failedCalls += 1
            }
            guard s.pending < limit else { return (false, true) }
            s.queue.append(span)
            s.pending += 1
            return (s.queue.count >= batch, false)
        }
        if dropped {
            report("queue_full", "more than \(limit) spans are waiting for \(configuration.endpoint.absoluteString); "
                   + "spans of further calls are dropped until it catches up")
        }
        if full { send() }
    }

    /// The run's span, ending now, with totals over its calls.
    private func rootSpan(end: Double) -> OTLPSpan {
        let totals = state.withLock { ($0.calls, $0.failedCalls, $0.cost, $0.costComplete) }
        var a = OTLPAttributes()
        a.add(GenAIAttribute.quillScript, configuration.scriptName)
        a.add(GenAIAttribute.quillCalls, totals.0)
        a.add(GenAIAttribute.quillFailedCalls, totals.1)
        a.add(GenAIAttribute.quillCostUSD, Money.format(totals.2))
        a.add(GenAIAttribute.quillCostComplete, totals.3)
        let name = configuration.scriptName.map { "quill run \($0)" } ?? "quill run"
        // Status left unset: failed calls do not make the run a failure, and the exporter
        // cannot tell whether the script itself succeeded.
        return OTLPSpan(traceId: traceID, spanId: rootSpanID, parentSpanId: nil, name: name, kind: .internal,
                        start: rootStart, end: end, attributes: a.list, status: nil)
    }

    // MARK: Exporting

    /// Starts exporting what is queued, after the export under way; returns the task that
    /// ends when everything queued until now has been sent (nil when nothing ever was).
    @discardableResult
    private func send() -> Task<Void, Never>? {
        state.withLock { s in
            guard !s.queue.isEmpty else { return s.lastSend }
            let spans = s.queue, previous = s.lastSend
            s.queue = []
            let task = Task.detached(priority: .utility) { [self] in
                await previous?.value
                await export(spans)
            }
            s.lastSend = task
            return task
        }
    }

    /// Sends spans in requests of at most `maxBatchSize`, one after the other.
    private func export(_ spans: [OTLPSpan]) async {
        let size = max(1, configuration.maxBatchSize)
        for start in stride(from: 0, to: spans.count, by: size) {
            let chunk = Array(spans[start..<min(start + size, spans.count)])
            let accepted = await post(chunk)
            state.withLock { s in
                s.exported += accepted
                s.pending -= chunk.count
            }
        }
    }

    /// One export request; returns how many of its spans the collector accepted.
    private func post(_ spans: [OTLPSpan]) async -> Int {
        let target = configuration.endpoint.absoluteString
        let body: Data
        do {
            body = try OTLPExportRequest(resource: resource, scope: .init(name: "quill", version: Self.version),
                                         spans: spans).encoded()
        } catch {
            report("encoding", "could not encode spans for \(target) (\(error)); \(spans.count) spans were dropped")
            return 0
        }
        var headers = [(name: "Content-Type", value: "application/json"), (name: "User-Agent", value: "quill/\(Self.version)")]
        headers += configuration.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let t = configuration.timeout
        let request = HTTPRequest(method: "POST", url: configuration.endpoint, headers: headers, body: body,
                                  timeouts: HTTPTimeouts(connect: t, firstByte: t, idle: t))
        do {
            let response = try await transport.send(request)
            // Read the reply whatever the status, so the connection is free for the next export.
            let reply = (try? await response.collect(limit: 1 << 20)) ?? Data()
            let status = response.head.status
            guard (200..<300).contains(status) else {
                let detail = String(decoding: reply.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                report("http_\(status)", "the trace collector at \(target) answered HTTP \(status)"
                       + (detail.isEmpty ? "" : " (\(detail))") + "; \(spans.count) spans were dropped")
                return 0
            }
            let rejected = OTLPExportRequest.rejectedSpans(in: reply)
            guard rejected.count > 0 else { return spans.count }
            report("rejected: \(rejected.message ?? "")", "the trace collector at \(target) rejected \(rejected.count) "
                   + "of \(spans.count) spans" + (rejected.message.map { ": \($0)" } ?? ""))
            return spans.count - min(rejected.count, spans.count)
        } catch {
            report("\(error)", "could not send traces to \(target): \(error); \(spans.count) spans were dropped")
            return 0
        }
    }

    /// Warns about a failure the first time it happens; `key` says which failures are the same.
    private func report(_ key: String, _ message: String) {
        if state.withLock({ $0.reported.insert(key).inserted }) {
            warn(message + " (further failures like this are not reported)")
        }
    }
}
