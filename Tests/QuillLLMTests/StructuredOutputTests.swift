import Quill
import QuillEngine
import XCTest

/// Structured output on the local core is enforced token by token: every generation parses
/// and validates, choices and regexes always hold, and nothing runs away to max_tokens.
final class StructuredOutputTests: XCTestCase {
    static let schemaSource = """
        {
          type: "object",
          properties: {
            name: {type: "string", maxLength: 40},
            category: {type: "string", enum: ["tool", "toy", "food", "book"]},
            rating: {type: "integer", minimum: 1, maximum: 5},
            tags: {type: "array", items: {type: "string", maxLength: 20}, minItems: 1, maxItems: 3},
            details: {
              type: "object",
              properties: {in_stock: {type: "boolean"}, weight_kg: {type: "number"}},
              required: ["in_stock", "weight_kg"]
            }
          },
          required: ["name", "category", "rating", "tags", "details"]
        }
        """

    /// 200 sampled generations with a nested schema (enum, integer range, array of strings,
    /// nested object): all parse, all validate, none is cut by max_tokens.
    func testTwoHundredSchemaGenerationsAllValidate() throws {
        let lines = try ScriptHarness.run("""
            let schema = \(Self.schemaSource)
            let m = model("local", temperature: 0.8, max_tokens: 200)
            let prompts = range(200).list().map(fn(i) => "Invent product number \\(i) for a shop catalogue. Reply in JSON.")
            let results = batch(prompts, fn(p) => m.chat(p, schema: schema), concurrency: 8, progress: false)
            for r in results {
              if type(r) == "error" { print("ERROR", r.message) } else { print(json.encode({value: r.value, finish: r.finish_reason, tokens: r.usage.output_tokens})) }
            }
            """)
        XCTAssertEqual(lines.count, 200)
        let schema = try JSONValue.parse(try Self.schemaJSON())
        var lengths: [Int] = []
        for line in lines {
            XCTAssertFalse(line.hasPrefix("ERROR"), line)
            guard case .object(let fields) = try JSONValue.parse(line) else { return XCTFail(line) }
            let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
            let value = try XCTUnwrap(f["value"])
            XCTAssertEqual(JSONSchemaValidator.validate(value, against: schema), [], line)
            XCTAssertEqual(f["finish"], .string("stop"), "ran to max_tokens: \(line)")
            if case .int(let n)? = f["tokens"] { lengths.append(n) }
        }
        XCTAssertLessThan(lengths.max() ?? 0, 200)
    }

    /// The schema as plain JSON (the Quill map literal above, encoded by Quill itself).
    static func schemaJSON() throws -> String {
        try ScriptHarness.run("print(json.encode(\(schemaSource)))")[0]
    }

    func testChoicesAlwaysReturnOneOfThem() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 1.0, max_tokens: 10)
            let labels = ["billing", "technical", "account", "other"]
            let tickets = range(24).list().map(fn(i) => "Ticket \\(i): my card was charged twice and the app crashes.")
            for label in m.gen_many(tickets, choices: labels) { print(labels.contains(label), label) }
            """)
        XCTAssertEqual(lines.count, 24)
        for line in lines { XCTAssertTrue(line.hasPrefix("true "), line) }
    }

    func testRegexAlwaysMatches() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 1.0, max_tokens: 16)
            let codes = m.gen_many(range(24).list().map(fn(i) => "Make up a product code number \\(i)."), regex: "[A-Z]{3}-[0-9]{4}")
            for c in codes { print(c) }
            """)
        XCTAssertEqual(lines.count, 24)
        let pattern = try Regex("^[A-Z]{3}-[0-9]{4}$")
        for line in lines { XCTAssertNotNil(line.wholeMatch(of: pattern), line) }
    }

    func testGrammarOption() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0.7, max_tokens: 16)
            let g = "root ::= (\\"yes\\" | \\"no\\") \\", \\" [0-9]"
            for a in m.gen_many(["Is water wet?", "Is fire cold?", "Is the sky blue?"], grammar: g) { print(a) }
            try { m.gen("x", grammar: "root ::= missing") } catch e { print(e.kind) }
            """)
        XCTAssertEqual(lines.count, 4)
        for line in lines.prefix(3) { XCTAssertNotNil(line.wholeMatch(of: try Regex("^(yes|no), [0-9]$")), line) }
        XCTAssertEqual(lines[3], "ValueError")
    }

    /// The unconstrained path (how hosted providers work): validate, then repair with the
    /// problems fed back; the result is still a valid value or a clear OutputError.
    func testUnconstrainedPathValidatesAndRepairs() async throws {
        let path = try ModelPuller().ensure("smollm2")
        let free = try LocalLanguageModel(name: "local-unconstrained", path: path, enforceConstraints: false)
        let client = LLMClient(model: free)
        let request = LLMRequest(input: .messages([.user("Is the sky blue? Answer yes or no.")]),
                                 parameters: LLMParameters(temperature: 0, maxTokens: 8),
                                 constraint: .choices(["yes", "no"]))
        do {
            let response = try await client.complete(request)
            XCTAssertTrue(["yes", "no"].contains(response.text), response.text)
            XCTAssertEqual(response.value, .string(response.text))
        } catch let LLMError.invalidOutput(model, problems, _) {
            XCTAssertEqual(model, "local-unconstrained")
            XCTAssertTrue(problems[0].contains("exactly one of: yes, no"), "\(problems)")
        }
    }
}
