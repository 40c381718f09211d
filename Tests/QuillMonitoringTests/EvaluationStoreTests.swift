import Foundation
import GRDB
import Quill
import QuillEngine
@testable import QuillLLM
@testable import QuillRunStore
import QuillTestSupport
import XCTest

/// Evaluations in the run store: reports written through `RunRecorder` into a real SQLite file
/// and read back equal, the row-by-row comparison of two runs, `quill runs compare` and
/// `quill runs show` on the built binary, and the JUnit XML report validated by xmllint against
/// the committed schema (Tests/Fixtures/eval/junit.xsd).
final class EvaluationStoreTests: XCTestCase {
    var folder: URL!
    var db: String { folder.appendingPathComponent("runs.db").path }
    var script: String { folder.appendingPathComponent("eval.quill").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("quill-evals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "# evaluated in the tests\n".write(toFile: script, atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: Fixtures

    /// A row: `exact` is the exact_match verdict (nil: the task errored), `rouge` a graded score.
    struct Spec {
        var key: String
        var exact: Bool?
        var rouge: Double = 0.9
        var output = "answer"
    }

    static let metrics = [
        EvalReport.MetricInfo(name: "exact_match", detail: "normalised exact match", threshold: 0.8, passAt: 1),
        EvalReport.MetricInfo(name: "rouge_l", detail: "ROUGE-L F1"),
    ]

    static func report(_ name: String, _ specs: [Spec], variant: EvalReport.Variant? = nil, startedAt: Double = 1_700_000_000.25,
                        metrics: [EvalReport.MetricInfo] = metrics) -> EvalReport {
        let rows = specs.enumerated().map { i, s -> EvalRow in
            let input = JSONValue.object([("question", .string("question \(s.key)")), ("n", .int(i))])
            guard let exact = s.exact else {
                return EvalRow(index: i, key: s.key, input: input, expected: .string("gold"), output: nil,
                               error: "ModelError: the model timed out", latency: 1.5, calls: 1)
            }
            return EvalRow(index: i, key: s.key, input: input, expected: .string("gold"), output: .string(s.output), error: nil,
                           scores: ["exact_match": exact ? 1 : 0, "rouge_l": s.rouge], verdicts: ["exact_match": exact],
                           notes: ["rouge_l": "overlap of \(s.output)"], latency: 0.25 + Double(i) / 8, calls: 1,
                           inputTokens: 12 + i, outputTokens: 3, cost: Decimal(string: "0.000015")!)
        }
        return EvalReport(name: name, dataset: "qa.jsonl", variant: variant, metrics: metrics, rows: rows,
                          startedAt: startedAt, duration: 3.5)
    }

    /// Run 1's "qa": everything passes but c and f.
    static let base = report("qa", [
        Spec(key: "a", exact: true), Spec(key: "b", exact: true, rouge: 0.8), Spec(key: "c", exact: false, rouge: 0.3),
        Spec(key: "d", exact: true), Spec(key: "e", exact: true), Spec(key: "f", exact: false),
        Spec(key: "h", exact: true), Spec(key: "dup", exact: true), Spec(key: "dup", exact: true),
    ])
    /// Run 2's "qa", reordered: b fails, c is fixed, d's ROUGE falls by 0.4 (still passing), e's
    /// by exactly 0.1 (not more), f is gone, g is new, h errors, the second dup fails.
    static let now = report("qa", [
        Spec(key: "dup", exact: true), Spec(key: "h", exact: nil), Spec(key: "a", exact: true),
        Spec(key: "b", exact: false, rouge: 0.8, output: "Lyon"), Spec(key: "c", exact: true),
        Spec(key: "d", exact: true, rouge: 0.5), Spec(key: "e", exact: true, rouge: 0.8), Spec(key: "g", exact: true),
        Spec(key: "dup", exact: false, output: "wrong"),
    ], startedAt: 1_700_000_100.5)

    static let cell = EvalReport.Variant(prompt: "terse", model: "openai:gpt-4o-mini")

    /// Records each list of reports as one run of the test script; returns the runs' ids.
    func recordRuns(_ runs: [[EvalReport]], redact: Bool = false) throws -> [Int64] {
        try runs.map { reports in
            let recorder = RunRecorder(storePath: db, script: script, arguments: ["--eval"], redactContent: redact) { XCTFail($0) }
            for r in reports { recorder.record(r) }
            recorder.finish(status: "ok")
            return try XCTUnwrap(recorder.runID)
        }
    }

    // MARK: Store

    func testRecordedReportsReadBackEqualAndFindTheirPredecessors() throws {
        let matrixBefore = Self.report("qa", [Spec(key: "a", exact: true)], variant: Self.cell)
        let matrixNow = Self.report("qa", [Spec(key: "a", exact: false)], variant: Self.cell)
        let ids = try recordRuns([[Self.base, matrixBefore], [Self.now, matrixNow]])
        let store = try RunStore(path: db)

        XCTAssertEqual(try store.runs().map(\.id), ids.reversed())
        XCTAssertEqual(try store.latestRunWithEvaluations(), ids[1])
        let first = try store.evaluations(run: ids[0]), second = try store.evaluations(run: ids[1])
        XCTAssertEqual(first.map(\.title), ["qa", "qa [terse × openai:gpt-4o-mini]"])
        XCTAssertEqual(second.map(\.runID), [ids[1], ids[1]])

        // Every figure a listing shows, as the report computes it.
        let stored = second[0]
        XCTAssertEqual(stored.script, script)
        XCTAssertEqual(stored.dataset, "qa.jsonl")
        XCTAssertNil(stored.variant)
        XCTAssertEqual(stored.rows, 9)
        XCTAssertEqual(stored.errors, 1)
        XCTAssertEqual(stored.passRate, Self.now.passRate)
        XCTAssertFalse(stored.passed)
        XCTAssertTrue(first[0].passed == Self.base.passed)
        XCTAssertEqual(stored.inputTokens, Self.now.inputTokens)
        XCTAssertEqual(stored.cost, "0.00012")
        XCTAssertEqual(first[0].cost, "0.000135")
        XCTAssertEqual(stored.gates, [StoredEvaluation.Gate(metric: "exact_match", mean: 0.75, threshold: 0.8, passed: false)])
        XCTAssertEqual(first[1].variant, Self.cell)

        // The whole report reads back as it was written.
        for (evaluation, original) in zip(first + second, [Self.base, matrixBefore, Self.now, matrixNow]) {
            let loaded = try store.report(evaluation: evaluation.id)
            XCTAssertEqual(loaded.json.serialized, original.json.serialized)
            XCTAssertEqual(loaded.title, original.title)
        }
        XCTAssertThrowsError(try store.report(evaluation: 999)) { XCTAssertEqual($0 as? RunStoreError, .noEvaluation(999, path: self.db)) }

        // The previous evaluation keeps plain evaluations and matrix cells apart.
        let previous = try store.previousEvaluation(name: "qa", variant: nil, script: script, before: ids[1])
        XCTAssertEqual(previous?.id, first[0].id)
        XCTAssertEqual(try store.previousEvaluation(name: "qa", variant: Self.cell, script: script, before: ids[1])?.id, first[1].id)
        XCTAssertNil(try store.previousEvaluation(name: "qa", variant: nil, script: script, before: ids[0]))
        XCTAssertNil(try store.previousEvaluation(name: "qa", variant: nil, script: "/elsewhere/other.quill", before: ids[1]))
        XCTAssertNil(try store.previousEvaluation(name: "qb", variant: nil, script: script, before: ids[1]))

        // A row per dataset row, queryable without parsing reports.
        let rows = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM evaluation_rows WHERE evaluation_id = ? ORDER BY row_index", arguments: [stored.id])
        }
        XCTAssertEqual(rows.map { $0["key"] as String }, ["dup", "h", "a", "b", "c", "d", "e", "g", "dup"])
        XCTAssertEqual(rows[1]["error"] as String?, "ModelError: the model timed out")
        XCTAssertNil(rows[1]["output"] as String?)
        XCTAssertEqual(rows[3]["output"] as String?, "Lyon")
        XCTAssertEqual(rows[3]["passed"] as Bool, false)
        XCTAssertEqual(rows[3]["scores"] as String, #"{"exact_match":0.0,"rouge_l":0.8}"#)
        XCTAssertEqual(rows[3]["cost"] as String?, "0.000015")
    }

    func testRedactedEvaluationsKeepKeysAndScoresButNoContent() throws {
        var secret = Self.report("qa", [Spec(key: "a", exact: true, output: "secret answer")])
        secret.rows[0].input = .string("secret question")
        let id = try XCTUnwrap(try recordRuns([[secret]], redact: true).first)
        let store = try RunStore(path: db)
        let evaluation = try XCTUnwrap(store.evaluations(run: id).first)
        let loaded = try store.report(evaluation: evaluation.id)
        XCTAssertEqual(loaded.rows[0].key, "a")
        XCTAssertEqual(loaded.rows[0].scores, secret.rows[0].scores)
        XCTAssertEqual(loaded.rows[0].input, .null)
        XCTAssertNil(loaded.rows[0].output)
        XCTAssertEqual(loaded.rows[0].notes, [:])
        let stored = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT report FROM evaluations UNION ALL SELECT COALESCE(output, '') FROM evaluation_rows")
        }
        XCTAssertFalse(stored.joined().contains("secret"), stored.joined())
    }

    func testAFailingStoreIsReportedOnceAndNeverThrownIntoTheScript() throws {
        // A folder where a file is: the store cannot be created.
        let blocked = folder.appendingPathComponent("eval.quill/runs.db").path
        let warnings = Locked([String]())
        let recorder = RunRecorder(storePath: blocked, script: script, arguments: []) { w in warnings.withLock { $0.append(w) } }
        recorder.record(Self.base)
        recorder.record(Self.now)
        recorder.finish(status: "ok")
        XCTAssertNil(recorder.runID)
        XCTAssertEqual(warnings.value.count, 1, "\(warnings.value)")
        XCTAssertTrue(warnings.value[0].contains(blocked), warnings.value[0])
    }

    // MARK: Comparison

    func testComparisonFindsRegressionsFixesAndMovedRows() throws {
        let c = EvalComparison(base: Self.base, now: Self.now, minDrop: 0.1)
        XCTAssertEqual(c.regressions.map(\.key), ["h", "b", "d", "dup"])
        XCTAssertEqual(c.regressions.map(\.newlyFailing), [true, true, false, true])
        XCTAssertEqual(c.regressions[2].drops, [EvalComparison.ScoreDrop(metric: "rouge_l", before: 0.9, now: 0.5)])
        XCTAssertEqual(c.regressions[3].now.index, 8, "the second 'dup' pairs with the second")
        XCTAssertEqual(c.regressions[3].before.index, 8)
        XCTAssertEqual(c.fixes.map(\.key), ["c"])
        XCTAssertEqual(c.added.map(\.key), ["g"])
        XCTAssertEqual(c.removed.map(\.key), ["f"])
        XCTAssertTrue(c.hasRegressions)

        let exact = try XCTUnwrap(c.metrics.first { $0.metric == "exact_match" })
        XCTAssertEqual(exact.before!, 7.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(exact.now!, 6.0 / 8, accuracy: 1e-12)
        XCTAssertEqual(exact.passedBefore, false)
        XCTAssertEqual(exact.passedNow, false)
        XCTAssertEqual(exact.threshold, 0.8)
        XCTAssertEqual(c.metrics.map(\.metric), ["exact_match", "rouge_l"])

        // A looser --min-drop forgives d's fall; a stricter one catches e's 0.1 too.
        XCTAssertEqual(EvalComparison(base: Self.base, now: Self.now, minDrop: 0.5).regressions.map(\.key), ["h", "b", "dup"])
        XCTAssertEqual(EvalComparison(base: Self.base, now: Self.now, minDrop: 0.05).regressions.map(\.key), ["h", "b", "d", "e", "dup"])
        // Nothing changed, nothing to report.
        let same = EvalComparison(base: Self.now, now: Self.now)
        XCTAssertTrue(same.regressions.isEmpty && same.fixes.isEmpty && same.added.isEmpty && same.removed.isEmpty)

        let json = c.json
        XCTAssertEqual(json["regressions"]?.arrayValue?.count, 4)
        XCTAssertEqual(json["regressions"]?.arrayValue?[1]["now"]?["output"], .string("Lyon"))
        XCTAssertEqual(json["removed"]?.arrayValue?.first?["key"], .string("f"))

        let identities = [("qa", nil), ("qa", Self.cell), ("qa", nil), ("qb", nil)].map { EvalComparison.Identity(name: $0.0, variant: $0.1) }
        let paired = EvalComparison.pair(base: Array(identities.prefix(3)), now: [identities[1], identities[0], identities[3]])
        XCTAssertEqual(paired.pairs.map { [$0.base, $0.now] }, [[1, 0], [0, 1]])
        XCTAssertEqual(paired.onlyNow, [2])
        XCTAssertEqual(paired.onlyBase, [2])
    }

    // MARK: quill runs compare / show

    func testRunsCompareOnTheBuiltBinary() throws {
        let quill = ProcessRunner.quillBinary
        let env = QuillProcess.environment(runStore: db)
        _ = try RunStore(path: db)  // a store with no evaluation yet
        let none = try ProcessRunner.run(quill, ["runs", "compare"], environment: env)
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("no run in"), none.stderr)

        let other = Self.report("summaries", [Spec(key: "x", exact: true)])
        let ids = try recordRuns([[Self.base], [other], [Self.now, other]])

        let text = try ProcessRunner.run(quill, ["runs", "compare"], environment: env)
        XCTAssertEqual(text.status, 0, text.stderr)
        let out = text.stdout
        XCTAssertTrue(out.contains("run \(ids[2]): each evaluation compared with its previous run"), out)
        XCTAssertTrue(out.contains("qa: run \(ids[2]) vs run \(ids[0])"), out)
        XCTAssertTrue(out.contains("summaries: run \(ids[2]) vs run \(ids[1])"), out)
        XCTAssertTrue(out.contains("4 regressed, 1 fixed, 1 added, 1 removed"), out)
        XCTAssertTrue(out.contains("b (row 3): passed → fails: exact_match 1.000 → 0.000, fails; output: \"Lyon\""), out)
        XCTAssertTrue(out.contains("h (row 1): passed → fails: error: ModelError: the model timed out"), out)
        XCTAssertTrue(out.contains("d (row 5): rouge_l 0.900 → 0.500"), out)
        XCTAssertTrue(out.contains("exact_match  0.778   0.750  -0.028"), out)
        XCTAssertTrue(out.hasSuffix("\n4 rows regressed, 1 fixed\n"), out)

        let failing = try ProcessRunner.run(quill, ["runs", "compare", "--fail-on-regression"], environment: env)
        XCTAssertEqual(failing.status, 1, failing.stdout + failing.stderr)
        let lenient = try ProcessRunner.run(quill, ["runs", "compare", "last", "--min-drop", "0.5", "--json"], environment: env)
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertEqual(try JSONValue.parse(lenient.stdout)["regressions"], .int(3))

        // Explicit runs: run 3 against run 2 has no "qa" to compare with.
        let explicit = try ProcessRunner.run(quill, ["runs", "compare", String(ids[2]), String(ids[1]), "--json"], environment: env)
        XCTAssertEqual(explicit.status, 0, explicit.stderr)
        let json = try JSONValue.parse(explicit.stdout)
        XCTAssertEqual(json["run"], .int(Int(ids[2])))
        XCTAssertEqual(json["base_run"], .int(Int(ids[1])))
        XCTAssertEqual(json["regressions"], .int(0))
        let evaluations = try XCTUnwrap(json["evaluations"]?.arrayValue)
        XCTAssertEqual(evaluations.map { $0["title"]?.stringValue ?? "" }, ["qa", "summaries"])
        XCTAssertEqual(evaluations[0]["comparison"], .null)
        XCTAssertEqual(evaluations[1]["comparison"]?["metrics"]?.arrayValue?.first?["delta"], .double(0))

        let full = try ProcessRunner.run(quill, ["runs", "compare", String(ids[2]), String(ids[0]), "--json", "--fail-on-regression"],
                                         environment: env)
        XCTAssertEqual(full.status, 1)
        let fullJSON = try JSONValue.parse(full.stdout)
        XCTAssertEqual(fullJSON["only_in_base"], .array([]))
        let qa = try XCTUnwrap(fullJSON["evaluations"]?.arrayValue?.first?["comparison"])
        XCTAssertEqual(qa["regressions"]?.arrayValue?.map { $0["key"]?.stringValue ?? "" }, ["h", "b", "d", "dup"])
        XCTAssertEqual(qa["fixes"]?.arrayValue?.map { $0["key"]?.stringValue ?? "" }, ["c"])

        // The first run has nothing earlier: no regression, whatever the flag.
        let first = try ProcessRunner.run(quill, ["runs", "compare", String(ids[0]), "--fail-on-regression"], environment: env)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("qa: no earlier evaluation to compare with"), first.stdout)

        let show = try ProcessRunner.run(quill, ["runs", "show", String(ids[2])], environment: env)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("quill runs compare \(ids[2])"), show.stdout)
        let qaLine = try XCTUnwrap(show.stdout.split(separator: "\n").first { $0.contains(" qa ") }, show.stdout)
        XCTAssertTrue(qaLine.contains("qa.jsonl") && qaLine.contains("66.7%") && qaLine.contains("FAILED")
                      && qaLine.contains("exact_match 0.750 < 0.800"), String(qaLine))
        XCTAssertTrue(show.stdout.contains("no calls"), show.stdout)

        let missing = try ProcessRunner.run(quill, ["runs", "compare", "99"], environment: env)
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("no run 99"), missing.stderr)
    }

    // MARK: JUnit

    func testJUnitReportValidatesAgainstTheSchemaAndFailsTheFailingGate() throws {
        let xmllint = try XCTUnwrap(Self.xmllint, "xmllint is not installed; install the Debian package libxml2-utils (apt-get install -y libxml2-utils)")
        var hostile = Self.report("qa & <friends>", [
            Spec(key: "k\"1", exact: false, output: "Paris\u{1B}[0m & <b>bold</b> ]]> \u{0}\u{7}\u{FFFF} tab\there"),
            Spec(key: "k2", exact: true), Spec(key: "k3", exact: nil),
        ], variant: Self.cell)
        hostile.rows[0].notes["exact_match"] = "line one\nline two"
        let passing = Self.report("passing", [Spec(key: "a", exact: true)])
        let ungated = Self.report("ungated", [Spec(key: "a", exact: false)],
                                  metrics: [EvalReport.MetricInfo(name: "rouge_l", detail: "ROUGE-L F1")])
        let xml = EvalJUnitReport.render([hostile, passing, ungated], suiteName: "quill eval \"nightly\"")

        let file = folder.appendingPathComponent("junit.xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        let valid = try ProcessRunner.run(xmllint, ["--noout", "--schema", Self.schema, file.path], environment: [:])
        XCTAssertEqual(valid.status, 0, valid.stderr + "\n" + xml)

        XCTAssertTrue(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"quill eval &quot;nightly&quot;\" tests=\"3\" failures=\"1\" errors=\"0\""), xml)
        XCTAssertTrue(xml.contains("<testsuite name=\"qa &amp; &lt;friends&gt; [terse × openai:gpt-4o-mini]\" tests=\"1\" failures=\"1\""), xml)
        XCTAssertTrue(xml.contains("<failure message=\"exact_match mean 0.50 &lt; threshold 0.80\" type=\"threshold\">"), xml)
        XCTAssertTrue(xml.contains("- k\"1 (row 0): exact_match 0.00; output: Paris\u{FFFD}[0m &amp; &lt;b&gt;bold&lt;/b&gt; ]]&gt; \u{FFFD}\u{FFFD}\u{FFFD} tab\there"), xml)
        XCTAssertTrue(xml.contains("- k3 (row 2): error: ModelError: the model timed out"), xml)
        XCTAssertTrue(xml.contains("<testcase name=\"exact_match\" classname=\"passing\" time=\"0\"/>"), xml)
        XCTAssertTrue(xml.contains("<testcase name=\"evaluation\" classname=\"ungated\" time=\"3.500\"/>"), xml)
        XCTAssertTrue(xml.contains("timestamp=\"2023-11-14T22:13:20\""), xml)
        XCTAssertFalse(xml.unicodeScalars.contains { !EvalJUnitReport.allowed($0) }, "a character XML 1.0 forbids")
        XCTAssertEqual(xml.components(separatedBy: "<failure ").count - 1, [hostile, passing, ungated].count { !$0.passed })

        // The schema has teeth: a testcase without a name, or a negative count, is rejected.
        for broken in [xml.replacingOccurrences(of: "<testcase name=\"evaluation\"", with: "<testcase"),
                       xml.replacingOccurrences(of: "tests=\"3\"", with: "tests=\"-3\"")] {
            try broken.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertNotEqual(try ProcessRunner.run(xmllint, ["--noout", "--schema", Self.schema, file.path], environment: [:]).status, 0)
        }
        XCTAssertEqual(EvalJUnitReport.distinct(0.795, 0.8).0, "0.795")
    }

    static var schema: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/eval/junit.xsd").standardized.path
    }

    /// xmllint on the PATH (or in /usr/bin), if installed.
    static var xmllint: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/bin"])
            .map { URL(fileURLWithPath: $0).appendingPathComponent("xmllint") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
