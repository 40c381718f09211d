import Foundation
import QuillLLM
import QuillTestSupport
import XCTest

/// The fault server keeps the promises its docstring makes, so adapter tests can rely on it:
/// each protocol's stream shape, usage rule, error shapes and faults, read through the transport.
final class FaultServerTests: XCTestCase {
    private var server: FaultServer!
    private let transport = URLSessionTransport()

    override func setUpWithError() throws {
        server = try FaultServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func post(_ path: String, _ body: [String: Any], version: String? = "2023-06-01") async throws
        -> (status: Int, body: Data) {
        var headers = [(name: "x-api-key", value: "sk-ant-test")]
        if let version { headers.append(("anthropic-version", version)) }
        let request = HTTPRequest(url: server.url(path), headers: headers,
                                  body: try JSONSerialization.data(withJSONObject: body))
        let response = try await transport.send(request)
        return (response.head.status, try await response.collect())
    }

    private func json(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    private func events(_ data: Data) -> [ServerSentEvent] {
        var parser = SSEParser()
        return parser.feed(data) + parser.finish()
    }

    private func chat(_ model: String, _ text: String, stream: Bool, _ extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = ["model": model, "stream": stream, "max_tokens": 100,
                                   "messages": [["role": "system", "content": "be brief"], ["role": "user", "content": text]]]
        body.merge(extra) { _, new in new }
        return body
    }

    func testOpenAIStreamWithUsage() async throws {
        let (status, data) = try await post("/v1/chat/completions",
                                            chat("ok", "a b c", stream: true, ["stream_options": ["include_usage": true]]))
        XCTAssertEqual(status, 200)
        let all = events(data)
        XCTAssertEqual(all.last?.data, "[DONE]")
        let chunks = all.dropLast().map { json(Data($0.data.utf8)) }
        XCTAssertTrue(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" && $0.keys.contains("usage") })
        let text = chunks.compactMap { chunk -> String? in
            ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        XCTAssertEqual(text, "ok: a b c")
        // The usage chunk comes last, with no choices: 2 + 3 words in, 4 out.
        let usage = try XCTUnwrap(chunks.last)
        XCTAssertEqual((usage["choices"] as? [Any])?.count, 0)
        XCTAssertEqual(usage["usage"] as? [String: Int], ["prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9])
        let finish = (chunks[chunks.count - 2]["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
        XCTAssertEqual(finish, "stop")
    }

    func testAnthropicStreamInTheRealOrder() async throws {
        let (status, data) = try await post("/v1/messages", chat("ok", "a b", stream: true))
        XCTAssertEqual(status, 200)
        let all = events(data)
        XCTAssertEqual(all.map { $0.event ?? "" }, ["message_start", "content_block_start", "ping",
                                                    "content_block_delta", "content_block_delta", "content_block_delta",
                                                    "content_block_stop", "message_delta", "message_stop"])
        for event in all {
            XCTAssertEqual(json(Data(event.data.utf8))["type"] as? String, event.event)
        }
        let delta = json(Data(all[7].data.utf8))
        XCTAssertEqual((delta["delta"] as? [String: Any])?["stop_reason"] as? String, "end_turn")
        XCTAssertEqual((delta["usage"] as? [String: Int])?["output_tokens"], 3)
    }

    func testOllamaNDJSON() async throws {
        let (status, data) = try await post("/api/chat", chat("ok", "a b", stream: true, ["options": ["num_predict": 2]]))
        XCTAssertEqual(status, 200)
        var parser = NDJSONParser()
        let lines = (parser.feed(data) + parser.finish()).map { json(Data($0.utf8)) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines.dropLast().compactMap { ($0["message"] as? [String: Any])?["content"] as? String }.joined(), "ok: a")
        let last = try XCTUnwrap(lines.last)
        XCTAssertEqual(last["done"] as? Bool, true)
        XCTAssertEqual(last["done_reason"] as? String, "length")
        XCTAssertEqual(last["prompt_eval_count"] as? Int, 4)
        XCTAssertEqual(last["eval_count"] as? Int, 2)
    }

    func testNonStreamingAnswersAndStops() async throws {
        let openAI = json(try await post("/v1/chat/completions", chat("ok", "one two. three", stream: false, ["stop": "."])).body)
        let choice = (openAI["choices"] as? [[String: Any]])?.first
        XCTAssertEqual((choice?["message"] as? [String: Any])?["content"] as? String, "ok: one two")
        XCTAssertEqual(choice?["finish_reason"] as? String, "stop")

        let anthropic = json(try await post("/v1/messages", chat("ok", "one two. three", stream: false, ["stop_sequences": ["."]])).body)
        XCTAssertEqual(anthropic["stop_reason"] as? String, "stop_sequence")
        XCTAssertEqual(anthropic["stop_sequence"] as? String, ".")
        XCTAssertEqual((anthropic["content"] as? [[String: Any]])?.first?["text"] as? String, "ok: one two")
        XCTAssertEqual(anthropic["usage"] as? [String: Int],
                       ["input_tokens": 5, "output_tokens": 3, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0])
    }

    func testErrorShapes() async throws {
        let overloaded = try await post("/v1/messages", chat("status-529", "x", stream: true))
        XCTAssertEqual(overloaded.status, 529)
        XCTAssertEqual(json(overloaded.body)["type"] as? String, "error")
        XCTAssertEqual((json(overloaded.body)["error"] as? [String: Any])?["type"] as? String, "overloaded_error")

        let notFound = try await post("/v1/chat/completions", chat("status-404", "x", stream: false))
        XCTAssertEqual(notFound.status, 404)
        XCTAssertEqual((json(notFound.body)["error"] as? [String: Any])?["code"] as? String, "model_not_found")

        let ollama = try await post("/api/chat", chat("status-500", "x", stream: true))
        XCTAssertEqual(ollama.status, 500)
        XCTAssertNotNil(json(ollama.body)["error"] as? String)

        let noVersion = try await post("/v1/messages", chat("ok", "x", stream: false), version: nil)
        XCTAssertEqual(noVersion.status, 400)
        let newVersion = try await post("/v1/messages", chat("ok", "x", stream: false, ["temperature": 0.5]), version: "2026-10-21")
        XCTAssertEqual(newVersion.status, 400)
    }

    func testMidstreamErrors() async throws {
        let openAI = events(try await post("/v1/chat/completions", chat("midstream-error", "a b c d", stream: true)).body)
        XCTAssertNotNil(json(Data(openAI.last!.data.utf8))["error"])
        XCTAssertFalse(openAI.contains { $0.data == "[DONE]" })

        let anthropic = events(try await post("/v1/messages", chat("midstream-error", "a b c d", stream: true)).body)
        XCTAssertEqual(anthropic.last?.event, "error")
        XCTAssertEqual((json(Data(anthropic.last!.data.utf8))["error"] as? [String: Any])?["type"] as? String, "overloaded_error")

        var parser = NDJSONParser()
        let ollama = parser.feed(try await post("/api/chat", chat("midstream-error", "a b c d", stream: true)).body)
        XCTAssertNotNil(json(Data(ollama.last!.utf8))["error"] as? String)
    }

    func testMalformedBodiesAreNotJSON() async throws {
        let answer = try await post("/v1/chat/completions", chat("malformed", "x", stream: false))
        XCTAssertEqual(answer.status, 200)
        XCTAssertThrowsError(try JSONSerialization.jsonObject(with: answer.body))
        let stream = events(try await post("/v1/messages", chat("malformed", "x", stream: true)).body)
        XCTAssertEqual(stream.first?.event, "message_start")
        XCTAssertThrowsError(try JSONSerialization.jsonObject(with: Data(stream.first!.data.utf8)))
    }

    /// `random-<pct>` fails the same attempts every run (a hash of the text and attempt number).
    func testRandomFaultsAreRepeatable() async throws {
        func statuses() async throws -> [Int] {
            var all: [Int] = []
            for _ in 0..<12 { all.append(try await post("/api/chat", chat("random-50", "dice", stream: false)).status) }
            return all
        }
        let first = try await statuses()
        try server.reset()
        let second = try await statuses()
        XCTAssertEqual(second, first)
        XCTAssertTrue(first.contains(200))
        XCTAssertTrue(first.contains { $0 != 200 })
        XCTAssertEqual(try server.stats().attempts["dice"], 12)
        XCTAssertEqual(try server.stats().successes["dice"], first.filter { $0 == 200 }.count)
    }
}
