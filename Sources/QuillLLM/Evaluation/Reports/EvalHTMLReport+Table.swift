import Foundation

/// The rows table: every row of every evaluation rendered here as plain HTML, failures marked,
/// so the page reads without JavaScript; the inline script only hides rows that a filter excludes.
extension EvalHTMLReport {
    static func rowsSection(_ reports: [EvalReport]) -> String {
        let names = EvalReport.metricNames(reports)
        let total = reports.reduce(0) { $0 + $1.rows.count }
        let failures = reports.reduce(0) { $0 + $1.failures.count }
        let several = reports.count > 1
        var html = #"<section id="rows"><h2>Rows</h2>"# + "\n"
        html += "<p class=\"note\">\(plural(total, "row")), \(plural(failures, "failure")) (an error, or a score below the metric's pass mark) marked in red.</p>\n"
        html += controls(reports, total: total)
        html += "<div class=\"scroll table-wrap\"><table id=\"rows-table\" class=\"rows\"><thead><tr>"
        if several { html += "<th>Evaluation</th>" }
        html += "<th>#</th><th>Input</th><th>Expected</th><th>Output</th>"
        for name in names { html += "<th class=\"num\">\(escape(name))</th>" }
        html += "<th>Error</th><th class=\"num\">Latency</th><th class=\"num\">Tokens</th><th class=\"num\">Cost</th></tr></thead>\n<tbody>\n"
        for (i, report) in reports.enumerated() {
            for row in report.rows {
                html += tableRow(row, report: i, label: report.variant?.label ?? report.title, several: several, metrics: names)
            }
        }
        if total == 0 {
            let columns = (several ? 1 : 0) + 4 + names.count + 4
            html += "<tr class=\"empty-row\"><td colspan=\"\(columns)\">No rows.</td></tr>\n"
        }
        return html + "</tbody></table></div></section>\n"
    }

    /// The filter box, the failures switch and the evaluation selector, read by `filterScript`.
    private static func controls(_ reports: [EvalReport], total: Int) -> String {
        var html = "<div class=\"controls\">"
        html += "<input type=\"search\" id=\"filter-text\" placeholder=\"Filter rows by any text…\" aria-label=\"Filter rows\">"
        html += "<label class=\"check\"><input type=\"checkbox\" id=\"filter-failures\"> Failures only</label>"
        html += "<select id=\"filter-report\" aria-label=\"Evaluation\"><option value=\"\">All evaluations</option>"
        for (i, report) in reports.enumerated() {
            html += "<option value=\"\(i)\">\(escape(report.title))</option>"
        }
        html += "</select><span id=\"filter-count\" class=\"muted\">\(plural(total, "row"))</span></div>\n"
        return html
    }

    private static func tableRow(_ row: EvalRow, report: Int, label: String, several: Bool, metrics: [String]) -> String {
        var html = row.passed ? "<tr class=\"row\" data-report=\"\(report)\">" : "<tr class=\"row failed\" data-report=\"\(report)\" data-failed=\"1\">"
        if several { html += "<td class=\"variant\">\(swatch(report))\(escape(truncated(label, 28)))</td>" }
        html += "<td class=\"key\">\(row.index)"
        // A key that is just the row's input hash says nothing to a reader; show ids only.
        if row.key != String(row.index), row.key.count <= 40 { html += "<div class=\"sub mono\">\(escape(row.key))</div>" }
        html += "</td>"
        html += cell(text(row.input), kind: "input")
        html += cell(text(row.expected), kind: "expected")
        html += cell(row.outputText, kind: "output")
        for name in metrics { html += scoreCell(row, metric: name) }
        html += row.error.map { "<td class=\"error\">\(clip($0))</td>" } ?? "<td></td>"
        html += "<td class=\"num\">\(row.calls == 0 && row.latency == 0 ? "—" : duration(row.latency))</td>"
        let tokens = row.inputTokens + row.outputTokens
        html += "<td class=\"num\" title=\"\(grouped(row.inputTokens)) in, \(grouped(row.outputTokens)) out\">\(grouped(tokens))</td>"
        html += row.costKnown ? "<td class=\"num\">\(escape(Money.display(row.cost)))</td>" : "<td class=\"num muted\">unknown</td>"
        return html + "</tr>\n"
    }

    private static func cell(_ text: String, kind: String) -> String {
        text.isEmpty ? "<td class=\"\(kind)\"></td>" : "<td class=\"\(kind)\">\(clip(text))</td>"
    }

    /// Long text scrolls inside a box of a few lines instead of stretching the table.
    private static func clip(_ text: String) -> String {
        "<div class=\"clip\">\(escape(text))</div>"
    }

    /// A score, red when the row failed this metric, with the judge's reason (or why it could
    /// not be scored) as its tooltip.
    private static func scoreCell(_ row: EvalRow, metric: String) -> String {
        let note = row.notes[metric].map { " title=\"\(escape($0))\"" } ?? ""
        guard let score = row.scores[metric] else { return "<td class=\"num score muted\"\(note)>—</td>" }
        let state = row.verdicts[metric].map { $0 ? " ok" : " bad" } ?? ""
        return "<td class=\"num score\(state)\"\(note)>\(number(score))</td>"
    }
}
