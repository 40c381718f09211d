import Foundation
import QuillEngine

/// One evaluation report as a single self-contained HTML page: `--report out.html` and
/// `report.html()` in scripts. Everything the page needs is inline (CSS, SVG charts drawn here,
/// a small script that only filters the rows table), so the file can be attached to a CI run,
/// mailed or opened offline and looks the same years later.
///
/// The page has four parts: a summary table with each evaluation's gates and an overall
/// verdict; one bar chart per metric comparing the evaluations (mean, 95% bootstrap interval,
/// threshold); latency and cost histograms per evaluation; and every row, failures marked.
/// Every piece of text from a dataset, a model or a user goes through `escape`, so an output
/// holding `<script>` shows as text. The output depends only on the reports and `generatedAt`.
public enum EvalHTMLReport {
    /// One self-contained page for one or more reports (several = an evaluate_matrix, or several evaluations in one script).
    public static func render(_ reports: [EvalReport], title: String, generatedAt: Date = Date()) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="Quill">
        <title>\(escape(title))</title>
        <style>\(stylesheet)</style>
        </head>
        <body>

        """
        html += header(reports, title: title, generatedAt: generatedAt)
        html += "<main>\n"
        html += summarySection(reports)
        html += metricsSection(reports)
        html += distributionSection(reports)
        html += rowsSection(reports)
        html += "</main>\n"
        html += "<footer>Quill evaluation report · self-contained: no network access needed.</footer>\n"
        html += "<script>\(filterScript)</script>\n</body>\n</html>\n"
        return html
    }

    // MARK: Header and summary

    private static func header(_ reports: [EvalReport], title: String, generatedAt: Date) -> String {
        let rows = reports.reduce(0) { $0 + $1.rows.count }
        let meta = [plural(reports.count, "evaluation"), plural(rows, "row"), "generated \(timestamp(generatedAt))"]
        return """
        <header class="page-head">
        <div><h1>\(escape(title))</h1><p class="meta">\(meta.map(escape).joined(separator: " · "))</p></div>
        \(verdictBadge(reports))
        </header>

        """
    }

    /// PASS when every evaluation met its gates; an empty page has nothing to pass.
    private static func verdictBadge(_ reports: [EvalReport]) -> String {
        if reports.isEmpty { return #"<span class="verdict none" id="overall">NO DATA</span>"# }
        let passed = reports.allSatisfy(\.passed)
        return #"<span class="verdict \#(passed ? "pass" : "fail")" id="overall">\#(passed ? "PASS" : "FAIL")</span>"#
    }

    private static func summarySection(_ reports: [EvalReport]) -> String {
        var html = #"<section id="summary"><h2>Summary</h2>"# + "\n"
        guard !reports.isEmpty else { return html + #"<p class="empty">No evaluations were run.</p></section>"# + "\n" }
        html += #"<div class="scroll"><table class="summary"><thead><tr><th>Evaluation</th><th class="num">Rows</th>"#
        html += #"<th class="num">Pass rate</th><th class="num">Errors</th><th class="num">Tokens in / out</th>"#
        html += #"<th class="num">Cost</th><th class="num">Duration</th><th>Gates</th><th>Result</th></tr></thead><tbody>"# + "\n"
        for (i, report) in reports.enumerated() {
            let cost = report.cost.map(Money.display) ?? "unknown"
            html += "<tr data-report=\"\(i)\"><td>\(swatch(i))<strong>\(escape(report.title))</strong>"
            html += "<div class=\"sub\">\(escape(report.dataset))</div></td>"
            html += "<td class=\"num\">\(grouped(report.rows.count))</td>"
            html += "<td class=\"num\">\(report.rows.isEmpty ? "—" : percent(report.passRate))</td>"
            html += "<td class=\"num\(report.errors > 0 ? " bad" : "")\">\(grouped(report.errors))</td>"
            html += "<td class=\"num\">\(grouped(report.inputTokens)) / \(grouped(report.outputTokens))</td>"
            html += "<td class=\"num\(report.cost == nil ? " muted" : "")\">\(escape(cost))</td>"
            html += "<td class=\"num\">\(duration(report.duration))</td>"
            html += "<td>\(gates(report))</td>"
            html += "<td>\(badge(report.passed))</td></tr>\n"
        }
        return html + "</tbody></table></div></section>\n"
    }

    /// Each gated metric's mean against its threshold, as a badge.
    private static func gates(_ report: EvalReport) -> String {
        let gated = report.summaries.filter { $0.threshold != nil }
        guard !gated.isEmpty else { return #"<span class="muted">no gates</span>"# }
        return gated.map { s in
            let threshold = s.threshold ?? 0
            let passed = s.passed ?? false
            let comparison = s.count == 0 ? "no rows scored" : "\(number(s.mean)) \(passed ? "≥" : "<") \(number(threshold))"
            return "<span class=\"gate \(passed ? "pass" : "fail")\" title=\"\(escape("threshold \(number(threshold)) on the mean of \(s.count) rows"))\">"
                + "\(escape(s.name)) <b>\(escape(comparison))</b></span>"
        }.joined(separator: " ")
    }

    static func badge(_ passed: Bool) -> String {
        passed ? #"<span class="badge pass">PASS</span>"# : #"<span class="badge fail">FAIL</span>"#
    }

    /// A small square in the evaluation's colour, matching its bars and rows.
    static func swatch(_ index: Int) -> String {
        "<span class=\"swatch c\(index % paletteSize)\"></span>"
    }

    // MARK: Text

    /// Text safe in element content and in double- or single-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // A NUL or other C0 control (bar tab and newlines) is not allowed in HTML text;
            // model output can hold them, so they become U+FFFD rather than break parsing.
            case "\t", "\n", "\r": out.unicodeScalars.append(c)
            case _ where c.value < 0x20 || c.value == 0x7F: out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A JSON value as a reader wants it in a cell: strings raw, anything else compact JSON.
    static func text(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if case .string(let s) = value { return s }
        return value.serialized
    }

    /// A score or mean to two decimals; a dash for NaN (nothing scored).
    static func number(_ value: Double, digits: Int = 2) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "—"
    }

    static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f%%", value * 100) : "—"
    }

    /// An integer with thousands separators, written here so the page does not depend on the locale.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// Seconds of wall-clock time: "420 ms", "3.25 s", "2 min 05 s".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "—" }
        // Below 999.5 ms, so that 0.9996 s reads "1.00 s", not "1000 ms".
        if seconds < 0.9995 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(grouped(count)) \(noun)\(count == 1 ? "" : "s")"
    }

    /// UTC, to the second, the same on every machine.
    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date) + " UTC"
    }
}
