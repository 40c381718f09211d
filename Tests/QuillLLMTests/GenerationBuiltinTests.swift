import Quill
import QuillEngine
import XCTest

/// The language's model built-ins over the real SmolLM2: determinism, seeds, stop strings,
/// max_tokens, usage counts, messages and prompts, streaming, the response cache.
final class GenerationBuiltinTests: XCTestCase {
    func testGreedyGenIsDeterministic() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 24)
            let a = m.gen("What is the capital of France?")
            let b = m.gen("What is the capital of France?")
            print(a == b, a.contains("Paris"))
            """)
        XCTAssertEqual(lines, ["true true"])
    }

    func testSeedReproducesSampledOutput() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0, max_tokens: 24)
            let a = m.gen("Write a sentence about cats.", seed: 7)
            let b = m.gen("Write a sentence about cats.", seed: 7)
            var differs = false
            for s in [8, 9, 10] { if m.gen("Write a sentence about cats.", seed: s) != a { differs = true } }
            print(a == b, differs)
            """)
        XCTAssertEqual(lines, ["true true"])
    }

    func testStopTruncatesAndMaxTokensIsHonoured() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0)
            let full = m.gen("List the numbers from 1 to 30, separated by commas.", max_tokens: 60)
            let cut = m.gen("List the numbers from 1 to 30, separated by commas.", max_tokens: 60, stop: ["7"])
            print(full.contains("7"), cut.contains("7"), full.starts_with(cut), m.last.finish_reason)
            let short = m.gen("Tell me a long story about a dragon.", max_tokens: 5)
            print(m.last.usage.output_tokens, m.last.finish_reason)
            """)
        XCTAssertEqual(lines, ["true false true stop_string", "5 length"])
    }

    /// Usage equals the tokenizer's own counts: the template-rendered prompt in, the text out.
    func testUsageMatchesTokenizer() throws {
        let (runtime, printed) = ScriptHarness.runtime()
        try runtime.run(source: """
            let m = model("local", temperature: 0, max_tokens: 40)
            let r = m.chat([system("Be brief."), user("Describe the moon.")])
            print(r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens, r.finish_reason)
            print(m.count_tokens([system("Be brief."), user("Describe the moon.")]))
            print(r.content)
            """, name: "usage.quill")
        let lines = printed().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let numbers = lines[0].split(separator: " ")
        let model = try LocalModel(path: try ModelPuller().ensure("smollm2"))
        let rendered = model.chatTemplate.render([ChatMessage(role: "system", content: "Be brief."),
                                                  ChatMessage(role: "user", content: "Describe the moon.")])
        let inputTokens = model.tokenizer.encode(rendered, addSpecial: true, parseSpecial: true).count
        XCTAssertEqual(Int(numbers[0]), inputTokens)
        XCTAssertEqual(Int(lines[1]), inputTokens)
        let text = lines[2...].dropLast().joined(separator: "\n")
        let outputTokens = Int(numbers[1])!
        // The reply re-encodes to the same number of tokens unless it ended on the end token.
        XCTAssertEqual(model.tokenizer.encode(text, addSpecial: false, parseSpecial: false).count, outputTokens)
        XCTAssertEqual(Int(numbers[2]), inputTokens + outputTokens)
    }

    func testResultCarriesTimingAndPromptHash() throws {
        let lines = try ScriptHarness.run("""
            prompt ask(topic) {
              system "Answer in one sentence."
              user "What is \\(topic)?"
            }
            let m = model("local", temperature: 0, max_tokens: 16)
            let r = m.chat(ask("rain"))
            print(r.role, r.latency > 0, r.ttft > 0, r.ttft <= r.latency, r.template_hash == ask("x").hash, r.cached)
            let text = m.gen(ask("snow"))
            print(type(text), m.last.template_hash == ask("x").hash)
            """)
        XCTAssertEqual(lines, ["assistant true true true true false", "string true"])
    }

    func testStreamingCallbackSeesTheWholeText() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 20)
            var pieces = []
            let text = m.gen("Say hello.", on_token: fn(t) { pieces.push(t) })
            print(pieces.len() > 1, pieces.join("") == text)
            var count = 0
            let stopped = m.gen("Count to one hundred.", on_token: fn(t) { count += 1; return count < 3 })
            print(count, m.last.finish_reason)
            """)
        XCTAssertEqual(lines, ["true true", "3 cancelled"])
    }

    func testStreamPrintsAsItGenerates() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 12)
            let text = m.gen("Say hello.", stream: true)
            print("returned:", text)
            """)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual("returned: " + lines[0], lines[1])
    }

    func testResponseCacheServesIdenticalRequests() throws {
        let cache = ScriptHarness.temporaryDirectory()
        let source = """
            let m = model("local", temperature: 0, max_tokens: 16, cache: true)
            let a = m.gen("Name a planet.")
            print(m.last.cached)
            let b = m.gen("Name a planet.")
            print(m.last.cached, a == b, m.last.usage.output_tokens > 0)
            m.gen("Name a planet.", max_tokens: 17)
            print(m.last.cached)
            """
        XCTAssertEqual(try ScriptHarness.run(source, cacheDirectory: cache), ["false", "true true true", "false"])
        // A new runtime (a new process, in effect) still hits the entries on disk.
        let again = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 16)
            m.gen("Name a planet.", cache: true)
            print(m.last.cached)
            """, cacheDirectory: cache)
        XCTAssertEqual(again, ["true"])
    }

    func testMessagesAndErrors() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 4)
            print(user("hi"), system("s").role, assistant("a").content)
            try { m.gen(42) } catch e { print(e.kind, e.message) }
            try { m.chat([{role: "robot", content: "x"}]) } catch e { print(e.message) }
            try { m.gen("x", temperature: -1) } catch e { print(e.kind, e.message) }
            try { m.gen("x", choices: ["a"], regex: "a") } catch e { print(e.message) }
            try { m.gen("x", max_token: 3) } catch e { print(e.message) }
            print(m.defaults, m.name)
            """)
        XCTAssertEqual(lines, [
            #"{"role": "user", "content": "hi"} system a"#,
            "TypeError gen() argument 'prompt' must be a string, a prompt, a message or a list of messages, not int",
            "chat(): unknown message role 'robot'; roles are system, user, assistant",
            "ValueError 'temperature': must be ≥ 0, got -1.0",
            "give one of schema:, choices:, regex: or grammar:, not several",
            "gen() has no parameter named 'max_token'",
            #"{"temperature": 0.0, "max_tokens": 4} local"#,
        ])
    }
}
