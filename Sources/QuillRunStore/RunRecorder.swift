import Foundation
import QuillLanguage
import QuillLLM

/// Writes one run into the run store: the run's row when it starts, a row per call as each
/// ends (with the run's totals, in the same transaction), each finished evaluation's report,
/// the ending; and keeps the run's `batch` checkpoints, keyed by the script so that a rerun of
/// the same file finds them.
///
/// It observes a `CallMonitor`'s bus. The store is opened, and the run's row written, at the
/// first call, checkpoint or evaluation: a script that does none of these costs no database
/// work and leaves no empty run behind. A write that fails (a full disk) is reported once and
/// the run goes on: losing the log must not lose the work.
public final class RunRecorder: CheckpointStore, EvaluationRecorder, @unchecked Sendable {
    public let storePath: String
    /// The script as checkpoints are keyed: its absolute path (or the name it was run under).
    public let script: String
    private let arguments: [String]
    private let dryRun: Bool
    /// `--redact`: evaluations are stored without rows' inputs, outputs and notes. (Calls
    /// arrive already redacted: the monitor leaves their content out of the events.)
    private let redactContent: Bool
    private let startedAt = Date().timeIntervalSince1970
    private let state = Locked((opened: (store: RunStore, runID: Int64)?.none, totals: CostLedger.Totals(), retries: [String: Int]()))
    private let warn: @Sendable (String) -> Void
    private let failed = Locked(false)
    private var subscription: EventBus.Subscription?
    private weak var bus: EventBus?

    public init(storePath: String, script: String, arguments: [String], dryRun: Bool = false,
                redactContent: Bool = false, warn: @escaping @Sendable (String) -> Void) {
        self.storePath = storePath
        self.script = Self.identity(of: script)
        self.arguments = arguments
        self.dryRun = dryRun
        self.redactContent = redactContent
        self.warn = warn
    }

    /// The run's id in the store, once something was recorded.
    public var runID: Int64? { state.withLock { $0.opened?.runID } }

    /// The store and the run's id, opening the one and starting the other on first use.
    private func opened() throws -> (store: RunStore, runID: Int64) {
        try state.withLock { s in
            if let o = s.opened { return o }
            let store = try RunStore(path: storePath)
            let id = try store.startRun(script: script, arguments: arguments, dryRun: dryRun, at: startedAt)
            s.opened = (store, id)
            return (store, id)
        }
    }

    /// A file's absolute path, so the same script run from another folder finds its checkpoints.
    static func identity(of script: String) -> String {
        guard FileManager.default.fileExists(atPath: script) else { return script }
        return URL(fileURLWithPath: script).standardizedFileURL.path
    }

    /// Starts recording the calls published on `bus`.
    public func attach(to bus: EventBus) {
        self.bus = bus
        subscription = bus.subscribe([.response, .error, .budget, .cacheHit, .retry]) { [weak self] in self?.record($0) }
    }

    func record(_ event: CallEvent) {
        let run: (store: RunStore, runID: Int64)
        do { run = try opened() } catch { return report(error) }
        state.withLock { s in
            if event.kind == .retry {
                s.retries[event.id, default: 0] += 1
                return
            }
            if event.status != .dryRun { s.totals.add(event) }
            let row = CallRow(event, runID: run.runID, retries: s.retries.removeValue(forKey: event.id) ?? 0)
            do {
                try run.store.record(row, runTotals: s.totals)
            } catch {
                report(error)
            }
        }
    }

    private func report(_ error: Error) {
        if !failed.withLock({ f in defer { f = true }; return f }) {
            warn("could not write to the run store \(storePath): \(error); this run's calls and evaluations are not being recorded")
        }
    }

    // MARK: EvaluationRecorder

    /// Stores a finished evaluation with its rows; a failure is reported (once) and swallowed,
    /// since the script has its report either way.
    public func record(_ report: EvalReport) {
        do {
            let run = try opened()
            _ = try run.store.record(report, runID: run.runID, script: script, redact: redactContent)
        } catch {
            self.report(error)
        }
    }

    /// Records how the run ended (`ok`, `error`, `interrupted`) and stops recording.
    public func finish(status: String, error: String? = nil) {
        if let subscription { bus?.unsubscribe(subscription) }
        subscription = nil
        guard let run = state.withLock({ $0.opened }) else { return }
        do { try run.store.endRun(run.runID, status: status, error: error) } catch { report(error) }
    }

    // MARK: CheckpointStore

    public func result(checkpoint: String, key: String) -> String? {
        guard let run = try? opened() else { return nil }
        return run.store.checkpointResult(script: script, name: checkpoint, key: key)
    }

    public func save(checkpoint: String, key: String, result: String) throws {
        let run = try opened()
        try run.store.saveCheckpoint(script: script, name: checkpoint, key: key, result: result, runID: run.runID)
    }
}
