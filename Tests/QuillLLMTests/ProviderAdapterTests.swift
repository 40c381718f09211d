import Foundation
import Quill
import QuillTestSupport
import XCTest

/// Quill's provider adapters against the fault-injecting loopback server
/// (`Tests/Servers/fault_server.py`, a real HTTP server speaking the OpenAI, Anthropic and
/// Ollama wire formats): normal replies whole and streamed, and each injected fault giving
/// the documented retry or error.
final class ProviderAdapterTests: XCTestCase {
    nonisolated(unsafe) static var server: FaultServer!

    override class func setUp() {
        super.setUp()
        server = try? FaultServer()
    }

    override class func tearDown() {
        server?.stop()
        super.tearDown()
    }

    private var server: FaultServer {
        get throws { try XCTUnwrap(Self.server, "the fault server did not start (python3 on PATH?)") }
    }

    /// A hosted model on the fault server; the model id picks the server's behaviour.
    private func model(_ provider: ModelSpec.Provider, _ behaviour: String, retries: Int = 2, timeout: Double? = nil) throws -> HostedLanguageModel {
        let base: String
        switch provider {
        case .openAI, .openAICompatible: base = try server.url("/v1").absoluteString
        case .anthropic, .ollama: base = try server.url("").absoluteString
        }
        var options = HostedLanguageModel.Options()
        options.retry.maxAttempts = retries + 1
        options.retry.baseDelay = 0.01
        options.retry.maxDelay = 0.05
        if let timeout { options.timeouts = HTTPTimeouts(connect: timeout, firstByte: timeout, idle: timeout) }
        let endpoint = ProviderEndpoint(provider: provider, model: behaviour, baseURL: URL(string: base)!, apiKey: "test-key-123")
        return try HostedLanguageModel(name: "\(provider.rawValue):\(behaviour)", endpoint: endpoint, options: options)
    }

    private func ask(_ model: HostedLanguageModel, _ text: String, stream: Bool) async throws -> (LLMResponse, [String]) {
        var request = LLMRequest(input: .messages([.system("Be brief."), .user(text)]), parameters: LLMParameters(maxTokens: 32))
        request.stream = stream
        var deltas: [String] = []
        for try await event in model.stream(request) {
            switch event {
            case .delta(let piece, _): deltas.append(piece)
            case .done(let response): return (response, deltas)
            case .retry: break
            }
        }
        throw LLMError.provider(model: model.name, message: "no result")
    }

    private func failure(_ model: HostedLanguageModel, _ text: String, stream: Bool = false) async throws -> LLMError {
        do {
            _ = try await ask(model, text, stream: stream)
        } catch let error as LLMError {
            return error
        }
        XCTFail("\(model.name): the request was expected to fail")
        throw LLMError.provider(model: model.name, message: "succeeded unexpectedly")
    }

    func testEveryProviderWholeAndStreamed() async throws {
        for provider in [ModelSpec.Provider.openAI, .openAICompatible, .anthropic, .ollama] {
            for stream in [false, true] {
                let text = "hello \(provider.rawValue) \(stream)"
                let (response, deltas) = try await ask(try model(provider, "ok"), text, stream: stream)
                XCTAssertEqual(response.text, "ok: \(text)", "\(provider) stream=\(stream)")
                XCTAssertEqual(response.finishReason, "stop")
                XCTAssertGreaterThan(response.usage.inputTokens, 0, "\(provider) stream=\(stream)")
                XCTAssertEqual(response.usage.outputTokens, response.text.split(separator: " ").count, "\(provider) stream=\(stream)")
                if stream {
                    XCTAssertGreaterThan(deltas.count, 1, "streamed in pieces")
                    XCTAssertEqual(deltas.joined(), response.text)
                    XCTAssertNotNil(response.timeToFirstToken)
                } else {
                    XCTAssertTrue(deltas.isEmpty)
                }
            }
        }
    }

    func testRetriesThenSucceeds() async throws {
        let key = "flaky \(UUID().uuidString)"
        let (response, _) = try await ask(try model(.openAI, "flaky-2"), key, stream: false)
        XCTAssertEqual(response.text, "ok: \(key)")
        let stats = try server.stats()
        XCTAssertEqual(stats.attempts[key], 3, "two failures, then the answer")
        XCTAssertEqual(stats.successes[key], 1)
    }

    func testClientErrorsAreNotRetried() async throws {
        for (behaviour, status) in [("status-400", 400), ("status-401", 401), ("status-404", 404), ("429-quota", 429)] {
            let key = "\(behaviour) \(UUID().uuidString)"
            let error = try await failure(try model(.openAI, behaviour), key)
            guard case .http(_, let got, let message, let retries) = error else { return XCTFail("\(behaviour): \(error)") }
            XCTAssertEqual(got, status)
            XCTAssertEqual(retries, 0, behaviour)
            XCTAssertFalse(message.isEmpty)
            XCTAssertFalse(error.description.contains("test-key-123"), "the key never appears in errors")
            let attempts = try server.stats().attempts[key]
            XCTAssertEqual(attempts, 1, behaviour)
        }
    }

    func testOverloadedAndServerErrorsAreRetriedThenReported() async throws {
        let key = "overloaded \(UUID().uuidString)"
        let error = try await failure(try model(.anthropic, "status-529"), key)
        guard case .http(_, 529, let message, 2) = error else { return XCTFail("\(error)") }
        XCTAssertTrue(message.contains("overloaded"), message)
        let attempts = try server.stats().attempts[key]
        XCTAssertEqual(attempts, 3)
    }

    func testRetryAfterIsHonoured() async throws {
        let key = "slow down \(UUID().uuidString)"
        let start = Date()
        let error = try await failure(try model(.openAI, "429-retry-after", retries: 1), key)
        guard case .http(_, 429, _, 1) = error else { return XCTFail("\(error)") }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.05, "waited retry-after-ms")
    }

    func testBrokenRepliesAreModelErrors() async throws {
        let malformed = try await failure(try model(.openAI, "malformed"), "m \(UUID().uuidString)")
        XCTAssertTrue(malformed.description.contains("not valid JSON"), malformed.description)
        for provider in [ModelSpec.Provider.openAI, .anthropic, .ollama] {
            let cut = try await failure(try model(provider, "cut"), "c \(UUID().uuidString)", stream: true)
            // The server drops the connection mid-body: the transport reports it as lost.
            XCTAssertTrue(cut.description.contains("connection was lost"), "\(provider): \(cut)")
        }
        for provider in [ModelSpec.Provider.openAI, .anthropic] {
            let mid = try await failure(try model(provider, "midstream-error"), "e \(UUID().uuidString)", stream: true)
            XCTAssertTrue(mid.description.contains("the provider reported an error"), "\(provider): \(mid)")
        }
    }

    func testStalledRepliesTimeOut() async throws {
        let stalled = try await failure(try model(.openAI, "stall", retries: 0, timeout: 0.5), "s \(UUID().uuidString)", stream: true)
        XCTAssertTrue(stalled.description.contains("idle timeout"), stalled.description)
        let silent = try await failure(try model(.openAI, "stall-head", retries: 0, timeout: 0.5), "h \(UUID().uuidString)")
        XCTAssertTrue(silent.description.contains("timed out"), silent.description)
    }

    /// A fallback list answers from the next model when the first fails, and says which one did.
    func testFallbackNamesTheModelThatAnswered() async throws {
        let fallback = FallbackModel(models: [try model(.openAI, "status-500", retries: 0), try model(.ollama, "ok")])
        let key = "fallback \(UUID().uuidString)"
        let response = try await fallback.complete(LLMRequest(input: .messages([.user(key)])))
        XCTAssertEqual(response.model, "ollama:ok")
        XCTAssertEqual(response.text, "ok: \(key)")
        let both = FallbackModel(models: [try model(.openAI, "status-500", retries: 0), try model(.anthropic, "status-400")])
        do {
            _ = try await both.complete(LLMRequest(input: .messages([.user("x")])))
            XCTFail("both fail")
        } catch let error as LLMError {
            guard case .allFailed(let lines) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(lines.count, 2)
        }
    }

    /// 500 requests through a script's `batch`, a fifth of the attempts failing: every item is
    /// answered or carries its error, and the usage of the answered ones is exactly what the
    /// server reports having served — nothing lost, nothing counted twice.
    func testBatchWithInjectedFaultsLosesNothing() async throws {
        try server.reset()
        let url = try server.url("").absoluteString
        let lines = try ScriptHarness.run("""
            let m = model("openai-compatible:\(url)/v1#random-20", max_retries: 2)
            let items = range(500).list().map(fn(i) => "item \\(i)")
            let results = batch(items, fn(p) => m.chat(p), concurrency: 16, progress: false)
            var answered = 0
            var failed = 0
            var output_tokens = 0
            for i in range(500) {
              let r = results[i]
              if type(r) == "error" { failed += 1 } else {
                assert(r.content == "ok: item \\(i)", "item \\(i) answered in its own slot")
                answered += 1
                output_tokens += r.usage.output_tokens
              }
            }
            print(answered + failed, answered, output_tokens)
            """)
        let parts = lines.last?.split(separator: " ").compactMap { Int($0) } ?? []
        XCTAssertEqual(parts.count, 3, "\(lines)")
        XCTAssertEqual(parts[0], 500, "every item has a result or an error")
        let stats = try server.stats()
        XCTAssertEqual(stats.successes.values.reduce(0, +), parts[1], "one success per answered item")
        XCTAssertGreaterThan(stats.attempts.values.reduce(0, +), 500, "faults were injected and retried")
        XCTAssertEqual(parts[2], parts[1] * 3, "'ok: item N' is three words per answer, counted once")
    }
}
