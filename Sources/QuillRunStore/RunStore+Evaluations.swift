import Foundation
import GRDB
import QuillEngine
import QuillLLM

/// Evaluations in the run store: each finished `evaluate` (or matrix cell) as a row of
/// `evaluations` — its figures, its metric summaries and its whole report as JSON — and a row
/// of `evaluation_rows` per dataset row, so that SQL can follow one row across runs without
/// parsing reports. Comparisons read the report back (`EvalReport(json:)`).
extension RunStore {
    /// Records a finished evaluation of run `runID`, its rows with it, in one transaction;
    /// returns its id. `redact` keeps inputs, outputs and notes out (`EvalReport.redacted`).
    func record(_ report: EvalReport, runID: Int64, script: String, redact: Bool) throws -> Int64 {
        let report = redact ? report.redacted() : report
        let summary = JSONValue.array(report.summaries.map(\.json)).serialized
        let cost = report.cost.map(Money.format)
        return try database.write { db in
            try db.execute(sql: """
                INSERT INTO evaluations (run_id, script, name, dataset, variant_prompt, variant_model, started_at, duration,
                    rows, errors, pass_rate, passed, input_tokens, output_tokens, cost, summary, report)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, script, report.name, report.dataset, report.variant?.prompt, report.variant?.model,
                                 report.startedAt, report.duration, report.rows.count, report.errors,
                                 report.passRate, report.passed, report.inputTokens, report.outputTokens, cost,
                                 summary, report.json.serialized])
            let id = db.lastInsertedRowID
            let insert = try db.makeStatement(sql: """
                INSERT INTO evaluation_rows (evaluation_id, row_index, key, passed, error, scores, output, latency,
                    input_tokens, output_tokens, cost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in report.rows {
                // Scores as a JSON object, keys sorted, as `EvalRow.json` writes them.
                let scores = row.json["scores"]?.serialized ?? "{}"
                try insert.execute(arguments: [id, row.index, row.key, row.passed, row.error, scores,
                                               row.output == nil ? nil : row.outputText, row.latency,
                                               row.inputTokens, row.outputTokens,
                                               row.costKnown ? Money.format(row.cost) : nil])
            }
            return id
        }
    }

    /// The evaluations a run recorded, in the order they finished.
    public func evaluations(run id: Int64) throws -> [StoredEvaluation] {
        try database.read { db in
            try StoredEvaluation.fetchAll(db, sql: "SELECT \(StoredEvaluation.columns) FROM evaluations WHERE run_id = ? ORDER BY id",
                                          arguments: [id])
        }
    }

    /// The latest evaluation with this name and variant that an earlier run of the same
    /// script recorded: what `quill runs compare` compares an evaluation with by default.
    public func previousEvaluation(name: String, variant: EvalReport.Variant?, script: String,
                                   before run: Int64) throws -> StoredEvaluation? {
        try database.read { db in
            try StoredEvaluation.fetchOne(db, sql: """
                SELECT \(StoredEvaluation.columns) FROM evaluations
                WHERE script = ? AND name = ? AND variant_prompt IS ? AND variant_model IS ? AND run_id < ?
                ORDER BY run_id DESC, id DESC LIMIT 1
                """, arguments: [RunRecorder.identity(of: script), name, variant?.prompt, variant?.model, run])
        }
    }

    /// The newest run that recorded an evaluation, if any did.
    public func latestRunWithEvaluations() throws -> Int64? {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(run_id) FROM evaluations") }
    }

    /// An evaluation's whole report, read back from its JSON.
    public func report(evaluation id: Int64) throws -> EvalReport {
        let text = try database.read { db in
            try String.fetchOne(db, sql: "SELECT report FROM evaluations WHERE id = ?", arguments: [id])
        }
        guard let text else { throw RunStoreError.noEvaluation(id, path: path) }
        guard let json = try? JSONValue.parse(text), let report = EvalReport(json: json) else {
            throw RunStoreError.unreadableReport(id, path: path)
        }
        return report
    }
}

extension EvalReport {
    /// The report with what `--redact` keeps out of the store removed: each row's input (what
    /// the prompts were made of), output, and notes (a judge's reason quotes the output).
    /// Keys, scores, verdicts, errors, expected answers and usage stay, so that runs can still
    /// be compared row by row.
    func redacted() -> EvalReport {
        var copy = self
        copy.rows = rows.map { row in
            var r = row
            r.input = .null
            r.output = nil
            r.notes = [:]
            return r
        }
        return copy
    }
}
