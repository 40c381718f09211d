import ArgumentParser
import Quill

/// The options of a recorded, monitored run, shared by `quill run` and `quill eval`.
struct RunOptions: ParsableArguments {
    @Flag(name: .customLong("dry-run"), help: "Price the script's model calls without sending them (they get stub answers); print the estimate.")
    var dryRun = false

    @Option(name: .customLong("budget"), help: "Refuse any model call that could take the run's spending over this many dollars.")
    var budget: Double?

    @Option(name: .customLong("metrics-port"), help: "Serve Prometheus metrics of the run's calls at http://127.0.0.1:PORT/metrics while it runs (0: any free port).")
    var metricsPort: Int?

    @Option(name: .customLong("log-events"), help: "Append every call event to this file as JSON Lines.")
    var logEvents: String?

    @Option(name: .customLong("run-store"), help: "Record the run in this SQLite file (default: $QUILL_RUNS_DB or $QUILL_HOME/runs.db).")
    var runStore: String?

    @Flag(name: .customLong("no-record"), help: "Do not record the run in the run store (checkpoints then cannot be used).")
    var noRecord = false

    @Flag(name: .customLong("redact"), help: "Keep prompts and outputs out of the run store and the event log (also: QUILL_REDACT=1).")
    var redact = false

    @Option(name: .customLong("pricing"), help: "Use this price file (the format of stdlib/pricing.json) instead of the built-in table.")
    var pricing: String?

    /// Opens the run's session (monitor, run store, exports); a bad option is a usage error.
    func start(script: String, arguments: [String]) throws -> RunSession {
        let options = RunSession.Options(dryRun: dryRun, record: !noRecord, runStore: runStore, redact: redact,
                                         logEvents: logEvents, metricsPort: metricsPort, pricing: pricing, budget: budget)
        do {
            return try RunSession(options, script: script, arguments: arguments)
        } catch {
            printError("quill: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
