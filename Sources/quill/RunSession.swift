import Foundation
import Quill
import QuillOTel
import QuillRunStore
import QuillServer

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// What `quill run` sets up around a script's model calls, from its flags and the
/// environment: the run store, the JSONL event log, Prometheus metrics on a port,
/// OpenTelemetry traces, prices, a run budget and dry-run mode — and what it reports at the end.
final class RunSession {
    struct Options {
        var dryRun = false
        var record = true
        var runStore: String?
        var redact = false
        var logEvents: String?
        var metricsPort: Int?
        var pricing: String?
        var budget: Double?
    }

    let monitor: CallMonitor
    private(set) var recorder: RunRecorder?
    private var log: EventLog?
    private var tracer: OTLPTraceExporter?
    private var estimate: CostEstimate?
    private var metricsTask: Task<Void, Never>?

    /// Sets everything up; a flag that cannot be honoured (an unreadable price file, a log
    /// that cannot be created) is an error before the script starts.
    init(_ options: Options, script: String, arguments: [String]) throws {
        let warn: @Sendable (String) -> Void = { printError("quill: warning: \($0)\n") }
        monitor = CallMonitor(prices: try options.pricing.map { try PriceBook(file: $0) } ?? .builtIn(), warn: warn)
        monitor.dryRun = options.dryRun
        monitor.redactContent = options.redact || ProcessInfo.processInfo.environment["QUILL_REDACT"] == "1"
        if let budget = options.budget {
            guard budget >= 0 else { throw SessionError("--budget must not be negative, got \(budget)") }
            monitor.setLimit(Money.decimal(budget))
        }
        if options.record, ProcessInfo.processInfo.environment["QUILL_NO_RECORD"] != "1" {
            let recorder = RunRecorder(storePath: options.runStore ?? RunStore.defaultPath(), script: script,
                                       arguments: arguments, dryRun: options.dryRun, redactContent: monitor.redactContent, warn: warn)
            recorder.attach(to: monitor.bus)
            self.recorder = recorder
        }
        if let path = options.logEvents {
            let log = try EventLog(path: path)
            log.attach(to: monitor.bus)
            self.log = log
        }
        if var configuration = try OTLPTraceExporter.Configuration.fromEnvironment() {
            configuration.scriptName = (script as NSString).lastPathComponent
            let tracer = OTLPTraceExporter(configuration: configuration, warn: warn)
            tracer.attach(to: monitor.bus)
            self.tracer = tracer
        }
        if options.dryRun { estimate = CostEstimate(collectingFrom: monitor.bus) }
        if let port = options.metricsPort { startMetrics(port: port) }
    }

    private func startMetrics(port: Int) {
        let metrics = CallMetrics()
        metrics.attach(to: monitor.bus)
        let listening = DispatchSemaphore(value: 0)
        metricsTask = Task.detached {
            do {
                try await MetricsEndpoint.serve(port: port, render: { metrics.render() }) { bound in
                    printError("quill: metrics at http://127.0.0.1:\(bound)/metrics\n")
                    listening.signal()
                }
            } catch {
                printError("quill: warning: --metrics-port \(port): \(error)\n")
                listening.signal()
            }
        }
        // The script starts once the endpoint listens (or failed), so no call is unobservable.
        _ = listening.wait(timeout: .now() + 10)
    }

    /// Records the outcome and flushes what needs flushing; prints the dry-run estimate, and
    /// on a terminal a line with the run's calls and cost.
    func finish(status: Int32, error: String?) {
        recorder?.finish(status: status == 0 ? "ok" : "error", error: error)
        log?.close()
        _ = tracer?.shutdownBlocking(timeout: 5)
        if let estimate {
            printError(estimate.report())
            estimate.stop()
        } else if isatty(2) != 0 {
            let t = monitor.ledger.total
            if t.calls > 0 {
                let cost = t.unpricedCalls > 0 ? "\(Money.display(t.cost)) + \(t.unpricedCalls) calls of unknown price" : Money.display(t.cost)
                let run = recorder?.runID.map { " (quill runs show \($0))" } ?? ""
                printError("quill: \(t.calls) model call\(t.calls == 1 ? "" : "s"), \(t.inputTokens) input / \(t.outputTokens) output tokens, \(cost)\(run)\n")
            }
        }
        metricsTask?.cancel()
    }
}

struct SessionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
