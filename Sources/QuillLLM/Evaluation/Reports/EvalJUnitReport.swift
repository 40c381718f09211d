import Foundation

/// Evaluations as JUnit XML, the test-report format CI systems (GitHub Actions reporters,
/// GitLab, Jenkins, Buildkite) read and display.
///
/// The mapping follows `quill eval`'s verdict, so the CI page and the exit status never
/// disagree: a report is a `<testsuite>`, and each of its gates (a metric with a threshold)
/// is a `<testcase>` that fails when the metric's mean is below the threshold. A report
/// passes exactly when all its testcases pass, which is `EvalReport.passed`. A report with no
/// gate cannot fail, and is one passing testcase, `evaluation`, so it still shows in the CI's
/// list. Row errors are not test errors of their own: an errored row is unscored, which pulls
/// a gate down, and it is listed under the gate's failure; every suite's `<system-out>` has the
/// summary with the error count.
///
/// The text is XML 1.0 in UTF-8. Model outputs can hold characters XML 1.0 cannot (escape
/// codes, NUL); those become U+FFFD, since one such byte would make a CI tool reject the file.
public enum EvalJUnitReport {
    /// How many failing rows a gate's failure lists, with their outputs.
    public static let listedRows = 20

    public static func render(_ reports: [EvalReport], suiteName: String) -> String {
        let failures = reports.reduce(0) { $0 + failedGates($1).count }
        let tests = reports.reduce(0) { $0 + testcaseCount($1) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(attribute(suiteName))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\""
        xml += " time=\"\(seconds(reports.reduce(0) { $0 + $1.duration }))\">\n"
        for report in reports { xml += suite(report) }
        return xml + "</testsuites>\n"
    }

    // MARK: Suites and cases

    private static func gates(_ report: EvalReport) -> [MetricSummary] { report.summaries.filter { $0.threshold != nil } }
    private static func failedGates(_ report: EvalReport) -> [MetricSummary] { gates(report).filter { $0.passed == false } }
    private static func testcaseCount(_ report: EvalReport) -> Int { max(gates(report).count, 1) }

    private static func suite(_ report: EvalReport) -> String {
        let title = attribute(report.title)
        var xml = "  <testsuite name=\"\(title)\" tests=\"\(testcaseCount(report))\" failures=\"\(failedGates(report).count)\""
        xml += " errors=\"0\" skipped=\"0\" time=\"\(seconds(report.duration))\" timestamp=\"\(timestamp(report.startedAt))\">\n"
        xml += "    <properties>\n"
        for (name, value) in properties(report) {
            xml += "      <property name=\"\(attribute(name))\" value=\"\(attribute(value))\"/>\n"
        }
        xml += "    </properties>\n"
        let gated = gates(report)
        if gated.isEmpty {
            xml += "    <testcase name=\"evaluation\" classname=\"\(title)\" time=\"\(seconds(report.duration))\"/>\n"
        }
        for gate in gated {
            // The time is the suite's: the gates are checks on one evaluation, not separate work.
            xml += "    <testcase name=\"\(attribute(gate.name))\" classname=\"\(title)\" time=\"0\""
            if gate.passed == false {
                xml += ">\n      <failure message=\"\(attribute(message(gate, report)))\" type=\"threshold\">"
                xml += text(failingRows(gate, report)) + "</failure>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "    <system-out>" + text(summary(report)) + "</system-out>\n"
        return xml + "  </testsuite>\n"
    }

    private static func properties(_ report: EvalReport) -> [(String, String)] {
        var list = [("dataset", report.dataset)]
        if let v = report.variant { list += [("prompt", v.prompt), ("model", v.model)] }
        list += [("rows", String(report.rows.count)), ("row_errors", String(report.errors)),
                 ("pass_rate", number(report.passRate)), ("input_tokens", String(report.inputTokens)),
                 ("output_tokens", String(report.outputTokens)), ("cost_usd", report.cost.map(Money.format) ?? "unknown")]
        return list
    }

    /// "exact_match mean 0.62 < threshold 0.80", or why there is no mean.
    static func message(_ gate: MetricSummary, _ report: EvalReport) -> String {
        guard let threshold = gate.threshold else { return gate.name }
        guard gate.count > 0 else {
            return "\(gate.name): no row was scored (\(report.errors) of \(report.rows.count) rows errored); threshold \(number(threshold))"
        }
        let (mean, bar) = distinct(gate.mean, threshold)
        return "\(gate.name) mean \(mean) \(gate.passed == false ? "<" : "≥") threshold \(bar)"
    }

    /// The rows that pulled a gate down, worst first: errored rows, rows failing the metric's
    /// verdict, and for a metric without verdicts rows scoring below the threshold.
    private static func failingRows(_ gate: MetricSummary, _ report: EvalReport) -> String {
        let threshold = gate.threshold ?? 0
        let rows = report.rows.filter { row in
            if row.error != nil { return true }
            if let verdict = row.verdicts[gate.name] { return !verdict }
            return row.scores[gate.name].map { $0 < threshold } ?? false
        }.sorted { ($0.scores[gate.name] ?? -.infinity) < ($1.scores[gate.name] ?? -.infinity) }
        var out = "\(count(rows.count, "failing row"))\(rows.count > listedRows ? ", the first \(listedRows)" : ""):\n"
        for row in rows.prefix(listedRows) {
            let score = row.scores[gate.name].map { "\(gate.name) \(number($0))" } ?? "not scored"
            if let error = row.error {
                out += "- \(row.key) (row \(row.index)): error: \(error)\n"
            } else {
                out += "- \(row.key) (row \(row.index)): \(score); output: \(clip(row.outputText))\n"
            }
        }
        return out
    }

    private static func summary(_ report: EvalReport) -> String {
        var out = "\(report.title): \(count(report.rows.count, "row")), \(count(report.errors, "error")), pass rate \(number(report.passRate))\n"
        for s in report.summaries {
            out += "\(s.name): mean \(s.count > 0 ? number(s.mean) : "n/a") over \(count(s.count, "row"))"
            if let t = s.threshold { out += ", threshold \(number(t)) \(s.passed == true ? "passed" : "FAILED")" }
            out += "\n"
        }
        return out
    }

    // MARK: Text

    /// Two numbers at two decimals, or with more digits when two decimals would show a mean
    /// just under its threshold as equal to it ("0.80 < threshold 0.80").
    static func distinct(_ a: Double, _ b: Double) -> (String, String) {
        for digits in 2...6 {
            let x = String(format: "%.\(digits)f", a), y = String(format: "%.\(digits)f", b)
            if x != y || a == b { return (x, y) }
        }
        return ("\(a)", "\(b)")
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "n/a" }
    static func seconds(_ x: Double) -> String { String(format: "%.3f", x.isFinite ? max(x, 0) : 0) }

    /// A long output cut to its first 200 characters, on one line.
    private static func clip(_ s: String) -> String {
        let line = s.replacingOccurrences(of: "\n", with: "\\n")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    /// Seconds since 1970 as the `timestamp` attribute: ISO 8601 without a zone, as Ant's
    /// JUnit task writes it (its schema has no zone); in UTC.
    static func timestamp(_ t: Double) -> String {
        var time = time_t(t.isFinite ? t : 0)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Character data: markup characters escaped, characters XML 1.0 forbids replaced.
    static func text(_ s: String) -> String { escape(s, attribute: false) }

    /// An attribute value in double quotes: also quotes escaped, and line breaks and tabs as
    /// character references (a parser would otherwise normalise them to spaces).
    static func attribute(_ s: String) -> String { escape(s, attribute: true) }

    private static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            // `>` only needs escaping after `]]`, but escaping it always is simpler and valid.
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            default: out.unicodeScalars.append(allowed(c) ? c : "\u{FFFD}")
            }
        }
        return out
    }

    /// XML 1.0's `Char` production: tab, newline, carriage return, and everything from U+0020
    /// except U+FFFE and U+FFFF (surrogates cannot occur in a Swift string).
    static func allowed(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
