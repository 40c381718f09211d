import Foundation
import QuillEngine
import QuillTestSupport
import XCTest

/// `quill eval` on the built binary with the real default model: the example suite in
/// examples/eval runs and writes every report format; the exit status follows the thresholds
/// (0 when they hold, 1 when one fails, 64 when nothing is evaluated, 70 when the script fails);
/// the JUnit XML validates; the evaluations land in the run store for `quill runs compare`.
final class EvalCommandTests: XCTestCase {
    var dir: URL!
    var db: String { dir.appendingPathComponent("runs.db").path }

    override func setUpWithError() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("quill-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
    }

    func eval(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(ProcessRunner.quillBinary, ["eval"] + arguments, environment: QuillProcess.environment(runStore: db))
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Every example suite passes its gates and writes all five formats; the reports agree
    /// with each other and with the run store.
    func testExampleSuitesRunAndWriteEveryFormat() throws {
        for suite in ["tickets", "extraction", "summaries"] {
            let outputs = ["html", "md", "json", "txt"].map { path("\(suite).\($0)") }
            let result = try eval(["examples/eval/\(suite).quill", "--junit", path("\(suite)-junit.xml")]
                                  + outputs.flatMap { ["--report", $0] })
            XCTAssertEqual(result.status, 0, "\(suite): \(result.stderr)\n\(result.stdout)")
            XCTAssertTrue(result.stdout.contains("PASS"), result.stdout)
            for file in outputs + [path("\(suite)-junit.xml")] {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                XCTAssertGreaterThan(text.count, 200, file)
            }
            let json = try JSONValue.parse(try String(contentsOfFile: path("\(suite).json"), encoding: .utf8))
            let cells = json["cells"]?.arrayValue ?? [json]
            XCTAssertTrue(cells.allSatisfy { ($0["rows"]?.arrayValue?.count ?? 0) > 0 }, suite)
            let html = try String(contentsOfFile: path("\(suite).html"), encoding: .utf8)
            XCTAssertTrue(html.contains("<svg") && html.contains("<table"), suite)
            try assertValidJUnit(path("\(suite)-junit.xml"))
        }
        let tickets = try JSONValue.parse(try String(contentsOfFile: path("tickets.json"), encoding: .utf8))
        // Two prompts × two models, and the gated pair.
        XCTAssertEqual(tickets["cells"]?.arrayValue?.count, 5)
        XCTAssertEqual(tickets["cells"]?.arrayValue?.first?["rows"]?.arrayValue?.count, 100)
        let show = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "show", "last"], environment: QuillProcess.environment(runStore: db))
        XCTAssertTrue(show.stdout.contains("summaries"), show.stdout + show.stderr)
    }

    /// The bias probe example runs on the default model and prints both tables.
    func testBiasProbeExampleRuns() throws {
        let result = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", "examples/eval/bias.quill"],
                                           environment: QuillProcess.environment(runStore: db))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("female  24"), result.stdout)
        XCTAssertTrue(result.stdout.contains("p (holm)"), result.stdout)
    }

    /// A threshold from the command line overrides the script's and fails the run; JUnit then
    /// has the failure; a rerun compares with the first in the run store.
    func testAFailingThresholdExitsOneAndIsInTheJUnit() throws {
        let passing = try eval(["examples/eval/extraction.quill", "--quiet"])
        XCTAssertEqual(passing.status, 0, passing.stderr)
        let failing = try eval(["examples/eval/extraction.quill", "--quiet", "--threshold", "fields=0.99", "--junit", path("f.xml")])
        XCTAssertEqual(failing.status, 1, failing.stderr)
        XCTAssertTrue(failing.stdout.contains("FAIL extraction"), failing.stdout)
        XCTAssertTrue(failing.stderr.contains("extraction: fields"), failing.stderr)
        let junit = try String(contentsOfFile: path("f.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("<failure"), junit)
        try assertValidJUnit(path("f.xml"))
        let compare = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "compare"], environment: QuillProcess.environment(runStore: db))
        XCTAssertEqual(compare.status, 0, compare.stderr)
        XCTAssertTrue(compare.stdout.contains("0 rows regressed"), compare.stdout)
    }

    /// Nothing evaluated is a usage error; a failing script keeps its own status; bad options
    /// are rejected before anything runs.
    func testExitStatusesForScriptsThatDoNotEvaluate() throws {
        let none = path("none.quill"), broken = path("broken.quill")
        try "print(1)\n".write(toFile: none, atomically: true, encoding: .utf8)
        try "let r = evaluate([1], fn(x) => x)\nthrow \"after\"\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let nothing = try eval([none])
        XCTAssertEqual(nothing.status, 64)
        XCTAssertTrue(nothing.stderr.contains("without evaluating anything"), nothing.stderr)
        XCTAssertEqual(try eval([broken]).status, 70)
        let badThreshold = try eval([none, "--threshold", "fields"])
        XCTAssertEqual(badThreshold.status, 64)
        XCTAssertTrue(badThreshold.stderr.contains("metric=number"), badThreshold.stderr)
        XCTAssertEqual(try eval([none, "--report", path("r.pdf")]).status, 64)
    }

    func assertValidJUnit(_ file: String, line: UInt = #line) throws {
        let xmllint = try XCTUnwrap(EvaluationStoreTests.xmllint, "xmllint is not installed; apt-get install -y libxml2-utils")
        let result = try ProcessRunner.run(xmllint, ["--noout", "--schema", EvaluationStoreTests.schema, file], environment: [:])
        XCTAssertEqual(result.status, 0, result.stderr, line: line)
    }
}
