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

    /// A hosted model without its key fails when it is opened, before any request, naming
    /// the variable to set; unknown providers are value errors.
    func testMissingKeyIsReportedBeforeAnyRequest() throws {
        let saved = ProcessInfo.processInfo.environment["OPENAI_API_KEY"]
        unsetenv("OPENAI_API_KEY")
        defer { if let saved { setenv("OPENAI_API_KEY", saved, 1) } }
        let lines = try ScriptHarness.run("""
            try { model("openai:gpt-4o-mini") } catch e { print(e.kind, e.message) }
            try { model("bogus:x") } catch e { print(e.kind) }
            """)
        XCTAssertEqual(lines, ["ModelError openai:gpt-4o-mini: no API key: set the environment variable OPENAI_API_KEY", "ValueError"])
    }
}
