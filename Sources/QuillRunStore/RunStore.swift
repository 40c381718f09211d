import Foundation
import GRDB
import QuillEngine
import QuillLLM

/// The run log: every run of a script and every model call it made, in one SQLite file
/// (`$QUILL_HOME/runs.db` by default), the results of checkpointed `batch` items, and the
/// reports of the run's evaluations (`RunStore+Evaluations.swift`).
///
/// Rows are written as things happen — a run when it starts, each call when it ends, in one
/// transaction with the run's running totals — so a crash or `kill -9` loses nothing already
/// finished. The file is in WAL mode, so `quill runs` can read it while a run writes, and
/// several runs may write at once (each waits briefly for the others).
///
/// Money is stored as decimal text and summed as `Decimal`, never as floating point.
public final class RunStore: @unchecked Sendable {
    public let path: String
    let database: DatabaseQueue

    /// `$QUILL_RUNS_DB`, else `$QUILL_HOME/runs.db` (`~/.quill/runs.db`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["QUILL_RUNS_DB"], !path.isEmpty { return path }
        let home = environment["QUILL_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.quill"
        return home + "/runs.db"
    }

    /// Opens (creating if needed, with its folder) the store at `path`.
    public init(path: String = RunStore.defaultPath()) throws {
        self.path = path
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.busyMode = .timeout(10)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw RunStoreError.open(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    script TEXT NOT NULL,
                    args TEXT NOT NULL DEFAULT '[]',
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    status TEXT NOT NULL DEFAULT 'running',
                    pid INTEGER,
                    dry_run INTEGER NOT NULL DEFAULT 0,
                    calls INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0,
                    input_tokens INTEGER NOT NULL DEFAULT 0,
                    output_tokens INTEGER NOT NULL DEFAULT 0,
                    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
                    cost TEXT NOT NULL DEFAULT '0',
                    unpriced_calls INTEGER NOT NULL DEFAULT 0,
                    error TEXT
                );
                CREATE TABLE calls (
                    id TEXT PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    parent_span TEXT,
                    event TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL NOT NULL,
                    model TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    prompt_hash TEXT NOT NULL,
                    template_hash TEXT,
                    parameters TEXT NOT NULL,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    cached_input_tokens INTEGER,
                    cache_write_tokens INTEGER,
                    latency REAL,
                    ttft REAL,
                    tokens_per_second REAL,
                    cost TEXT,
                    finish_reason TEXT,
                    repairs INTEGER NOT NULL DEFAULT 0,
                    retries INTEGER NOT NULL DEFAULT 0,
                    prompt TEXT,
                    output TEXT,
                    schema TEXT,
                    error TEXT,
                    error_type TEXT
                );
                CREATE INDEX calls_by_run ON calls(run_id, ended_at);
                CREATE INDEX calls_by_model ON calls(model);
                CREATE TABLE checkpoints (
                    script TEXT NOT NULL,
                    name TEXT NOT NULL,
                    key TEXT NOT NULL,
                    result TEXT NOT NULL,
                    run_id INTEGER,
                    saved_at REAL NOT NULL,
                    PRIMARY KEY (script, name, key)
                );
                """)
        }
        m.registerMigration("v2") { db in
            // `script` repeats the run's so that "the latest evaluation named X of script S"
            // is one index range, with no join through `runs`; the variant columns are NULL
            // for a plain evaluation (queries compare them with IS, which matches NULL).
            try db.execute(sql: """
                CREATE TABLE evaluations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    script TEXT NOT NULL,
                    name TEXT NOT NULL,
                    dataset TEXT NOT NULL,
                    variant_prompt TEXT,
                    variant_model TEXT,
                    started_at REAL NOT NULL,
                    duration REAL NOT NULL,
                    rows INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    pass_rate REAL NOT NULL,
                    passed INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cost TEXT,
                    summary TEXT NOT NULL,
                    report TEXT NOT NULL
                );
                CREATE INDEX evaluations_by_name ON evaluations(script, name, variant_prompt, variant_model, run_id);
                CREATE INDEX evaluations_by_run ON evaluations(run_id);
                CREATE TABLE evaluation_rows (
                    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
                    row_index INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    passed INTEGER NOT NULL,
                    error TEXT,
                    scores TEXT NOT NULL,
                    output TEXT,
                    latency REAL NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cost TEXT,
                    PRIMARY KEY (evaluation_id, row_index)
                );
                CREATE INDEX evaluation_rows_by_key ON evaluation_rows(key, evaluation_id);
                """)
        }
        return m
    }

    // MARK: Writing

    /// Records the start of a run; returns its id.
    func startRun(script: String, arguments: [String], dryRun: Bool, at time: Double) throws -> Int64 {
        let args = JSONValue.array(arguments.map { .string($0) }).serialized
        return try database.write { db in
            try db.execute(sql: "INSERT INTO runs (script, args, started_at, pid, dry_run) VALUES (?, ?, ?, ?, ?)",
                           arguments: [script, args, time, Int(getpid()), dryRun])
            return db.lastInsertedRowID
        }
    }

    /// Records a finished call and adds it to its run's totals, in one transaction.
    func record(_ call: CallRow, runTotals: CostLedger.Totals) throws {
        try database.write { db in
            try call.insert(db)
            try db.execute(sql: """
                UPDATE runs SET calls = ?, errors = ?, input_tokens = ?, output_tokens = ?, cached_input_tokens = ?,
                    cost = ?, unpriced_calls = ? WHERE id = ?
                """, arguments: [runTotals.calls, runTotals.errors, runTotals.inputTokens, runTotals.outputTokens,
                                 runTotals.cachedInputTokens, Money.format(runTotals.cost), runTotals.unpricedCalls, call.runID])
        }
    }

    /// Records how a run ended.
    func endRun(_ id: Int64, status: String, error: String?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE runs SET ended_at = ?, status = ?, error = ? WHERE id = ?",
                           arguments: [Date().timeIntervalSince1970, status, error, id])
        }
    }

    func checkpointResult(script: String, name: String, key: String) -> String? {
        try? database.read { db in
            try String.fetchOne(db, sql: "SELECT result FROM checkpoints WHERE script = ? AND name = ? AND key = ?",
                                arguments: [script, name, key])
        }
    }

    func saveCheckpoint(script: String, name: String, key: String, result: String, runID: Int64) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (script, name, key, result, run_id, saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [script, name, key, result, runID, Date().timeIntervalSince1970])
        }
    }
}

/// Failures of the run store, naming the file.
public enum RunStoreError: Error, Equatable, CustomStringConvertible {
    case open(path: String, reason: String)
    case noRun(Int64, path: String)
    case noEvaluation(Int64, path: String)
    /// An evaluation whose stored report does not read back (written by a newer Quill, or edited).
    case unreadableReport(Int64, path: String)

    public var description: String {
        switch self {
        case .open(let path, let reason):
            return "cannot open the run store '\(path)': \(reason); set QUILL_RUNS_DB or --run-store to another file, or run with --no-record"
        case .noRun(let id, let path):
            return "no run \(id) in \(path); `quill runs` lists the runs"
        case .noEvaluation(let id, let path):
            return "no evaluation \(id) in \(path); `quill runs show RUN` lists a run's evaluations"
        case .unreadableReport(let id, let path):
            return "the report of evaluation \(id) in \(path) cannot be read back as an evaluation report"
        }
    }
}
