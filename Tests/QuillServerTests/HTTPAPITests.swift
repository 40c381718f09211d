import Foundation
import XCTest

/// Raw HTTP against the real `quill serve` (as curl would talk to it): error shapes and
/// statuses of both APIs, the health check, the metrics, and the Anthropic stream's wire format.
final class HTTPAPITests: XCTestCase {
    static let key = "raw-key-\(UInt32.random(in: 0 ... .max))"

    func startServer(_ arguments: [String] = []) throws -> (ServerProcess, String) {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key, arguments: arguments)
        return (server, try XCTUnwrap(try ServerProcess.modelIDs(server).first))
    }

    var bearer: [String: String] { ["Authorization": "Bearer \(Self.key)"] }

    func expectStatus(_ status: Int, _ reply: HTTPReply, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, status, "\(message) \(reply.text)", file: file, line: line)
    }

    /// OpenAI's error object of a reply, checked for its four fields.
    func openAIError(_ reply: HTTPReply, status: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
        let error = try XCTUnwrap(try reply.json()["error"] as? [String: Any], reply.text, file: file, line: line)
        XCTAssertEqual(Set(error.keys), ["message", "type", "param", "code"], reply.text, file: file, line: line)
        XCTAssertFalse((error["message"] as? String ?? "").isEmpty, file: file, line: line)
        return error
    }

    /// Anthropic's error of a reply: `{"type":"error","error":{type,message},"request_id"}`.
    func anthropicError(_ reply: HTTPReply, status: Int, type: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
        let body = try reply.json()
        XCTAssertEqual(body["type"] as? String, "error", reply.text, file: file, line: line)
        XCTAssertNotNil(body["request_id"] as? String, file: file, line: line)
        let error = try XCTUnwrap(body["error"] as? [String: Any], reply.text, file: file, line: line)
        XCTAssertEqual(error["type"] as? String, type, reply.text, file: file, line: line)
        return error["message"] as? String ?? ""
    }

    func testErrorShapesAndStatuses() async throws {
        let (server, model) = try startServer(["--max-body-bytes", "4000"])
        defer { server.stop() }
        let base = server.baseURL
        let chat: [String: Any] = ["model": model, "messages": [["role": "user", "content": "Hi"]], "max_tokens": 4]
        let messages: [String: Any] = ["model": model, "max_tokens": 4, "messages": [["role": "user", "content": "Hi"]]]
        let anthropic = ["x-api-key": Self.key, "anthropic-version": "2023-06-01"]

        // 401 in each API's shape: no key, a wrong key.
        var error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: chat), status: 401)
        XCTAssertEqual(error["code"] as? String, "invalid_api_key")
        XCTAssertTrue((error["message"] as? String ?? "").contains("Authorization: Bearer"))
        _ = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: chat, headers: ["Authorization": "Bearer nope"]), status: 401)
        _ = try anthropicError(try await HTTP.post(base + "/v1/messages", json: messages, headers: ["anthropic-version": "2023-06-01"]),
                               status: 401, type: "authentication_error")
        _ = try anthropicError(try await HTTP.post(base + "/v1/messages", json: messages, headers: ["x-api-key": "nope", "anthropic-version": "2023-06-01"]),
                               status: 401, type: "authentication_error")
        // Both ways of giving the key work on /v1/messages.
        expectStatus(200, try await HTTP.post(base + "/v1/messages", json: messages, headers: anthropic))
        expectStatus(200, try await HTTP.post(base + "/v1/messages", json: messages, headers: bearer.merging(["anthropic-version": "2026-10-21"]) { $1 }))

        // anthropic-version: required, and one of the two.
        var message = try anthropicError(try await HTTP.post(base + "/v1/messages", json: messages, headers: ["x-api-key": Self.key]),
                                         status: 400, type: "invalid_request_error")
        XCTAssertTrue(message.contains("anthropic-version"), message)
        message = try anthropicError(try await HTTP.post(base + "/v1/messages", json: messages, headers: ["x-api-key": Self.key, "anthropic-version": "1999-01-01"]),
                                     status: 400, type: "invalid_request_error")
        XCTAssertTrue(message.contains("2023-06-01"), message)

        // 404 for an unknown model, listing the served one.
        var unknown = chat
        unknown["model"] = "gpt-4o"
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: unknown, headers: bearer), status: 404)
        XCTAssertEqual(error["code"] as? String, "model_not_found")
        XCTAssertEqual(error["param"] as? String, "model")
        XCTAssertTrue((error["message"] as? String ?? "").contains("'\(model)'"))
        var unknownMessages = messages
        unknownMessages["model"] = "claude-3-5-haiku-latest"
        message = try anthropicError(try await HTTP.post(base + "/v1/messages", json: unknownMessages, headers: anthropic), status: 404, type: "not_found_error")
        XCTAssertTrue(message.contains(model), message)
        error = try openAIError(try await HTTP.get(base + "/v1/models/nope", headers: bearer), status: 404)
        error = try openAIError(try await HTTP.get(base + "/v1/nothing-here", headers: bearer), status: 404)
        XCTAssertTrue((error["message"] as? String ?? "").contains("/v1/chat/completions"), "lists the endpoints")

        // 400s name the field and what it must be.
        var bad = chat
        bad["max_tokens"] = "ten"
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertEqual(error["param"] as? String, "max_tokens")
        XCTAssertTrue((error["message"] as? String ?? "").contains("integer"), "\(error)")
        bad = chat
        bad["stop"] = ["a", "b", "c", "d", "e"]
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertEqual(error["param"] as? String, "stop")
        bad = chat
        bad["messages"] = [["role": "user", "content": [["type": "image_url", "image_url": ["url": "x"]]]]]
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertEqual(error["param"] as? String, "messages[0].content[0].type")
        bad = chat
        bad["top_logprobs"] = 5
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertTrue((error["message"] as? String ?? "").contains("logprobs"))
        bad = chat
        bad["response_format"] = ["type": "json_schema", "json_schema": ["name": "x", "schema": ["type": "object", "properties": ["a": ["type": "string", "format": "date-time", "not": [:]]]]]]
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertEqual(error["param"] as? String, "response_format.json_schema.schema")
        bad = chat
        bad.removeValue(forKey: "messages")
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: bad, headers: bearer), status: 400)
        XCTAssertEqual(error["param"] as? String, "messages")
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", raw: "{\"model\": ", headers: bearer), status: 400)
        XCTAssertTrue((error["message"] as? String ?? "").contains("not valid JSON"))
        _ = try openAIError(try await HTTP.post(base + "/v1/chat/completions", raw: "[1, 2]", headers: bearer), status: 400)
        _ = try openAIError(try await HTTP.post(base + "/v1/embeddings", json: ["model": model, "input": [1.5]], headers: bearer), status: 400)
        var noMax = messages
        noMax.removeValue(forKey: "max_tokens")
        message = try anthropicError(try await HTTP.post(base + "/v1/messages", json: noMax, headers: anthropic), status: 400, type: "invalid_request_error")
        XCTAssertTrue(message.contains("max_tokens"), message)
        var sampled = messages
        sampled["top_k"] = 5
        message = try anthropicError(try await HTTP.post(base + "/v1/messages", json: sampled, headers: bearer.merging(["anthropic-version": "2026-10-21"]) { $1 }),
                                     status: 400, type: "invalid_request_error")
        XCTAssertTrue(message.contains("top_k"), message)
        expectStatus(200, try await HTTP.post(base + "/v1/messages", json: sampled, headers: anthropic), "top_k is fine under 2023-06-01")

        // 413 over --max-body-bytes, in both shapes.
        var big = chat
        big["messages"] = [["role": "user", "content": String(repeating: "x", count: 5000)]]
        error = try openAIError(try await HTTP.post(base + "/v1/chat/completions", json: big, headers: bearer), status: 413)
        XCTAssertTrue((error["message"] as? String ?? "").contains("4000"))
        var bigMessages = messages
        bigMessages["messages"] = big["messages"]
        _ = try anthropicError(try await HTTP.post(base + "/v1/messages", json: bigMessages, headers: anthropic), status: 413, type: "request_too_large")

        // Unknown extra fields are ignored; the server is still healthy after all of this.
        var extra = chat
        extra["user"] = "someone"
        extra["metadata"] = ["a": "b"]
        extra["store"] = false
        extra["parallel_tool_calls"] = true
        expectStatus(200, try await HTTP.post(base + "/v1/chat/completions", json: extra, headers: bearer))
        let health = try await HTTP.get(base + "/health")
        XCTAssertEqual(health.status, 200, "health needs no key")
        XCTAssertEqual(try health.json()["status"] as? String, "ok")
    }

    /// Bodies of every wrong shape, in every field: each gets a 4xx and the server stays up.
    func testMalformedRequestsNeverCrashTheServer() async throws {
        let (server, model) = try startServer()
        defer { server.stop() }
        let weird: [Any] = [NSNull(), 1, -1, 1e300, "", "x", true, [], [1], [[:]], [:], ["a": 1], [NSNull()]]
        let fields: [(String, [String: Any])] = [
            ("/v1/chat/completions", ["model": model, "messages": [["role": "user", "content": "Hi"]], "max_tokens": 2]),
            ("/v1/completions", ["model": model, "prompt": "Hi", "max_tokens": 2]),
            ("/v1/embeddings", ["model": model, "input": "Hi"]),
            ("/v1/messages", ["model": model, "max_tokens": 2, "messages": [["role": "user", "content": "Hi"]]]),
        ]
        let names = ["model", "messages", "prompt", "input", "max_tokens", "temperature", "top_p", "n", "stop", "stream",
                     "stream_options", "seed", "logprobs", "top_logprobs", "response_format", "encoding_format", "system",
                     "stop_sequences", "max_completion_tokens", "echo", "dimensions", "tools", "top_k", "presence_penalty"]
        var statuses: [Int: Int] = [:]
        for (path, valid) in fields {
            for name in names {
                for value in weird {
                    var body = valid
                    body[name] = value
                    let reply = try await HTTP.post(server.baseURL + path, json: body,
                                                    headers: bearer.merging(["anthropic-version": "2023-06-01"]) { $1 })
                    statuses[reply.status, default: 0] += 1
                    XCTAssertTrue(reply.status == 200 || (400..<500).contains(reply.status), "\(path) \(name)=\(value): \(reply.status) \(reply.text)")
                }
            }
        }
        print("malformed requests, by status: \(statuses.sorted { $0.key < $1.key })")
        expectStatus(200, try await HTTP.get(server.baseURL + "/health"))
    }

    /// The Anthropic stream on the wire: every record has an `event:` line naming its type, in
    /// Anthropic's order, `ping` included.
    func testAnthropicStreamWireFormat() async throws {
        let (server, model) = try startServer()
        defer { server.stop() }
        let reply = try await HTTP.post(server.baseURL + "/v1/messages",
                                        json: ["model": model, "max_tokens": 8, "stream": true, "messages": [["role": "user", "content": "Hi"]]],
                                        headers: bearer.merging(["anthropic-version": "2026-10-21"]) { $1 })
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("text/event-stream") ?? false)
        var events: [String] = []
        for record in reply.text.components(separatedBy: "\n\n") where !record.isEmpty {
            let lines = record.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 2, record)
            XCTAssertTrue(lines[0].hasPrefix("event: "), record)
            XCTAssertTrue(lines[1].hasPrefix("data: "), record)
            let event = String(lines[0].dropFirst("event: ".count))
            let data = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].dropFirst("data: ".count).utf8)) as? [String: Any])
            XCTAssertEqual(data["type"] as? String, event)
            events.append(event)
        }
        XCTAssertEqual(Array(events.prefix(3)), ["message_start", "content_block_start", "ping"])
        XCTAssertEqual(Array(events.suffix(3)), ["content_block_stop", "message_delta", "message_stop"])
        XCTAssertTrue(events.dropFirst(3).dropLast(3).allSatisfy { $0 == "content_block_delta" }, "\(events)")
        XCTAssertFalse(reply.text.contains("[DONE]"))
    }

    /// `/metrics` after a few requests: requests by route and status, token counters equal to the
    /// usage the responses reported, latency histograms, the sequence gauges.
    func testMetricsAfterRequests() async throws {
        let (server, model) = try startServer()
        defer { server.stop() }
        let base = server.baseURL
        let chat: [String: Any] = ["model": model, "messages": [["role": "user", "content": "Name a color."]], "max_tokens": 6, "temperature": 0]
        var input = 0, output = 0
        for _ in 0..<2 {
            let reply = try await HTTP.post(base + "/v1/chat/completions", json: chat, headers: bearer)
            XCTAssertEqual(reply.status, 200)
            let usage = try XCTUnwrap(try reply.json()["usage"] as? [String: Any])
            input += usage["prompt_tokens"] as? Int ?? 0
            output += usage["completion_tokens"] as? Int ?? 0
        }
        var streamed = chat
        streamed["stream"] = true
        expectStatus(200, try await HTTP.post(base + "/v1/chat/completions", json: streamed, headers: bearer))
        var unknown = chat
        unknown["model"] = "nope"
        expectStatus(404, try await HTTP.post(base + "/v1/chat/completions", json: unknown, headers: bearer))
        expectStatus(200, try await HTTP.post(base + "/v1/embeddings", json: ["model": model, "input": ["a b c"]], headers: bearer))

        let reply = try await HTTP.get(base + "/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("text/plain") ?? false)
        let text = reply.text
        func value(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        let route = #"http_request_method="POST",http_route="/v1/chat/completions""#
        XCTAssertEqual(value(#"http_server_requests_total{\#(route),http_response_status_code="200"}"#), 3, text)
        XCTAssertEqual(value(#"http_server_requests_total{\#(route),http_response_status_code="404"}"#), 1, text)
        XCTAssertEqual(value(#"http_server_requests_total{http_request_method="POST",http_route="/v1/embeddings",http_response_status_code="200"}"#), 1)
        // Two identical greedy requests plus the streamed one: three times the first's usage.
        let labels = #"gen_ai_operation_name="chat",gen_ai_request_model="\#(model)""#
        XCTAssertEqual(value(#"gen_ai_server_token_usage_total{\#(labels),gen_ai_token_type="input"}"#), Double(input / 2 * 3), text)
        XCTAssertEqual(value(#"gen_ai_server_token_usage_total{\#(labels),gen_ai_token_type="output"}"#), Double(output / 2 * 3), text)
        XCTAssertEqual(value(#"gen_ai_server_time_to_first_token_seconds_count{\#(labels)}"#), 3)
        XCTAssertEqual(value(#"gen_ai_server_time_to_first_token_seconds_bucket{\#(labels),le="+Inf"}"#), 3)
        XCTAssertEqual(value(#"gen_ai_server_request_duration_seconds_count{\#(labels)}"#), 3)
        XCTAssertNotNil(value(#"gen_ai_server_time_per_output_token_seconds_sum{\#(labels)}"#), text)
        XCTAssertNotNil(value(#"gen_ai_server_token_usage_total{gen_ai_operation_name="embeddings",gen_ai_request_model="\#(model)",gen_ai_token_type="input"}"#))
        XCTAssertEqual(value(#"quill_server_sequences{gen_ai_request_model="\#(model)",state="running"}"#), 0)
        XCTAssertEqual(value(#"quill_server_sequences{gen_ai_request_model="\#(model)",state="waiting"}"#), 0)
        XCTAssertNotNil(value(#"http_server_request_duration_seconds_count{\#(route),http_response_status_code="200"}"#))
        for family in ["gen_ai_server_time_to_first_token_seconds", "gen_ai_server_time_per_output_token_seconds",
                       "gen_ai_server_request_duration_seconds", "http_server_request_duration_seconds"] {
            XCTAssertTrue(text.contains("# TYPE \(family) histogram"), family)
        }
        XCTAssertTrue(text.contains("# TYPE gen_ai_server_token_usage_total counter"))
    }
}
