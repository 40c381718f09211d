import Foundation
import QuillTestSupport
import XCTest

/// Streams under load and at their edges: 64 clients at once, a client that hangs up, and a
/// server asked to stop while a stream is running.
final class StreamingTests: XCTestCase {
    static let key = "stream-key"

    /// 64 clients of the async openai SDK streaming at once all get complete streams.
    func testSixtyFourConcurrentStreamingClients() throws {
        try Python.requireSDKs()
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let model = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let out = try Python.run("concurrent_streams.py", [server.baseURL, Self.key, model, "64", "16"])
        XCTAssertEqual(out["errors"] as? [String], [])
        let results = try XCTUnwrap(out["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 64)
        for result in results {
            XCTAssertFalse((result["text"] as? String ?? "").isEmpty, "\(result)")
            XCTAssertTrue(["stop", "length"].contains(result["finish"] as? String ?? ""), "\(result)")
            XCTAssertGreaterThan(result["completion_tokens"] as? Int ?? 0, 0, "\(result)")
        }
        let metrics = try metricsText(server)
        XCTAssertTrue(metrics.contains(#"http_server_requests_total{http_request_method="POST",http_route="/v1/chat/completions",http_response_status_code="200"} 64"#), metrics)
        XCTAssertTrue(metrics.contains(#"quill_server_sequences{gen_ai_request_model="\#(model)",state="running"} 0"#), metrics)
    }

    /// A client that closes the connection mid-stream cancels its generation: the server counts
    /// it cancelled and its sequence is released, long before max_tokens.
    func testDisconnectCancelsGeneration() throws {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let model = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let out = try Python.run("stream_client.py", [server.baseURL, Self.key, model, "4000", "disconnect"])
        XCTAssertEqual(out["records"] as? Int, 3)
        XCTAssertEqual(out["done"] as? Bool, false)
        // The server notices at its next write; wait (bounded) for the metrics to say so.
        let cancelled = #"quill_server_generations_cancelled_total{gen_ai_request_model="\#(model)"} 1"#
        let released = #"quill_server_sequences{gen_ai_request_model="\#(model)",state="running"} 0"#
        var metrics = ""
        for _ in 0..<600 {
            metrics = try metricsText(server)
            if metrics.contains(cancelled) && metrics.contains(released) { break }
            usleep(100_000)
        }
        XCTAssertTrue(metrics.contains(cancelled), metrics)
        XCTAssertTrue(metrics.contains(released), metrics)
        // No output tokens were counted for a generation nobody received to the end.
        XCTAssertFalse(metrics.contains(#"gen_ai_token_type="output"} 4000"#))
        // And the server goes on serving.
        let again = try Python.run("stream_client.py", [server.baseURL, Self.key, model, "8", "finish"])
        XCTAssertEqual(again["done"] as? Bool, true)
    }

    /// SIGTERM while a stream runs: the server stops listening but finishes the stream (to its
    /// `[DONE]`), then exits with status 0.
    func testGracefulShutdownFinishesInFlightStreams() throws {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        let model = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["python3", Python.scripts.appendingPathComponent("stream_client.py").path, server.baseURL, Self.key, model, "200", "finish"]
        client.environment = Python.environment
        let out = Pipe()
        client.standardOutput = out
        try client.run()
        // Wait for the first record, then ask the server to stop.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("STARTED\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            seen.append(byte)
        }
        XCTAssertTrue(String(decoding: seen, as: UTF8.self).contains("STARTED"), "the stream started")
        let stopped = server.stop()
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: rest) as? [String: Any], String(decoding: rest, as: UTF8.self))
        XCTAssertEqual(summary["done"] as? Bool, true, "the in-flight stream ran to [DONE]: \(summary)")
        XCTAssertEqual(summary["finish"] as? String, "length")
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("stopped"), stopped.stderr)
    }

    func metricsText(_ server: ServerProcess) throws -> String {
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"),
                                           ["python3", "-c", "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                                            server.baseURL + "/metrics"], environment: Python.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }
}
