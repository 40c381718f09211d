import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuillLLM
import QuillOTel
import QuillTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// OTLPTraceExporter against a loopback collector (`Tests/Servers/otlp_collector.py`): what
/// the spans of a run look like on the wire, reading the OpenTelemetry environment variables,
/// and a collector that is down.
final class OTLPExporterTests: XCTestCase {
    private typealias Configuration = OTLPTraceExporter.Configuration

    private var collector: OTLPCollector!

    // Started here, on the main thread, rather than in the async tests: a process spawned from
    // a concurrency thread inherits that thread's blocked signals, SIGTERM among them.
    override func setUpWithError() throws { collector = try OTLPCollector() }

    override func tearDown() {
        collector?.stop()
        collector = nil
    }

    /// A finished chat call to openai:gpt-4o-mini that ended at `time`.
    private func response(time: Double) -> CallEvent {
        var e = CallEvent(kind: .response, id: CallEvent.newID(), time: time, model: "openai:gpt-4o-mini",
                          provider: "openai", operation: "chat", promptHash: "0123456789abcdef",
                          parameters: LLMParameters(temperature: 0.2, maxTokens: 64, stop: ["\n\n"]))
        e.status = .ok
        e.usage = LLMUsage(inputTokens: 100, outputTokens: 20, cachedInputTokens: 30)
        e.cost = .usd(Money.parse("0.0000345")!)
        e.latency = 0.5
        e.timeToFirstToken = 0.2
        e.finishReason = "stop"
        return e
    }

    func testCallsBecomeChildSpansOfTheRunWithGenAIAttributes() async throws {
        let warnings = Locked<[String]>([])
        let configuration = Configuration(endpoint: collector.endpoint, headers: ["x-api-key": "secret"],
                                          scriptName: "triage.quill", flushInterval: 600)
        let exporter = OTLPTraceExporter(configuration: configuration) { m in warnings.withLock { $0.append(m) } }
        let bus = EventBus()
        exporter.attach(to: bus)

        let end = Date().timeIntervalSince1970
        let ok = response(time: end)
        bus.publish(ok)
        var failed = CallEvent(kind: .error, id: CallEvent.newID(), parentSpan: "row-7", time: end,
                               model: "openai:gpt-4o-mini", provider: "openai", operation: "chat",
                               promptHash: "fedcba9876543210")
        failed.status = .error
        failed.latency = 0.1
        failed.error = "openai:gpt-4o-mini answered HTTP 503: overloaded"
        failed.errorType = "http_503"
        bus.publish(failed)
        // A dry run sends nothing, so it is no call to trace.
        var dryRun = response(time: end)
        dryRun.status = .dryRun
        bus.publish(dryRun)
        await exporter.shutdown()

        XCTAssertEqual(warnings.value, [])
        XCTAssertEqual(exporter.exportedSpanCount, 3)
        let spans = try await collector.spans()
        XCTAssertEqual(spans.count, 3)
        XCTAssertEqual(Set(spans.map { $0["traceId"] as? String }), [exporter.traceID])

        let root = try XCTUnwrap(spans.first { ($0["parentSpanId"] as? String ?? "").isEmpty })
        XCTAssertEqual(root["spanId"] as? String, exporter.rootSpanID)
        XCTAssertEqual(root["name"] as? String, "quill run triage.quill")
        XCTAssertEqual(string(root, "quill.calls", "intValue"), "2")
        XCTAssertEqual(string(root, "quill.cost_usd"), "0.0000345")
        let resource = try XCTUnwrap(root["resource"] as? [[String: Any]])
        XCTAssertEqual(string(["attributes": resource], "service.name"), "quill")
        XCTAssertEqual(string(["attributes": resource], "telemetry.sdk.language"), "swift")

        let call = try XCTUnwrap(spans.first { $0["spanId"] as? String == ok.id })
        XCTAssertEqual(call["name"] as? String, "chat openai:gpt-4o-mini")
        XCTAssertEqual(call["parentSpanId"] as? String, exporter.rootSpanID)
        XCTAssertEqual((call["kind"] as? NSNumber)?.intValue, 3)
        XCTAssertEqual(string(call, "gen_ai.operation.name"), "chat")
        XCTAssertEqual(string(call, "gen_ai.provider.name"), "openai")
        XCTAssertEqual(string(call, "gen_ai.request.model"), "openai:gpt-4o-mini")
        XCTAssertEqual(string(call, "gen_ai.request.max_tokens", "intValue"), "64")
        XCTAssertEqual(number(call, "gen_ai.request.temperature"), 0.2)
        XCTAssertEqual(strings(call, "gen_ai.request.stop_sequences"), ["\n\n"])
        XCTAssertEqual(strings(call, "gen_ai.response.finish_reasons"), ["stop"])
        XCTAssertEqual(string(call, "gen_ai.usage.input_tokens", "intValue"), "100")
        XCTAssertEqual(string(call, "gen_ai.usage.output_tokens", "intValue"), "20")
        XCTAssertEqual(string(call, "gen_ai.usage.cache_read.input_tokens", "intValue"), "30")
        XCTAssertEqual(string(call, "quill.cost_usd"), "0.0000345")
        XCTAssertEqual(string(call, "quill.call.id"), ok.id)
        XCTAssertEqual(string(call, "quill.prompt_hash"), "0123456789abcdef")
        XCTAssertEqual(number(call, "quill.latency_s"), 0.5)
        XCTAssertEqual(number(call, "quill.ttft_s"), 0.2)
        XCTAssertNil(attribute(call, "error.type"))
        XCTAssertEqual(((call["status"] as? [String: Any])?["code"] as? NSNumber)?.intValue, 1)
        let start = try XCTUnwrap(UInt64(call["startTimeUnixNano"] as? String ?? ""))
        let stop = try XCTUnwrap(UInt64(call["endTimeUnixNano"] as? String ?? ""))
        XCTAssertEqual(Double(stop - start) / 1e9, 0.5, accuracy: 0.001)
        XCTAssertEqual(Double(stop) / 1e9, end, accuracy: 0.001)

        let error = try XCTUnwrap(spans.first { $0["spanId"] as? String == failed.id })
        XCTAssertEqual(error["parentSpanId"] as? String, exporter.rootSpanID)
        let status = try XCTUnwrap(error["status"] as? [String: Any])
        XCTAssertEqual((status["code"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual(status["message"] as? String, failed.error)
        XCTAssertEqual(string(error, "error.type"), "http_503")
        XCTAssertEqual(string(error, "quill.parent_span"), "row-7")
        XCTAssertNil(attribute(error, "gen_ai.usage.input_tokens"))

        // One request (the run span waits for shutdown, by when the calls are queued with it),
        // carrying the content type and the configured header.
        let requests = try await collector.requests()
        XCTAssertEqual(requests.count, 1)
        let headers = requests.first?["headers"] as? [String: String]
        XCTAssertEqual(headers?["content-type"], "application/json")
        XCTAssertEqual(headers?["x-api-key"], "secret")
    }

    func testAFullBatchIsSentWithoutWaitingAndShutdownBlockingSendsTheRest() throws {
        let configuration = Configuration(endpoint: collector.endpoint, flushInterval: 600, maxBatchSize: 2)
        let exporter = OTLPTraceExporter(configuration: configuration) { XCTFail("unexpected warning: \($0)") }
        let bus = EventBus()
        exporter.attach(to: bus)
        for _ in 0..<2 { bus.publish(response(time: Date().timeIntervalSince1970)) }
        let deadline = Date().addingTimeInterval(10)
        while exporter.exportedSpanCount < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(exporter.exportedSpanCount, 2)

        bus.publish(response(time: Date().timeIntervalSince1970))
        XCTAssertTrue(exporter.shutdownBlocking(timeout: 10))
        XCTAssertEqual(exporter.exportedSpanCount, 4)
        // Detached at shutdown: later calls are not traced.
        bus.publish(response(time: Date().timeIntervalSince1970))
        XCTAssertTrue(exporter.shutdownBlocking(timeout: 10))
        XCTAssertEqual(exporter.exportedSpanCount, 4)
    }

    func testConfigurationFromEnvironment() throws {
        XCTAssertNil(try Configuration.fromEnvironment([:]))
        XCTAssertNil(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": ""]))
        XCTAssertNil(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                                                        "OTEL_SDK_DISABLED": "true"]))

        func endpoint(_ env: [String: String]) throws -> String? {
            try Configuration.fromEnvironment(env)?.endpoint.absoluteString
        }
        XCTAssertEqual(try endpoint(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]), "http://collector:4318/v1/traces")
        XCTAssertEqual(try endpoint(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"]), "http://collector:4318/v1/traces")
        XCTAssertEqual(try endpoint(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com/otlp/"]),
                       "https://otlp.example.com/otlp/v1/traces")
        // The signal's own endpoint is used as is, and wins over the base.
        XCTAssertEqual(try endpoint(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://localhost:9999/custom",
                                     "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]), "http://localhost:9999/custom")

        let c = try XCTUnwrap(try Configuration.fromEnvironment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%20123, x-team = ml%2Cops,broken,x-both=generic",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-both=traces",
            "OTEL_SERVICE_NAME": "triage",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
        ]))
        XCTAssertEqual(c.headers, ["api-key": "abc 123", "x-team": "ml,ops", "x-both": "traces"])
        XCTAssertEqual(c.serviceName, "triage")
        XCTAssertEqual(c.timeout, 2.5)
        XCTAssertEqual(c.warnings.count, 1)
        XCTAssertTrue(c.warnings.first?.contains("broken") ?? false, "\(c.warnings)")

        let plain = try XCTUnwrap(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                                                                     "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]))
        XCTAssertEqual(plain.serviceName, "quill")
        XCTAssertEqual(plain.headers, [:])
        XCTAssertEqual(plain.warnings, [])
        for (variable, value) in [("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")] {
            let other = try XCTUnwrap(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                                                                         variable: value]))
            XCTAssertEqual(other.warnings.count, 1)
            XCTAssertTrue(other.warnings.first?.contains("http/json") ?? false, "\(other.warnings)")
        }

        for bad in ["localhost:4318", "not a url", "ftp://collector:4318", "http://"] {
            XCTAssertThrowsError(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": bad]), bad) { error in
                let e = error as? OTLPTraceExporter.ConfigurationError
                XCTAssertEqual(e?.variable, "OTEL_EXPORTER_OTLP_ENDPOINT")
                XCTAssertEqual(e?.value, bad)
                XCTAssertTrue("\(error)".contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Configuration.fromEnvironment(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector"]))
    }

    func testACollectorThatIsDownIsReportedOnceAndTheSpansAreDropped() async throws {
        // A port that was just listening and now is not: connections are refused.
        let gone = collector!
        gone.stop()
        var configuration = try XCTUnwrap(try Configuration.fromEnvironment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(gone.port)", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        ]))
        configuration.flushInterval = 0.05
        configuration.timeout = 5
        let warnings = Locked<[String]>([])
        let exporter = OTLPTraceExporter(configuration: configuration) { m in warnings.withLock { $0.append(m) } }
        XCTAssertEqual(warnings.value.count, 1, "the protocol warning, once: \(warnings.value)")

        let bus = EventBus()
        exporter.attach(to: bus)
        for _ in 0..<3 {
            bus.publish(response(time: Date().timeIntervalSince1970))
            // Let the timer try (and fail) more than once.
            try await Task.sleep(nanoseconds: 150_000_000)
        }
        await exporter.shutdown()

        XCTAssertEqual(exporter.exportedSpanCount, 0)
        let failures = warnings.value.filter { $0.contains("could not send traces") }
        XCTAssertEqual(failures.count, 1, "\(warnings.value)")
        XCTAssertTrue(failures.first?.contains("127.0.0.1:\(gone.port)") ?? false, "\(failures)")
    }

    // MARK: Reading spans

    /// The value object of a span's attribute (`{"stringValue": …}`), if it has the attribute.
    /// `quill run` with OTEL_EXPORTER_OTLP_ENDPOINT set sends its calls' spans to the collector.
    /// Synchronous, so the fault server is started and stopped on the main thread (see setUp).
    func testQuillRunSendsItsCallsToTheCollector() throws {
        let fault = try FaultServer()
        defer { fault.stop() }
        let spec = "openai-compatible:\(fault.url("/v1").absoluteString)#usage-50-7-0-0"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quill-otel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("traced.quill").path
        try """
            set_price("\(spec)", input: 1, output: 2)
            var m = model("\(spec)", max_tokens: 9, temperature: 0.5)
            batch(["a", "b"], fn(x) => m.gen("traced \\(x)"), concurrency: 2)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run(ProcessRunner.quillBinary, ["run", "--no-record", file], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)", "OTEL_SERVICE_NAME": "otel-test",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let received = Locked<Result<[[String: Any]], Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let collector = self.collector!
        Task {
            do { received.value = .success(try await collector.spans()) } catch { received.value = .failure(error) }
            done.signal()
        }
        done.wait()
        let spans = try XCTUnwrap(received.value).get()
        XCTAssertEqual(spans.count, 3, "\(spans)")
        let calls = spans.filter { ($0["name"] as? String)?.hasPrefix("chat ") == true }
        XCTAssertEqual(calls.count, 2)
        for span in calls {
            XCTAssertEqual(span["name"] as? String, "chat \(spec)")
            XCTAssertEqual(string(span, "gen_ai.provider.name"), "openai-compatible")
            XCTAssertEqual(string(span, "gen_ai.usage.input_tokens", "intValue"), "50")
            XCTAssertEqual(string(span, "gen_ai.usage.output_tokens", "intValue"), "7")
            XCTAssertEqual(string(span, "gen_ai.request.max_tokens", "intValue"), "9")
            XCTAssertEqual(number(span, "gen_ai.request.temperature"), 0.5)
            XCTAssertEqual(string(span, "quill.cost_usd"), "0.000064")   // (50 × 1 + 7 × 2) / 1e6
        }
    }

    private func attribute(_ span: [String: Any], _ key: String) -> [String: Any]? {
        let attributes = span["attributes"] as? [[String: Any]] ?? []
        return attributes.first { $0["key"] as? String == key }?["value"] as? [String: Any]
    }

    /// A string-encoded attribute value: `stringValue`, or `intValue` (int64 is a string in OTLP JSON).
    private func string(_ span: [String: Any], _ key: String, _ field: String = "stringValue") -> String? {
        attribute(span, key)?[field] as? String
    }

    private func number(_ span: [String: Any], _ key: String) -> Double? {
        (attribute(span, key)?["doubleValue"] as? NSNumber)?.doubleValue
    }

    private func strings(_ span: [String: Any], _ key: String) -> [String]? {
        let values = (attribute(span, key)?["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]]
        return values?.compactMap { $0["stringValue"] as? String }
    }
}

/// The loopback collector running for one test: starts `python3` from PATH, waits for its
/// `PORT <n>` line, and reads back what it received.
private final class OTLPCollector: @unchecked Sendable {
    private let server: LoopbackScript
    var port: Int { server.port }

    init() throws { server = try LoopbackScript("otlp_collector.py") }

    func stop() { server.stop() }

    /// Where the exporter sends spans.
    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)/v1/traces")! }

    /// Every span received, as received, each with its resource's attributes under "resource".
    func spans() async throws -> [[String: Any]] {
        try await list("/spans", "spans")
    }

    /// One `{"headers", "spans"}` entry per export request received.
    func requests() async throws -> [[String: Any]] {
        try await list("/requests", "requests")
    }

    private func list(_ path: String, _ key: String) async throws -> [[String: Any]] {
        let data = try await get(path)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object[key] as? [[String: Any]] else {
            throw CollectorError(message: "GET \(path) did not answer {\"\(key)\": [...]}")
        }
        return list
    }

    /// A GET through URLSession's completion-handler API, which Foundation has on every platform.
    private func get(_ path: String) async throws -> Data {
        let url = URL(string: "http://127.0.0.1:\(port)\(path)")!
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: 10)) { data, response, error in
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if let data, status == 200 {
                    continuation.resume(returning: data)
                } else {
                    continuation.resume(throwing: CollectorError(
                        message: "GET \(path) on the collector failed: \(error.map { "\($0)" } ?? "HTTP \(status)")"))
                }
            }.resume()
        }
    }
}

private struct CollectorError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
