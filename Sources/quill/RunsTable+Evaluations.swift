import Foundation
import QuillEngine
import QuillLLM
import QuillRunStore

/// The evaluation side of `quill runs`: a run's evaluations in `quill runs show`, and
/// `quill runs compare` as text or JSON.
extension RunsTable {
    /// How many changed rows of each kind the text lists per evaluation; `--json` lists all.
    static let listedRows = 20

    static func evaluations(_ evaluations: [StoredEvaluation], run: Int64) -> String {
        var rows = [["EVAL", "NAME", "DATASET", "ROWS", "ERRORS", "PASS RATE", "RESULT", "GATES"]]
        for e in evaluations {
            let gates = e.gates.map { g in
                "\(g.metric) \(g.mean.map(score) ?? "n/a") \(g.passed ? "≥" : "<") \(score(g.threshold))"
            }
            rows.append([String(e.id), e.title, e.dataset, String(e.rows), String(e.errors), percent(e.passRate),
                         e.passed ? "passed" : "FAILED", gates.isEmpty ? "-" : gates.joined(separator: ", ")])
        }
        return "  evaluations (compare with earlier runs: quill runs compare \(run)):\n" + indented(table(rows))
    }

    // MARK: quill runs compare

    static func comparison(run: Int64, base: Int64?, entries: [Runs.Compare.Entry], onlyBase: [StoredEvaluation]) -> String {
        var out = base.map { "run \(run) compared with run \($0)\n" }
            ?? "run \(run): each evaluation compared with its previous run of the same script\n"
        var regressed = 0, fixed = 0
        for entry in entries {
            out += "\n"
            guard let c = entry.comparison, let old = entry.base else {
                out += "\(entry.now.title): no earlier evaluation to compare with\n"
                continue
            }
            regressed += c.regressions.count
            fixed += c.fixes.count
            out += "\(c.title): run \(entry.now.runID) vs run \(old.runID)\n"
            out += indented(metricTable(c))
            out += "  \(c.regressions.count) regressed, \(c.fixes.count) fixed, \(c.added.count) added, \(c.removed.count) removed\n"
            out += list("regressed", c.regressions, describe: regression)
            out += list("fixed", c.fixes) { "\($0.key) (row \($0.now.index))" }
            out += list("added", c.added) { "\($0.key) (row \($0.index))\($0.passed ? "" : ", failing")" }
            out += list("removed", c.removed) { "\($0.key) (row \($0.index))" }
        }
        for e in onlyBase { out += "\n\(e.title): only in the base run\n" }
        return out + "\n\(regressed) row\(regressed == 1 ? "" : "s") regressed, \(fixed) fixed\n"
    }

    private static func metricTable(_ c: EvalComparison) -> String {
        var rows = [["METRIC", "BEFORE", "NOW", "DELTA", "GATE"]]
        rows.append(["pass rate", percent(c.passRate.before), percent(c.passRate.now),
                     String(format: "%+.1f pts", (c.passRate.now - c.passRate.before) * 100), ""])
        for m in c.metrics {
            var gate = ""
            if let t = m.threshold {
                func verdict(_ p: Bool?) -> String { p.map { $0 ? "passed" : "FAILED" } ?? "-" }
                gate = "≥ \(score(t)): \(verdict(m.passedBefore)) → \(verdict(m.passedNow))"
            }
            rows.append([m.metric, m.before.map(score) ?? "n/a", m.now.map(score) ?? "n/a", m.delta.map(signed) ?? "", gate])
        }
        return table(rows)
    }

    /// Why a row regressed: the error or the verdicts it newly fails, and the scores that fell.
    private static func regression(_ r: EvalComparison.RowChange) -> String {
        var reasons: [String] = []
        if r.newlyFailing {
            if let e = r.now.error {
                reasons.append("error: \(snippet(e))")
            } else {
                for (m, v) in r.now.verdicts.sorted(by: { $0.key < $1.key }) where !v && r.before.verdicts[m] != false {
                    reasons.append("\(m) \(r.before.scores[m].map(score) ?? "n/a") → \(r.now.scores[m].map(score) ?? "n/a"), fails")
                }
            }
        }
        for d in r.drops where !reasons.contains(where: { $0.hasPrefix(d.metric + " ") }) {
            reasons.append("\(d.metric) \(score(d.before)) → \(score(d.now))")
        }
        let output = r.now.output == nil ? "" : "; output: \"\(snippet(r.now.outputText))\""
        return "\(r.key) (row \(r.now.index))\(r.newlyFailing ? ": passed → fails" : ""): " + reasons.joined(separator: "; ") + output
    }

    private static func list<T>(_ title: String, _ items: [T], describe: (T) -> String) -> String {
        guard !items.isEmpty else { return "" }
        var out = "  \(title):\n"
        for item in items.prefix(listedRows) { out += "    \(describe(item))\n" }
        if items.count > listedRows { out += "    … and \(items.count - listedRows) more (--json lists all)\n" }
        return out
    }

    static func comparisonJSON(run: Int64, base: Int64?, entries: [Runs.Compare.Entry], onlyBase: [StoredEvaluation],
                               minDrop: Double) -> JSONValue {
        let regressed = entries.reduce(0) { $0 + ($1.comparison?.regressions.count ?? 0) }
        let fixed = entries.reduce(0) { $0 + ($1.comparison?.fixes.count ?? 0) }
        return .object([
            ("run", .int(Int(run))), ("base_run", base.map { .int(Int($0)) } ?? .null), ("min_drop", .double(minDrop)),
            ("regressions", .int(regressed)), ("fixes", .int(fixed)),
            ("evaluations", .array(entries.map { e in
                .object([
                    ("title", .string(e.now.title)), ("evaluation", .int(Int(e.now.id))),
                    ("base_evaluation", e.base.map { .int(Int($0.id)) } ?? .null),
                    ("base_run", e.base.map { .int(Int($0.runID)) } ?? .null),
                    ("comparison", e.comparison?.json ?? .null),
                ])
            })),
            ("only_in_base", .array(onlyBase.map { .string($0.title) })),
        ])
    }

    // MARK: Formatting

    static func score(_ x: Double) -> String { String(format: "%.3f", x) }
    static func signed(_ x: Double) -> String { String(format: "%+.3f", x) }
    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }

    /// A table two spaces in, without the padding a blank last column leaves at line ends.
    private static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            var line = "  " + line
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
