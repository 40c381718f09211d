import Foundation
import Quill
import QuillEngine
import QuillRunStore
import QuillTestSupport
import XCTest

/// The run store through the real `quill` binary against the loopback provider: crash safety
/// of checkpointed batches (`kill -9`), and `quill runs` reading back what was recorded.
final class RunStoreTests: XCTestCase {
    var server: FaultServer!
    var folder: URL!

    override func setUpWithError() throws {
        server = try FaultServer()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("quill-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private func script(_ name: String, _ source: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private var compatible: String { "openai-compatible:\(server.url("/v1").absoluteString)" }

    func testKilledCheckpointedBatchResumesSendingOnlyTheMissingItems() throws {
        let file = try script("crash.quill", """
            var m = model("\(compatible)#slow-25", max_tokens: 8)
            var out = batch(range(200), fn(i) => m.gen("crash item \\(i)"), concurrency: 4, checkpoint: "items")
            print(json.encode(out))
            """)
        let db = folder.appendingPathComponent("runs.db").path
        let env = QuillProcess.environment(runStore: db)
        let first = try QuillProcess(["run", file], environment: env)
        // Kill it for real once a good part of the batch is saved.
        let saved = { (try? RunStore(path: db).checkpointCount(script: file, name: "items")) ?? 0 }
        XCTAssertTrue(QuillProcess.eventually { saved() >= 40 }, "the batch never got going: \(first.stderr)")
        first.kill()
        let savedAtKill = saved()
        XCTAssertLessThan(savedAtKill, 200)
        let attemptsAfterKill = try server.stats().attempts

        let second = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", file], environment: env)
        XCTAssertEqual(second.status, 0, second.stderr)
        let expected = "[" + (0..<200).map { "\"ok: crash item \($0)\"" }.joined(separator: ", ") + "]\n"
        XCTAssertEqual(second.stdout, expected)
        XCTAssertEqual(saved(), 200)

        // Items saved before the kill were never sent again; at most the four in flight were sent twice.
        let attempts = try server.stats().attempts
        for i in 0..<200 {
            let key = "crash item \(i)"
            let before = attemptsAfterKill[key] ?? 0
            XCTAssertLessThanOrEqual(attempts[key] ?? 0, 2, key)
            XCTAssertGreaterThanOrEqual(attempts[key] ?? 0, 1, key)
            if before == 0 { XCTAssertEqual(attempts[key], 1, key) }
        }
        let total = attempts.filter { $0.key.hasPrefix("crash item") }.values.reduce(0, +)
        XCTAssertLessThanOrEqual(total, 200 + 4)
        XCTAssertEqual(attempts.filter { $0.key.hasPrefix("crash item") }.count, 200)

        // The store holds each finished call once: the first run's and the rerun's rows add up to
        // the 200 items, plus at most the calls that finished between the last save and the kill.
        let store = try RunStore(path: db)
        let runs = try store.runs()
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(runs[1].status, "interrupted")
        XCTAssertEqual(runs[0].status, "ok")
        let okCalls = try runs.flatMap { try store.calls(run: $0.id) }.filter { $0.status == "ok" }
        XCTAssertGreaterThanOrEqual(okCalls.count, 200)
        XCTAssertLessThanOrEqual(okCalls.count, 204)
        XCTAssertEqual(runs[0].calls, 200 - savedAtKill)

        // And an uninterrupted run (a fresh store) prints the same.
        let fresh = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", file],
                                          environment: QuillProcess.environment(runStore: folder.appendingPathComponent("fresh.db").path))
        XCTAssertEqual(fresh.stdout, second.stdout)
    }

    func testRunsCommandsShowExportAndAggregateWhatWasRecorded() throws {
        let spec = "\(compatible)#usage-1000-200-300-0"
        let file = try script("costs.quill", """
            set_price("\(spec)", input: 2.5, output: 10, cache_read: 1.25)
            var m = model("\(spec)")
            for i in range(3) { m.gen("row \\(i)") }
            try { model("\(compatible)#status-400").gen("bad") } catch e { print(e.kind) }
            print(cost())
            """)
        let db = folder.appendingPathComponent("runs.db").path
        let env = QuillProcess.environment(runStore: db)
        let run = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", file], environment: env)
        XCTAssertEqual(run.stdout, "ModelError\n0.012375\n", run.stderr)

        let store = try RunStore(path: db)
        let row = try XCTUnwrap(store.runs().first)
        XCTAssertEqual(row.calls, 4)
        XCTAssertEqual(row.errors, 1)
        XCTAssertEqual(row.cost, "0.012375")
        XCTAssertEqual(row.inputTokens, 3000)
        XCTAssertEqual(row.cachedInputTokens, 900)

        let list = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs"], environment: env)
        XCTAssertTrue(list.stdout.contains("costs.quill"), list.stdout)
        XCTAssertTrue(list.stdout.contains("$0.0124"), list.stdout)
        let show = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "show", String(row.id)], environment: env)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertEqual(show.stdout.components(separatedBy: "\n").filter { $0.contains(spec) }.count, 3, show.stdout)
        XCTAssertTrue(show.stdout.contains("http_400") || show.stdout.contains("400"), show.stdout)

        let export = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "export", "last", "--jsonl"], environment: env)
        let lines = export.stdout.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.compactMap { $0?["cost_usd"]?.stringValue }, ["0.004125", "0.004125", "0.004125"])
        XCTAssertEqual(lines.last??["error_type"]?.stringValue, "http_400")
        XCTAssertEqual(lines.first??["prompt"]?.arrayValue?.first?["content"]?.stringValue, "row 0")

        let stats = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "stats", "--json"], environment: env)
        let json = try JSONValue.parse(stats.stdout)
        let byModel = try XCTUnwrap(json["by_model"]?.arrayValue)
        let priced = try XCTUnwrap(byModel.first { $0["key"]?.stringValue == spec })
        XCTAssertEqual(priced["calls"]?.numberValue, 3)
        XCTAssertEqual(priced["cost_usd"]?.stringValue, "0.012375")
        XCTAssertNotNil(priced["p95_latency"]?.numberValue)
        let failing = try XCTUnwrap(byModel.first { $0["key"]?.stringValue?.hasSuffix("status-400") == true })
        XCTAssertEqual(failing["error_rate"]?.numberValue, 1)
        XCTAssertEqual(json["by_prompt"]?.arrayValue?.count, 4)

        let missing = try ProcessRunner.run(ProcessRunner.quillBinary, ["runs", "show", "99"], environment: env)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no run 99"), missing.stderr)
    }

    func testRedactedRunsKeepNoContentAndTheEventLogHasEveryCall() throws {
        let spec = "\(compatible)#ok"
        let file = try script("redact.quill", "var m = model(\"\(spec)\")\nm.gen(\"secret text\")\nm.gen(\"more secret\")\n")
        let db = folder.appendingPathComponent("runs.db").path, log = folder.appendingPathComponent("events.jsonl").path
        let run = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", "--redact", "--log-events", log, file],
                                        environment: QuillProcess.environment(runStore: db))
        XCTAssertEqual(run.status, 0, run.stderr)
        let calls = try RunStore(path: db).calls(run: try XCTUnwrap(RunStore(path: db).runs().first).id)
        XCTAssertEqual(calls.count, 2)
        XCTAssertTrue(calls.allSatisfy { $0.prompt == nil && $0.output == nil })
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(events.map { $0["kind"]?.stringValue ?? "" }.filter { $0 != "first_token" }, ["request", "response", "request", "response"])
        XCTAssertFalse(try String(contentsOfFile: log, encoding: .utf8).contains("secret"))
    }
}
