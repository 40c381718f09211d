import Quill
import XCTest

/// `model(spec)` strings: every provider form parses; mistakes say what to write instead.
final class ModelSpecTests: XCTestCase {
    func testLocalForms() throws {
        XCTAssertEqual(try ModelSpec.parse("local"), .local(reference: nil))
        XCTAssertEqual(try ModelSpec.parse("local:smollm2"), .local(reference: "smollm2"))
        XCTAssertEqual(try ModelSpec.parse("local:/models/x.gguf"), .local(reference: "/models/x.gguf"))
    }

    func testHostedForms() throws {
        XCTAssertEqual(try ModelSpec.parse("openai:gpt-4o-mini"), .hosted(.openAI, model: "gpt-4o-mini", baseURL: nil))
        XCTAssertEqual(try ModelSpec.parse("anthropic:claude-3-5-haiku-latest"), .hosted(.anthropic, model: "claude-3-5-haiku-latest", baseURL: nil))
        XCTAssertEqual(try ModelSpec.parse("ollama:llama3.2"), .hosted(.ollama, model: "llama3.2", baseURL: nil))
        XCTAssertEqual(try ModelSpec.parse("openai-compatible:http://127.0.0.1:8080/v1#qwen"),
                       .hosted(.openAICompatible, model: "qwen", baseURL: "http://127.0.0.1:8080/v1"))
    }

    func testMistakesExplainThemselves() {
        func message(_ spec: String) -> String {
            do { _ = try ModelSpec.parse(spec); return "parsed" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("lokal").contains("did you mean 'local:…'?"), message("lokal"))
        XCTAssertTrue(message("openai:").contains("name the model, e.g. openai:gpt-4o-mini"), message("openai:"))
        XCTAssertTrue(message("openai-compatible:localhost:8080").contains("http://host:port/v1#model-name"))
        XCTAssertTrue(message("").contains("empty"))
    }

    /// Remote specs parse today and fail with a clear "provider not available" error.
    func testRemoteProvidersAreNotAvailableYet() throws {
        let lines = try ScriptHarness.run("""
            try { model("openai:gpt-4o-mini") } catch e { print(e.kind, e.message) }
            try { model("bogus:x") } catch e { print(e.kind) }
            """)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("ModelError provider 'openai' (in 'openai:gpt-4o-mini') is not available"), lines[0])
        XCTAssertEqual(lines[1], "ValueError")
    }
}
