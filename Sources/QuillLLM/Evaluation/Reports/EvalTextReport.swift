import Foundation

/// Evaluation reports as aligned text for a terminal (`print(report)`, `quill eval`), with
/// colour when asked (a TTY without NO_COLOR): the summary table per metric, the failing rows,
/// and for several reports (a matrix) one comparison table of means.
public enum EvalTextReport {
    public static func render(_ reports: [EvalReport], color: Bool = false, failures shown: Int = 5) -> String {
        var out = reports.map { summary($0, color: color, failures: shown) }.joined(separator: "\n")
        if reports.count > 1 { out += "\n" + comparison(reports, color: color) }
        return out
    }

    /// One report: header, metric table, totals, the first failing rows, PASS/FAIL.
    public static func summary(_ r: EvalReport, color: Bool, failures shown: Int = 5) -> String {
        let paint = Paint(enabled: color)
        var out = paint.bold("Evaluation: \(r.title)") + " — \(r.dataset), \(r.rows.count) rows"
        if r.errors > 0 { out += ", " + paint.red("\(r.errors) error\(r.errors == 1 ? "" : "s")") }
        out += String(format: ", %.1f s\n", r.duration)
        var table: [[String]] = [["metric", "mean", "95% CI", "stdev", "pass rate", "threshold", ""]]
        for s in r.summaries {
            let gate = s.threshold.map { "≥ " + number($0) } ?? ""
            let verdict = s.passed.map { $0 ? "pass" : "FAIL" } ?? ""
            table.append([s.name, number(s.mean), s.count > 1 ? "[\(number(s.low)), \(number(s.high))]" : "",
                          number(s.stdev), s.passRate.map(percent) ?? "", gate, verdict])
        }
        out += align(table, indent: "  ") { row, column, text in
            guard row > 0, column == 6 else { return row == 0 ? paint.dim(text) : text }
            return text == "FAIL" ? paint.red(text) : paint.green(text)
        }
        let passed = r.rows.count - r.failures.count
        out += "  rows passed \(passed)/\(r.rows.count) (\(percent(r.passRate))) · tokens \(r.inputTokens) in / \(r.outputTokens) out"
        out += " · cost \(r.cost.map(Money.display) ?? "unknown")\n"
        let failing = r.failures
        if !failing.isEmpty, shown > 0 {
            out += paint.dim("  failing rows (\(min(shown, failing.count)) of \(failing.count)):") + "\n"
            for row in failing.prefix(shown) {
                var line = "    #\(row.index) "
                if let error = row.error {
                    line += paint.red(clip(error, 90))
                } else {
                    let failed = row.failedMetrics.joined(separator: ", ")
                    line += "output \(quote(clip(row.outputText, 50)))"
                    if let e = row.expected { line += " expected \(quote(clip(e.stringValue ?? e.serialized, 30)))" }
                    line += " — failed " + paint.red(failed)
                }
                out += line + "\n"
            }
        }
        out += (r.passed ? paint.green("PASS") : paint.red("FAIL")) + "\n"
        return out
    }

    /// Several reports side by side: one line per report, one column per metric's mean.
    public static func comparison(_ reports: [EvalReport], color: Bool) -> String {
        let paint = Paint(enabled: color)
        let names = EvalReport.metricNames(reports)
        var table = [["", "rows", "passed"] + names + ["latency p50", "cost"]]
        for r in reports {
            let means = names.map { n in r.summaries.first { $0.name == n }.map { number($0.mean) } ?? "–" }
            let latencies = r.rows.map(\.latency).sorted()
            table.append([r.variant?.label ?? r.name, "\(r.rows.count)", percent(r.passRate)] + means
                         + [String(format: "%.2f s", EvalStatistics.quantile(latencies, 0.5)), r.cost.map(Money.display) ?? "unknown"])
        }
        return paint.bold("Comparison") + "\n" + align(table, indent: "  ") { row, _, text in row == 0 ? paint.dim(text) : text }
    }

    // MARK: Formatting

    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        return abs(x) >= 100 ? String(format: "%.1f", x) : String(format: "%.3f", x)
    }

    static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.0f%%", x * 100) : "–" }

    static func clip(_ s: String, _ n: Int) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…"
    }

    static func quote(_ s: String) -> String { "\"\(s)\"" }

    /// Columns padded to their widest cell (by characters, so UTF-8 text lines up); `style`
    /// colours a cell after padding, so escape codes do not count toward widths.
    static func align(_ rows: [[String]], indent: String, style: (Int, Int, String) -> String) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { r, row in
            let cells = row.enumerated().map { c, text in
                let padded = c == row.count - 1 ? text : text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                return style(r, c, padded)
            }
            return (indent + cells.joined(separator: "  ")).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }

    /// ANSI styles, or none.
    struct Paint {
        let enabled: Bool
        func wrap(_ s: String, _ code: String) -> String { enabled && !s.isEmpty ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        func bold(_ s: String) -> String { wrap(s, "1") }
        func dim(_ s: String) -> String { wrap(s, "2") }
        func red(_ s: String) -> String { wrap(s, "31") }
        func green(_ s: String) -> String { wrap(s, "32") }
    }
}
