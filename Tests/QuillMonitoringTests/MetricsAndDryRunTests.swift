import Foundation
import Quill
import QuillEngine
import QuillRunStore
import QuillTestSupport
import XCTest

/// `quill run --metrics-port` scraped while the script runs and parsed by the official
/// `prometheus_client` parser; `--dry-run` and `estimate`; script hooks.
final class MetricsAndDryRunTests: XCTestCase {
    var server: FaultServer!
    var folder: URL!

    override func setUpWithError() throws {
        server = try FaultServer()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("quill-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ source: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Samples parsed by prometheus_client: name, labels and value of each.
    private func parse(_ exposition: String) throws -> [(name: String, labels: [String: String], value: Double)] {
        let program = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    out.append([s.name, s.labels, s.value])
            print(json.dumps(out))
            """
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", program],
                                           environment: ProcessInfo.processInfo.environment, stdin: exposition)
        guard result.status == 0 else {
            throw ParseFailure(message: "prometheus_client failed or is missing (.ci/run installs it; pip install prometheus_client): \(result.stderr)")
        }
        return try XCTUnwrap(JSONValue.parse(result.stdout).arrayValue).map { item in
            let a = item.arrayValue!
            var labels: [String: String] = [:]
            if case .object(let fields) = a[1] { for (k, v) in fields { labels[k] = v.stringValue } }
            return (a[0].stringValue!, labels, a[2].numberValue!)
        }
    }

    func testMetricsEndpointParsesAndAgreesWithTheRunStore() throws {
        let spec = "openai-compatible:\(server.url("/v1").absoluteString)#usage-1000-200-300-0"
        let file = try write("metrics.quill", """
            set_price("\(spec)", input: 2.5, output: 10, cache_read: 1.25)
            var m = model("\(spec)")
            batch(range(6), fn(i) => m.gen("metric \\(i)", stream: i % 2 == 0), concurrency: 3)
            try { model("openai-compatible:\(server.url("/v1").absoluteString)#status-503", max_retries: 0).gen("down") } catch e {}
            time.sleep(30)
            """)
        let db = folder.appendingPathComponent("runs.db").path
        let quill = try QuillProcess(["run", "--metrics-port", "0", file], environment: QuillProcess.environment(runStore: db))
        defer { quill.kill() }
        var port = 0
        XCTAssertTrue(QuillProcess.eventually {
            guard let line = quill.stderr.split(separator: "\n").first(where: { $0.contains("/metrics") }),
                  let p = line.split(separator: ":").last?.split(separator: "/").first, let n = Int(p) else { return false }
            port = n
            return true
        }, quill.stderr)
        var text = ""
        XCTAssertTrue(QuillProcess.eventually {
            guard let data = try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/metrics")!) else { return false }
            text = String(decoding: data, as: UTF8.self)
            return text.contains("quill_calls_total{gen_ai_request_model=\"openai-compatible:") && text.contains("status=\"error\"")
        }, text)
        let samples = try parse(text)
        func sum(_ name: String, _ where: [String: String] = [:]) -> Double {
            samples.filter { s in s.name == name && `where`.allSatisfy { s.labels[$0.key] == $0.value } }.map(\.value).reduce(0, +)
        }
        let store = try RunStore(path: db)
        let run = try XCTUnwrap(store.runs().first)
        XCTAssertEqual(sum("quill_calls_total"), Double(run.calls))
        XCTAssertEqual(sum("quill_calls_total", ["status": "error"]), Double(run.errors))
        XCTAssertEqual(sum("quill_tokens_total", ["type": "input"]), Double(run.inputTokens))
        XCTAssertEqual(sum("quill_tokens_total", ["type": "output"]), Double(run.outputTokens))
        XCTAssertEqual(sum("quill_tokens_total", ["type": "cached_input"]), Double(run.cachedInputTokens))
        XCTAssertEqual(sum("quill_cost_usd_total"), Money.double(run.costAmount), accuracy: 1e-12)
        XCTAssertEqual(run.cost, "0.02475")
        // The GenAI histograms, with their conventional labels.
        XCTAssertEqual(sum("gen_ai_client_operation_duration_seconds_count", ["gen_ai_provider_name": "openai-compatible"]), 7)
        XCTAssertEqual(sum("gen_ai_client_token_usage_sum", ["gen_ai_token_type": "input"]), 6000)
        // Measuring time to first chunk streams every request, asked to or not.
        XCTAssertEqual(sum("gen_ai_client_operation_time_to_first_chunk_seconds_count"), 6)
        XCTAssertTrue(samples.contains { $0.name == "gen_ai_client_operation_duration_seconds_count" && $0.labels["error_type"] == "http_503" })
    }

    func testDryRunPricesCallsWithoutSendingAny() throws {
        let spec = "openai-compatible:\(server.url("/v1").absoluteString)#ok"
        let file = try write("dry.quill", """
            set_price("\(spec)", input: 1, output: 2)
            var m = model("\(spec)", max_tokens: 100)
            print(m.gen("hello there"))
            var v = m.gen("extract", schema: {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer", "minimum": 3}}, "required": ["name", "n"]})
            print(v)
            print(model("local").gen("local call", max_tokens: 20))
            """)
        let run = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", "--dry-run", file],
                                        environment: QuillProcess.environment(runStore: folder.appendingPathComponent("runs.db").path))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "[dry run: not sent]\n{\"name\": \"\", \"n\": 3}\n[dry run: not sent]\n")
        XCTAssertTrue(run.stderr.contains("dry run: nothing was sent"), run.stderr)
        XCTAssertTrue(run.stderr.contains("total: 3 calls"), run.stderr)
        XCTAssertEqual(try server.stats().attempts.count, 0)
    }

    func testHooksSeeEveryCallAndAFailingHookDoesNotBreakIt() throws {
        let spec = "openai-compatible:\(server.url("/v1").absoluteString)#flaky-1"
        let reports = Locked<[String]>([])
        var out = ""
        var configuration = QuillRuntime.Configuration()
        configuration.report = { r in reports.withLock { $0.append(r) } }
        let hooked = QuillRuntime(configuration: configuration)
        hooked.output = { out += $0 }
        try hooked.run(source: """
            var seen = []
            var tokens = 0
            var h = on("response", fn(e) { seen.push("\\(e.kind) \\(e.status) \\(e.usage.input_tokens)") })
            on("retry", fn(e) { seen.push("retry \\(e.retry.attempt)") })
            on("token", fn(e) { tokens += 1 })
            on("request", fn(e) { throw "hook failure" })
            var m = model("\(spec)", max_retries: 2)
            print(m.gen("hooked call one", stream: false))
            off(h)
            print(m.gen("hooked call two", stream: false))
            print(seen)
            print(tokens > 0, off(h))
            try { on("respons", fn(e) {}) } catch e { print(e.message) }
            """)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "ok: hooked call one")
        XCTAssertEqual(lines[1], "ok: hooked call two")
        XCTAssertEqual(lines[2], "[\"retry 1\", \"response ok 3\", \"retry 1\"]")
        XCTAssertEqual(lines[3], "true false")
        XCTAssertTrue(lines[4].hasPrefix("on(): unknown event \"respons\""), lines[4])
        XCTAssertEqual(reports.value.count, 2)
        XCTAssertTrue(reports.value[0].contains("hook failure"), reports.value[0])
    }
}

private struct ParseFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
