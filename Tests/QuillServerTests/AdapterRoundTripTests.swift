import Foundation
import Quill
import QuillEngine
import XCTest

/// Quill's own provider adapters talking to `quill serve`: both protocols, whole and
/// streamed, with the answers checked against the same model run in-process (greedy decoding
/// gives the same text alone and batched, so the HTTP path must not change a byte).
final class AdapterRoundTripTests: XCTestCase {
    static let key = "round-trip-\(UInt32.random(in: 0 ... .max))"

    private func hosted(_ provider: ModelSpec.Provider, _ server: ServerProcess, model: String) throws -> HostedLanguageModel {
        let base = provider == .anthropic ? server.baseURL : server.baseURL + "/v1"
        let endpoint = ProviderEndpoint(provider: provider, model: model, baseURL: URL(string: base)!, apiKey: Self.key)
        return try HostedLanguageModel(name: "\(provider.rawValue):\(model)", endpoint: endpoint)
    }

    private func run(_ model: any LanguageModel, _ request: LLMRequest, stream: Bool) async throws -> (LLMResponse, String) {
        var request = request
        request.stream = stream
        var streamed = ""
        for try await event in model.stream(request) {
            switch event {
            case .delta(let text, _): streamed += text
            case .done(let response): return (response, streamed)
            case .retry: break
            }
        }
        throw LLMError.provider(model: model.name, message: "no result")
    }

    func testBothProtocolsAnswerWhatTheModelAnswersInProcess() async throws {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let id = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let local = try LocalLanguageModel.shared(name: "local", path: try ServerTestModel.path())
        let messages: [LLMMessage] = [.system("You are terse."), .user("Name three colours.")]
        let greedy = LLMRequest(input: .messages(messages), parameters: LLMParameters(temperature: 0, maxTokens: 24))
        let (expected, _) = try await run(local, greedy, stream: false)
        let inputTokens = try local.countTokens(.messages(messages))

        for provider in [ModelSpec.Provider.openAICompatible, .openAI, .anthropic] {
            let model = try hosted(provider, server, model: id)
            for stream in [false, true] {
                let context = "\(provider.rawValue) stream=\(stream)"
                let (response, streamed) = try await run(model, greedy, stream: stream)
                XCTAssertEqual(response.text, expected.text, context)
                XCTAssertEqual(response.usage.inputTokens, inputTokens, context)
                XCTAssertEqual(response.usage.outputTokens, expected.usage.outputTokens, context)
                XCTAssertEqual(response.finishReason, expected.finishReason, context)
                if stream {
                    XCTAssertEqual(streamed, response.text, context)
                    XCTAssertNotNil(response.timeToFirstToken, context)
                }
            }
        }
        // Without sampling settings the Anthropic adapter uses version 2026-10-21 and a bearer
        // key; with them, 2023-06-01 and x-api-key. The server checks both pairings.
        let anthropic = try hosted(.anthropic, server, model: id)
        let plain = LLMRequest(input: .messages(messages), parameters: LLMParameters(maxTokens: 8))
        let (reply, _) = try await run(anthropic, plain, stream: false)
        XCTAssertGreaterThan(reply.usage.outputTokens, 0)
    }

    /// Structured output through the OpenAI-compatible adapter: the server enforces the schema
    /// with constrained decoding, and the client validates the same value the local path returns.
    func testStructuredOutputThroughTheServer() async throws {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let id = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let schema = try JSONValue.parse("""
            {"type":"object","properties":{"city":{"type":"string","maxLength":20},"population":{"type":"integer"}},"required":["city","population"]}
            """)
        let client = LLMClient(model: try hosted(.openAICompatible, server, model: id))
        let request = LLMRequest(input: .messages([.user("Give a city and its population as JSON.")]),
                                 parameters: LLMParameters(temperature: 0, maxTokens: 60), constraint: .jsonSchema(schema))
        let response = try await client.complete(request)
        let value = try XCTUnwrap(response.value)
        XCTAssertNotNil(value["city"]?.stringValue)
        guard case .int? = value["population"] else { return XCTFail("population is not an integer: \(value.serialized)") }
    }

    /// A wrong key is an HTTP 401 error naming the status, not retried, without the key in it.
    func testWrongKeyIsAClearErrorWithoutTheKey() async throws {
        let server = try ServerProcess(model: try ServerTestModel.argument(), apiKey: Self.key)
        defer { server.stop() }
        let endpoint = ProviderEndpoint(provider: .openAICompatible, model: "x", baseURL: URL(string: server.baseURL + "/v1")!,
                                        apiKey: "wrong-secret-key")
        let model = try HostedLanguageModel(name: "openai-compatible:x", endpoint: endpoint)
        do {
            _ = try await model.complete(LLMRequest(input: .messages([.user("hi")])))
            XCTFail("a wrong key must fail")
        } catch let error as LLMError {
            guard case .http(_, 401, _, 0) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(error.description.contains("wrong-secret-key"))
        }
    }
}
