import Foundation
import GRDB
import QuillLLM

extension RunStore {
    /// The latest runs, newest first. A run still marked `running` whose process has gone (a
    /// crash, `kill -9`) is shown as `interrupted`.
    public func runs(limit: Int = 20) throws -> [RunRow] {
        try database.read { db in
            try RunRow.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id DESC LIMIT ?", arguments: [limit])
        }.map(Self.settled)
    }

    /// One run, or `RunStoreError.noRun`.
    public func run(_ id: Int64) throws -> RunRow {
        let row = try database.read { db in try RunRow.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) }
        guard let row else { throw RunStoreError.noRun(id, path: path) }
        return Self.settled(row)
    }

    /// The calls of a run, in the order they ended.
    public func calls(run id: Int64) throws -> [CallRow] {
        try database.read { db in
            try CallRow.fetchAll(db, sql: "SELECT * FROM calls WHERE run_id = ? ORDER BY ended_at, rowid", arguments: [id])
        }
    }

    /// The calls of one run, or of every run (nil), or of runs started since a time; dry-run
    /// calls (priced, never sent) are left out.
    public func callsForStats(run id: Int64?, since: Double?) throws -> [CallRow] {
        try database.read { db in
            var sql = "SELECT calls.* FROM calls JOIN runs ON runs.id = calls.run_id WHERE calls.status != 'dry_run'"
            var arguments: [any DatabaseValueConvertible] = []
            if let id { sql += " AND calls.run_id = ?"; arguments.append(id) }
            if let since { sql += " AND runs.started_at >= ?"; arguments.append(since) }
            return try CallRow.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        }
    }

    /// How many results a checkpoint holds for a script (for tests and `quill runs`).
    public func checkpointCount(script: String, name: String) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoints WHERE script = ? AND name = ?",
                             arguments: [RunRecorder.identity(of: script), name]) ?? 0
        }
    }

    private static func settled(_ row: RunRow) -> RunRow {
        var row = row
        if row.status == "running", let pid = row.pid, !processExists(pid) { row.status = "interrupted" }
        return row
    }

    private static func processExists(_ pid: Int) -> Bool {
        kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
