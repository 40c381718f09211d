import Foundation
import QuillEngine
import QuillLLM
import XCTest

/// The HTML evaluation report, checked where it is meant to be read: rendered by headless
/// Chromium, whose DOM dump shows what a browser made of the page (charts, rows, the filter
/// script's work, and an injected `<script>` staying text).
final class HTMLReportTests: XCTestCase {
    private let generatedAt = Date(timeIntervalSince1970: 1_760_000_000)

    func testRendersInHeadlessChromium() throws {
        let variants = [
            Self.ticketReport(prompt: "terse", model: "gpt-4o-mini", accuracy: 0.85, seed: 1, unpricedRows: 0, injected: true),
            Self.ticketReport(prompt: "terse", model: "local:qwen", accuracy: 0.7, seed: 2, unpricedRows: 5, injected: false),
        ]
        let empty = EvalReport(name: "smoke", dataset: "inline", metrics: Self.metrics, rows: [], startedAt: 0, duration: 0)
        let reports = variants + [empty]
        let html = EvalHTMLReport.render(reports, title: "Ticket triage <v2>", generatedAt: generatedAt)
        let dir = try temporaryDirectory()
        let page = dir.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)

        let dom = try chromium(["--dump-dom", page.absoluteString], in: dir)
        XCTAssertTrue(dom.contains("<title>Ticket triage &lt;v2&gt;</title>"), "the page did not load:\n\(dom.prefix(500))")

        // One bar chart per metric, a bar per evaluation that scored rows (the empty one says so).
        XCTAssertEqual(count(#"<svg class="chart metric-chart""#, in: dom), 3)
        XCTAssertEqual(count(#"<rect class="bar c\d""#, in: dom), 6)
        XCTAssertEqual(count(#"<path class="ci""#, in: dom), 6)
        XCTAssertEqual(count(#"<line class="threshold""#, in: dom), 2, "exact and token_f1 are gated")
        XCTAssertEqual(count(#"<text class="value muted"[^>]*>no rows scored<"#, in: dom), 3)

        // Latency and cost histograms per evaluation with rows; every priced row lands in a bin.
        XCTAssertEqual(count(#"<svg class="chart hist-chart""#, in: dom), 4)
        for (i, report) in variants.enumerated() {
            XCTAssertEqual(binTotal(dom, quantity: "latency", report: i), report.rows.count)
            XCTAssertEqual(binTotal(dom, quantity: "cost", report: i), report.rows.count { $0.costKnown })
        }

        // Every row is in the table; the failures, and only they, are marked.
        let failures = reports.reduce(0) { $0 + $1.failures.count }
        XCTAssertGreaterThan(failures, 0)
        XCTAssertEqual(count(#"<tr class="row[ "]"#, in: dom), 80)
        XCTAssertEqual(count(#"<tr class="row failed" data-report="\d" data-failed="1""#, in: dom), failures)
        let failedScores = reports.reduce(0) { $0 + $1.rows.reduce(0) { $0 + $1.verdicts.values.count { !$0 } } }
        XCTAssertEqual(count(#"<td class="num score bad""#, in: dom), failedScores, "each failed verdict's score is red")

        // The summary: unknown price, gates, the overall verdict (the empty evaluation fails its gates).
        XCTAssertTrue(dom.contains(#"<span class="verdict fail" id="overall">FAIL</span>"#))
        XCTAssertEqual(count(#"<td class="num muted">unknown</td>"#, in: dom), 1 + 5, "one summary cell, five rows")
        XCTAssertEqual(count(#"<span class="gate (pass|fail)""#, in: dom), 6)

        // The model's `<script>` is text: escaped, not an element, never run.
        XCTAssertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertEqual(count("<script", in: dom), 1, "only the page's own filter script")
        XCTAssertEqual(count("<img", in: dom), 0)
        XCTAssertFalse(dom.contains(#"data-pwned=""#), "an injected script ran")
        XCTAssertTrue(dom.contains("AT&amp;T"), "text is escaped once, not twice")
        XCTAssertEqual(count(#"(?i)\bnan\b"#, in: dom), 0, "a NaN leaked into the page")

        // The filter script, driven through the address's fragment: failures of the first evaluation only.
        let filtered = try chromium(["--dump-dom", page.absoluteString + "#failures=1&report=0"], in: dir)
        let shown = variants[0].failures.count
        XCTAssertEqual(count(#"<tr class="row[^>]*hidden="""#, in: filtered), 80 - shown)
        XCTAssertTrue(filtered.contains("\(shown) of 80 rows"), "the row count was not updated")

        let screenshot = dir.appendingPathComponent("report.png")
        _ = try chromium(["--screenshot=\(screenshot.path)", "--window-size=1280,2000", "--hide-scrollbars", page.absoluteString], in: dir)
        let png = try Data(contentsOf: screenshot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "not a PNG")
        XCTAssertGreaterThan(png.count, 30_000, "the screenshot looks blank")
    }

    func testDeterministicAndSafeWithoutRows() {
        let report = Self.ticketReport(prompt: "p", model: "m", accuracy: 0.8, seed: 3, unpricedRows: 2, injected: true)
        let first = EvalHTMLReport.render([report], title: "t", generatedAt: generatedAt)
        XCTAssertEqual(first, EvalHTMLReport.render([report], title: "t", generatedAt: generatedAt))
        XCTAssertFalse(first.contains("<script>alert"))

        let none = EvalHTMLReport.render([], title: "nothing", generatedAt: generatedAt)
        XCTAssertTrue(none.contains("NO DATA"))
        let unscored = EvalReport(name: "e", dataset: "d", metrics: Self.metrics, rows: [], startedAt: 0, duration: .nan)
        let page = EvalHTMLReport.render([unscored], title: "e", generatedAt: generatedAt)
        XCTAssertEqual(count(#"(?i)\bnan\b"#, in: page), 0)
        XCTAssertTrue(page.contains("no rows scored"))
    }

    // MARK: Fixtures

    static let metrics = [
        EvalReport.MetricInfo(name: "exact", detail: "label equals the expected one", threshold: 0.8, passAt: 1),
        EvalReport.MetricInfo(name: "token_f1", detail: "SQuAD token F1 of the rationale", threshold: 0.6),
        EvalReport.MetricInfo(name: "fast", detail: "latency under 2 s", passAt: 1),
    ]

    private static let labels = ["billing", "technical", "account", "shipping", "refund"]
    private static let subjects = [
        "billing": ["Charged twice for March", "Invoice shows the wrong VAT number", "Card declined on renewal"],
        "technical": ["App crashes when exporting PDF", "Sync stuck at 99%", "API returns 502 since this morning"],
        "account": ["Cannot reset my password", "Please merge my two accounts", "2FA codes not arriving"],
        "shipping": ["Parcel stuck in customs", "Tracking number not working", "Delivered to the wrong address"],
        "refund": ["Refund for cancelled order?", "Still waiting for my refund", "Partial refund was too small"],
    ]

    /// A ticket-classification evaluation of one prompt × model: about `accuracy` right, a few
    /// errors, latency and cost that vary by row; deterministic in `seed`.
    static func ticketReport(prompt: String, model: String, accuracy: Double, seed: UInt64, rows: Int = 40,
                             latencyScale: Double = 1, pricePerToken: Decimal = Decimal(string: "0.0000006")!,
                             unpricedRows: Int, injected: Bool) -> EvalReport {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func random() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var result: [EvalRow] = []
        for i in 0..<rows {
            let label = labels[i % labels.count], subject = subjects[label]![i / labels.count % 3]
            let input = JSONValue.object([("id", .string("T-\(1000 + i)")), ("subject", .string(subject)),
                                          ("body", .string(i == 7 ? "My AT&T bill </td></tr> doubled" : "Hi, \(subject.lowercased()). Order #\(4200 + i * 7)."))])
            let latency = (0.4 + random() * 1.6 + (random() < 0.1 ? 1.5 : 0)) * latencyScale
            let inputTokens = 180 + Int(random() * 120), outputTokens = 6 + Int(random() * 30)
            let failed = i % 13 == 5
            let right = random() < accuracy
            let answer = right ? label : labels[(i + 1 + Int(random() * 3)) % labels.count]
            var output: JSONValue? = failed ? nil : .string(answer)
            if injected && i == 3 {
                output = .string("<script>alert(1)</script><script>document.documentElement.setAttribute('data-pwned','1')</script>"
                    + "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','2')\">")
            }
            let exact: Double = output == .string(label) ? 1 : 0
            let f1 = exact == 1 ? 0.7 + random() * 0.3 : random() * 0.5
            let priced = i >= unpricedRows
            result.append(EvalRow(
                index: i, key: "T-\(1000 + i)", input: input, expected: .string(i == 7 ? "AT&T billing" : label), output: output,
                error: failed ? "ProviderError: HTTP 529 overloaded after 3 attempts" : nil,
                scores: failed ? [:] : ["exact": exact, "token_f1": f1, "fast": latency < 2 ? 1 : 0],
                verdicts: failed ? [:] : ["exact": exact == 1, "fast": latency < 2],
                notes: failed ? ["exact": "not scored: the task failed"] : [:],
                latency: latency, calls: 1, inputTokens: inputTokens, outputTokens: outputTokens,
                cost: priced ? pricePerToken * Decimal(inputTokens + outputTokens * 4) : 0, costKnown: priced))
        }
        return EvalReport(name: "ticket-triage", dataset: "tickets.jsonl", variant: .init(prompt: prompt, model: model),
                          metrics: metrics, rows: result, startedAt: 1_760_000_000, duration: 12.5 * latencyScale)
    }

    // MARK: Chromium

    /// Runs headless Chromium on the page and returns what it printed. Foundation's `Process`
    /// with a deadline (rather than `ProcessRunner`, which waits forever): a wedged browser
    /// must fail this test, not hang the suite.
    private func chromium(_ arguments: [String], in dir: URL, timeout: TimeInterval = 120) throws -> String {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        guard let binary = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            XCTFail("headless Chromium is needed for the HTML report test: apt-get install chromium")
            throw CocoaError(.fileNoSuchFile)
        }
        let run = UUID().uuidString
        let out = dir.appendingPathComponent("chromium-\(run).out"), err = dir.appendingPathComponent("chromium-\(run).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let browser = Foundation.Process()
        browser.executableURL = URL(fileURLWithPath: binary)
        // Root needs --no-sandbox; a profile of its own keeps parallel runs from sharing a lock.
        browser.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(dir.appendingPathComponent("profile-\(run)").path)"] + arguments
        browser.standardOutput = try FileHandle(forWritingTo: out)
        browser.standardError = try FileHandle(forWritingTo: err)
        let finished = DispatchSemaphore(value: 0)
        browser.terminationHandler = { _ in finished.signal() }
        try browser.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            browser.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut { kill(browser.processIdentifier, SIGKILL) }
            XCTFail("chromium did not finish within \(Int(timeout)) s: \(arguments)")
        }
        let stdout = try String(contentsOf: out, encoding: .utf8)
        if browser.terminationStatus != 0 {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            XCTFail("chromium exited with \(browser.terminationStatus):\n\(stderr.suffix(2000))")
        }
        return stdout
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quill-html-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func count(_ pattern: String, in text: String) -> Int {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    /// The rows a histogram holds: the sum of its bins' counts.
    private func binTotal(_ dom: String, quantity: String, report: Int) -> Int {
        let opening = "<svg class=\"chart hist-chart\" data-quantity=\"\(quantity)\" data-report=\"\(report)\""
        guard let start = dom.range(of: opening), let end = dom.range(of: "</svg>", range: start.upperBound..<dom.endIndex) else { return -1 }
        let chart = String(dom[start.upperBound..<end.lowerBound])
        let regex = try! NSRegularExpression(pattern: #"data-count="(\d+)""#)
        return regex.matches(in: chart, range: NSRange(chart.startIndex..., in: chart)).reduce(0) { sum, match in
            sum + Int(chart[Range(match.range(at: 1), in: chart)!])!
        }
    }
}
