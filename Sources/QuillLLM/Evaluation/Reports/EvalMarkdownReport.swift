import Foundation

/// Evaluation reports as GitHub-flavoured Markdown, for pull-request comments and CI summaries:
/// a summary table per report, its failing rows, and a comparison table for several.
public enum EvalMarkdownReport {
    public static func render(_ reports: [EvalReport], failures shown: Int = 10) -> String {
        var out = ""
        for r in reports {
            out += "## \(r.passed ? "✅" : "❌") \(cell(r.title))\n\n"
            out += "\(r.rows.count) rows of `\(cell(r.dataset))`, \(r.errors) errors, "
            out += "\(EvalTextReport.percent(r.passRate)) of rows passed, "
            out += "\(r.inputTokens) input / \(r.outputTokens) output tokens, cost \(r.cost.map(Money.display) ?? "unknown"), "
            out += String(format: "%.1f s.\n\n", r.duration)
            out += "| metric | mean | 95% CI | stdev | pass rate | threshold | |\n|---|---:|---:|---:|---:|---:|---|\n"
            for s in r.summaries {
                let ci = s.count > 1 ? "\(EvalTextReport.number(s.low)) – \(EvalTextReport.number(s.high))" : ""
                out += "| \(cell(s.name)) | \(EvalTextReport.number(s.mean)) | \(ci) | \(EvalTextReport.number(s.stdev)) | "
                out += "\(s.passRate.map(EvalTextReport.percent) ?? "") | \(s.threshold.map { "≥ " + EvalTextReport.number($0) } ?? "") | "
                out += "\(s.passed.map { $0 ? "pass" : "**FAIL**" } ?? "") |\n"
            }
            let failing = r.failures
            if !failing.isEmpty, shown > 0 {
                out += "\n<details><summary>\(failing.count) failing rows</summary>\n\n| # | output | expected | failed |\n|---:|---|---|---|\n"
                for row in failing.prefix(shown) {
                    let failed = row.error ?? row.failedMetrics.joined(separator: ", ")
                    out += "| \(row.index) | \(cell(EvalTextReport.clip(row.outputText, 80))) | "
                    out += "\(cell(EvalTextReport.clip(row.expected.map { $0.stringValue ?? $0.serialized } ?? "", 60))) | \(cell(failed)) |\n"
                }
                if failing.count > shown { out += "\n…and \(failing.count - shown) more.\n" }
                out += "\n</details>\n"
            }
            out += "\n"
        }
        if reports.count > 1 {
            let names = EvalReport.metricNames(reports)
            out += "## Comparison\n\n| | rows passed | " + names.map(cell).joined(separator: " | ") + " | cost |\n"
            out += "|---|---:|" + names.map { _ in "---:|" }.joined() + "---:|\n"
            for r in reports {
                let means = names.map { n in r.summaries.first { $0.name == n }.map { EvalTextReport.number($0.mean) } ?? "–" }
                out += "| \(cell(r.variant?.label ?? r.name)) | \(EvalTextReport.percent(r.passRate)) | "
                out += means.joined(separator: " | ") + " | \(r.cost.map(Money.display) ?? "unknown") |\n"
            }
        }
        return out
    }

    /// Text safe inside a table cell: pipes escaped, newlines as spaces, HTML-ish brackets
    /// escaped (model output must not become markup in a rendered comment).
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
