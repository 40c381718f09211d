import Foundation
import QuillEngine
import XCTest

/// The official Python SDKs (openai, anthropic) against the real `quill serve` binary on a
/// loopback port, serving SmolLM2. Token counts and greedy texts are checked against the same
/// model run in-process.
final class PythonSDKTests: XCTestCase {
    static let key = "test-key-\(UInt32.random(in: 0 ... .max))"

    /// The served model in this process, for the expected token counts and greedy outputs.
    static let reference: LocalModel? = try? LocalModel(path: try ServerTestModel.path())

    func referenceModel() throws -> LocalModel {
        try XCTUnwrap(Self.reference, "cannot load \(String(describing: try? ServerTestModel.path()))")
    }

    /// Prompt tokens as the server must count them: the chat-templated conversation.
    func templatedTokens(_ messages: [ChatMessage]) throws -> Int {
        let model = try referenceModel()
        return model.tokenizer.encode(model.chatTemplate.render(messages), addSpecial: true, parseSpecial: true).count
    }

    /// The greedy reply the engine gives in-process.
    func greedy(_ messages: [ChatMessage], maxTokens: Int, stop: [String] = []) throws -> GenerationResult {
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = maxTokens
        options.stop = stop
        return try referenceModel().generate(chat: messages, options: options)
    }

    func testOpenAISDK() throws {
        try Python.requireSDKs()
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let modelID = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let out = try Python.run("openai_sdk.py", [server.baseURL, Self.key, modelID])
        let question = [ChatMessage(role: "user", content: "What is the capital of France?")]
        let expected = try greedy(question, maxTokens: 24)
        let promptTokens = try templatedTokens(question)

        // Non-streaming: the engine's greedy reply, and usage exactly the tokenizer's counts.
        let chat = try XCTUnwrap(out["chat"] as? [String: Any])
        XCTAssertEqual(chat["content"] as? String, expected.text)
        XCTAssertEqual(chat["role"] as? String, "assistant")
        XCTAssertEqual(chat["object"] as? String, "chat.completion")
        XCTAssertEqual(chat["finish_reason"] as? String, expected.finishReason == .length ? "length" : "stop")
        let usage = try XCTUnwrap(chat["usage"] as? [String: Any])
        XCTAssertEqual(usage["prompt_tokens"] as? Int, promptTokens)
        XCTAssertEqual(usage["completion_tokens"] as? Int, expected.tokens.count)
        XCTAssertEqual(usage["total_tokens"] as? Int, promptTokens + expected.tokens.count)
        XCTAssertEqual(chat["logprob_tokens"] as? Int, expected.tokens.count)
        XCTAssertEqual(chat["top_logprobs"] as? [Int], Array(repeating: 3, count: expected.tokens.count))

        // Streaming: the same text; role first, usage null until the last chunk, which has no choices.
        let stream = try XCTUnwrap(out["stream"] as? [String: Any])
        XCTAssertEqual(stream["content"] as? String, expected.text)
        XCTAssertEqual(stream["first_role"] as? String, "assistant")
        XCTAssertEqual(stream["usage_in_every_chunk_but_last_is_null"] as? Bool, true)
        XCTAssertEqual(stream["last_choices"] as? Int, 0)
        let streamUsage = try XCTUnwrap(stream["usage"] as? [String: Any])
        XCTAssertEqual(streamUsage["prompt_tokens"] as? Int, promptTokens)
        XCTAssertEqual(streamUsage["completion_tokens"] as? Int, expected.tokens.count)

        // Structured output parses and fits the schema.
        let structured = try XCTUnwrap(out["json_schema"] as? [String: Any])
        XCTAssertEqual(structured["finish_reason"] as? String, "stop")
        let content = try XCTUnwrap(structured["content"] as? String)
        let schemaData = try JSONSerialization.data(withJSONObject: try XCTUnwrap(structured["schema"]))
        let schema = try JSONValue.parse(String(decoding: schemaData, as: UTF8.self))
        XCTAssertEqual(JSONSchemaValidator.validate(try JSONValue.parse(content), against: schema), [], content)

        // n choices: three, numbered; the prompt counted once.
        let n = try XCTUnwrap(out["n"] as? [String: Any])
        XCTAssertEqual((n["choices"] as? [String])?.count, 3)
        XCTAssertEqual(n["indexes"] as? [Int], [0, 1, 2])
        XCTAssertEqual((n["usage"] as? [String: Any])?["prompt_tokens"] as? Int, promptTokens)
        XCTAssertFalse((n["choices"] as? [String] ?? []).contains { $0.contains("\n") }, "the stop string ends each choice")

        // Completions: one choice per prompt; prompt tokens are the plain texts' tokens.
        let completions = try XCTUnwrap(out["completions"] as? [String: Any])
        XCTAssertEqual((completions["texts"] as? [String])?.count, 2)
        let model = try referenceModel()
        let plain = ["The capital of France is", "1, 2, 3,"].map { model.tokenizer.encode($0, addSpecial: true, parseSpecial: false).count }
        XCTAssertEqual((completions["usage"] as? [String: Any])?["prompt_tokens"] as? Int, plain.reduce(0, +))

        XCTAssertEqual(out["models"] as? [String], [modelID])
        XCTAssertEqual(out["model"] as? String, modelID)

        // Embeddings: base64 (the SDK's default) and floats agree, and match the engine's vectors.
        let embeddings = try XCTUnwrap(out["embeddings"] as? [String: Any])
        let byDefault = try XCTUnwrap(embeddings["default"] as? [[Double]])
        let floats = try XCTUnwrap(embeddings["float"] as? [[Double]])
        XCTAssertEqual(byDefault.count, 2)
        XCTAssertEqual(byDefault.first?.count, model.transformer.config.embeddingLength)
        for (a, b) in zip(byDefault, floats) {
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 1, 1e-6, "base64 and float encodings carry the same vector")
        }
        let raw = try XCTUnwrap(embeddings["raw_base64_decoded"] as? [Double])
        let local = try model.transformer.embedding(of: model.tokenizer.encode("The quick brown fox jumps over the lazy dog.", addSpecial: true, parseSpecial: false))
        XCTAssertEqual(raw.count, local.count)
        XCTAssertLessThan(zip(raw, local).map { abs($0 - Double($1)) }.max() ?? 1, 1e-6, "little-endian float32, as computed by the engine")

        // Errors arrive as the SDK's typed exceptions.
        let notFound = try XCTUnwrap(out["not_found"] as? [String: Any], "an unknown model is a 404")
        XCTAssertEqual(notFound["status"] as? Int, 404)
        XCTAssertEqual(notFound["code"] as? String, "model_not_found")
        XCTAssertTrue((notFound["message"] as? String ?? "").contains(modelID), "lists the served models")
        let bad = try XCTUnwrap(out["bad_request"] as? [String: Any])
        XCTAssertEqual(bad["status"] as? Int, 400)
        XCTAssertEqual(bad["param"] as? String, "temperature")
    }

    func testAnthropicSDK() throws {
        try Python.requireSDKs()
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let modelID = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let out = try Python.run("anthropic_sdk.py", [server.baseURL, Self.key, modelID])
        let conversation = [ChatMessage(role: "system", content: "Answer in one sentence."),
                            ChatMessage(role: "user", content: "What is the capital of France?")]
        let inputTokens = try templatedTokens(conversation)

        let message = try XCTUnwrap(out["message"] as? [String: Any])
        XCTAssertEqual(message["type"] as? String, "message")
        XCTAssertEqual(message["role"] as? String, "assistant")
        XCTAssertEqual(message["model"] as? String, modelID)
        XCTAssertEqual(message["content_types"] as? [String], ["text"])
        XCTAssertTrue(["end_turn", "max_tokens"].contains(message["stop_reason"] as? String ?? ""))
        let usage = try XCTUnwrap(message["usage"] as? [String: Any])
        XCTAssertEqual(usage["input_tokens"] as? Int, inputTokens)
        XCTAssertEqual(usage["cache_creation_input_tokens"] as? Int, 0)
        XCTAssertEqual(usage["cache_read_input_tokens"] as? Int, 0)
        XCTAssertGreaterThan(usage["output_tokens"] as? Int ?? 0, 0)

        let stream = try XCTUnwrap(out["stream"] as? [String: Any])
        XCTAssertEqual(stream["text"] as? String, stream["final_text"] as? String)
        XCTAssertEqual((stream["usage"] as? [String: Any])?["input_tokens"] as? Int, inputTokens)
        // The SDK drops `ping`; the order of the rest is Anthropic's.
        let events = try XCTUnwrap(out["events"] as? [String])
        XCTAssertEqual(events.first, "message_start")
        XCTAssertEqual(events.dropFirst().first, "content_block_start")
        XCTAssertEqual(Array(events.suffix(3)), ["content_block_stop", "message_delta", "message_stop"])
        XCTAssertTrue(events.dropFirst(2).dropLast(3).allSatisfy { $0 == "content_block_delta" }, "\(events)")

        // x-api-key with 2023-06-01, greedy: the engine's own greedy reply.
        let old = try XCTUnwrap(out["old_protocol"] as? [String: Any])
        let sent = try XCTUnwrap(old["sent"] as? [String: Any])
        XCTAssertEqual(sent["x-api-key"] as? String, Self.key)
        XCTAssertEqual(sent["anthropic-version"] as? String, "2023-06-01")
        XCTAssertTrue(sent["authorization"] is NSNull, "the old protocol sends no bearer token")
        XCTAssertEqual(old["text"] as? String, try greedy(conversation, maxTokens: 16).text)

        let stop = try XCTUnwrap(out["stop"] as? [String: Any])
        let expectedStop = try greedy([ChatMessage(role: "user", content: "What is the capital of France?")], maxTokens: 24, stop: ["Paris"])
        XCTAssertEqual(expectedStop.finishReason, .stopString, "the greedy reply names Paris: \(expectedStop.text)")
        XCTAssertEqual(stop["text"] as? String, expectedStop.text)
        XCTAssertEqual(stop["stop_reason"] as? String, "stop_sequence")
        XCTAssertEqual(stop["stop_sequence"] as? String, "Paris")

        let temperature = try XCTUnwrap(out["temperature_2026"] as? [String: Any], "temperature under 2026-10-21 is a 400")
        XCTAssertEqual(temperature["status"] as? Int, 400)
        XCTAssertEqual(temperature["type"] as? String, "invalid_request_error")
        XCTAssertTrue((temperature["message"] as? String ?? "").contains("temperature"))
        let wrongKey = try XCTUnwrap(out["wrong_key"] as? [String: Any], "a wrong key is a 401")
        XCTAssertEqual(wrongKey["status"] as? Int, 401)
        XCTAssertEqual(wrongKey["type"] as? String, "authentication_error")
    }
}

extension ServerProcess {
    /// The ids `GET /v1/models` lists.
    static func modelIDs(_ server: ServerProcess) throws -> [String] {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Task {
            do {
                box.result = .success(try await HTTP.get(server.baseURL + "/v1/models", headers: server.apiKey.map { ["Authorization": "Bearer \($0)"] } ?? [:]))
            } catch {
                box.result = .failure(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        let data = try XCTUnwrap(try box.result!.get().json()["data"] as? [[String: Any]])
        return data.compactMap { $0["id"] as? String }
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<HTTPReply, Error>?
    }
}
