import Foundation
import Quill
import QuillEngine
@testable import QuillREPL
import XCTest

/// The REPL's `:commands`, driven through a `REPLSession` directly (no terminal): each one's
/// real effect on the session, its output, and its errors. The model-dependent ones run on
/// SmolLM2, the default local model, from the local store.
final class REPLCommandTests: XCTestCase {
    /// What a session wrote: standard output and standard error, kept apart.
    final class Transcript: Sendable {
        let out = Locked("")
        let err = Locked("")
        /// Returns what was written since the last call and starts again.
        func take() -> (out: String, err: String) {
            (out.withLock { s in defer { s = "" }; return s }, err.withLock { s in defer { s = "" }; return s })
        }
    }

    private var directory: URL!

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("quill-repl-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func session(_ options: REPLSession.Options = .init()) -> (REPLSession, Transcript) {
        let transcript = Transcript()
        let session = REPLSession(options: options, write: { text in transcript.out.withLock { $0 += text } },
                                  writeError: { text in transcript.err.withLock { $0 += text } })
        return (session, transcript)
    }

    /// Runs one input, checks its outcome and returns what it wrote.
    @discardableResult
    private func run(_ session: REPLSession, _ transcript: Transcript, _ input: String, expect: REPLSession.Outcome = .ok,
                     file: StaticString = #filePath, line: UInt = #line) -> (out: String, err: String) {
        let outcome = session.evaluate(input)
        let written = transcript.take()
        XCTAssertEqual(outcome, expect, "\(input)\nstdout: \(written.out)\nstderr: \(written.err)", file: file, line: line)
        return written
    }

    /// SmolLM2's file in the local store (pulled the first time, as the other model tests do).
    private func smolLM2Path() throws -> String {
        if let path = ProcessInfo.processInfo.environment["QUILL_TEST_MODEL"], !path.isEmpty { return path }
        return try ModelPuller(report: { FileHandle.standardError.write(Data($0.utf8)) }).ensure(ModelCatalog.defaultModelName)
    }

    /// SmolLM2's own tokenizer: the count `:tokens` must print for a text.
    private func smolLM2TokenCount(_ text: String) throws -> Int {
        let model = try LocalLanguageModel.shared(name: "local", path: try smolLM2Path())
        return model.model.tokenizer.encode(text, addSpecial: false, parseSpecial: false).count
    }

    /// The tokens SmolLM2 reads for messages: rendered with its chat template, then encoded.
    private func smolLM2TokenCount(_ messages: [ChatMessage]) throws -> Int {
        let model = try LocalLanguageModel.shared(name: "local", path: try smolLM2Path()).model
        return model.tokenizer.encode(model.chatTemplate.render(messages), addSpecial: true, parseSpecial: true).count
    }

    /// A second name for SmolLM2's file (a link in the test's directory): local models are
    /// shared by file, and a model opened by another path has its own name (`local:PATH`).
    private func smolLM2Link() throws -> String {
        let link = directory.appendingPathComponent("smollm2-link.gguf").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try smolLM2Path())
        return link
    }

    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text, file: file, line: line)
    }

    // MARK: - :help

    func testHelpListsEveryCommandAndDescribesATopic() {
        let (s, t) = session()
        let all = run(s, t, ":help").out
        for usage in [":help [NAME]", ":models", ":model [SPEC]", ":cost", ":usage", ":tokens EXPR", ":time EXPR", ":trace",
                      ":schema [EXPR]", ":load FILE", ":save FILE", ":reset", ":quit"] {
            XCTAssertTrue(all.contains("\n  " + usage + " "), "\(usage) missing from:\n\(all)")
        }
        XCTAssertTrue(all.hasPrefix("Type Quill code"), all)

        // `model` is both a built-in and a command: both are described.
        let model = run(s, t, ":help model").out.split(separator: "\n").map(String.init)
        XCTAssertEqual(model.count, 2, model.joined(separator: "\n"))
        XCTAssertTrue(model[0].hasPrefix("model(spec, rpm, tpm, max_retries, timeout, temperature"), model[0])
        XCTAssertTrue(model[1].hasPrefix(":model [SPEC]  "), model[1])
        // With its colon, only the command.
        XCTAssertEqual(run(s, t, ":help :tokens").out,
                       ":tokens EXPR  the token count of a text or prompt with the session model\n")
        XCTAssertEqual(run(s, t, ":help len").out, "len(value)\n")
        // The session's own bindings too.
        run(s, t, "fn shout(text, times) { return text.upper() * times }")
        XCTAssertEqual(run(s, t, ":help shout").out, "shout: function\n")
        let missing = run(s, t, ":help nosuchthing", expect: .failed)
        XCTAssertEqual(missing.err, "no command or built-in named 'nosuchthing'\n")
        XCTAssertEqual(missing.out, "")
    }

    func testUnknownCommandSuggestsTheClosestAndKeepsTheSession() {
        let (s, t) = session()
        let typo = run(s, t, ":modle local", expect: .failed)
        XCTAssertEqual(typo.err, "unknown command :modle (did you mean ':model'?); :help lists them\n")
        XCTAssertEqual(run(s, t, "1 + 1").out, "2\n")
    }

    // MARK: - :quit

    func testQuitEndsTheSessionWithStatusZero() {
        let (s, t) = session()
        XCTAssertEqual(s.evaluate(":quit"), .exit(0))
        XCTAssertEqual(s.evaluate(":q"), .exit(0))
        XCTAssertEqual(s.evaluate("exit(3)"), .exit(3))
        XCTAssertEqual(t.take().out, "")
    }

    // MARK: - :reset

    func testResetDropsBindingsInputsAndTheDefaultModel() throws {
        let (s, t) = session()
        run(s, t, "var a = 1")
        run(s, t, "fn f() { return a + 1 }")
        XCTAssertEqual(run(s, t, "f()").out, "2\n")
        XCTAssertEqual(run(s, t, "_ * 10").out, "20\n")
        s.defaultModel = "local:elsewhere"
        XCTAssertEqual(run(s, t, ":reset").out, "a fresh session\n")
        XCTAssertNil(s.module["a"])
        XCTAssertNil(s.module["f"])
        XCTAssertEqual(s.module["_"], .nil)
        XCTAssertEqual(s.defaultModel, "local")
        let undefined = run(s, t, "a", expect: .failed)
        XCTAssertTrue(undefined.err.contains("'a'"), undefined.err)
        // Nothing from before the reset is saved.
        let path = directory.appendingPathComponent("after-reset.quill").path
        XCTAssertEqual(run(s, t, ":save \(path)").out, "saved 0 inputs to \(path)\n")
        // And the new runtime works.
        run(s, t, "var a = \"new\"")
        XCTAssertEqual(run(s, t, "a + \"!\"").out, "\"new!\"\n")
    }

    // MARK: - :save and :load

    func testSaveWritesTheInputsThatWorkedAndLoadRecreatesTheBindings() throws {
        let (s, t) = session()
        run(s, t, "var xs = [1, 2]")
        run(s, t, "xs.push(3)")
        run(s, t, "1 / 0", expect: .failed)  // not saved
        run(s, t, "fn double(x) {\n  return x * 2\n}")
        run(s, t, "let = 3", expect: .failed)  // not saved either
        run(s, t, ":help")  // commands are not inputs
        XCTAssertEqual(run(s, t, "double(xs.len())").out, "6\n")
        let path = directory.appendingPathComponent("session.quill").path
        XCTAssertEqual(run(s, t, ":save \(path)").out, "saved 4 inputs to \(path)\n")
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(saved, "var xs = [1, 2]\nxs.push(3)\nfn double(x) {\n  return x * 2\n}\ndouble(xs.len())\n")

        // A new session loads it: the bindings are back (a loaded script's values are not printed).
        let (fresh, ft) = session()
        XCTAssertNil(fresh.module["xs"])
        XCTAssertEqual(run(fresh, ft, ":load \(path)").out, "")
        XCTAssertEqual(run(fresh, ft, "xs").out, "[1, 2, 3]\n")
        XCTAssertEqual(run(fresh, ft, "double(21)").out, "42\n")
        // The loaded script is one of the new session's inputs.
        let again = directory.appendingPathComponent("again.quill").path
        run(fresh, ft, ":save \(again)")
        XCTAssertEqual(try String(contentsOfFile: again, encoding: .utf8), saved + "\nxs\ndouble(21)\n")

        // The same script runs as a script outside the REPL.
        let runtime = QuillRuntime()
        let module = try runtime.run(file: path)
        XCTAssertEqual(module["xs"]?.repr, "[1, 2, 3]")
    }

    func testLoadAndSaveReportProblemsAndKeepTheSession() throws {
        let (s, t) = session()
        run(s, t, "var kept = 1")
        let missing = directory.appendingPathComponent("missing.quill").path
        let notFound = run(s, t, ":load \(missing)", expect: .failed)
        XCTAssertTrue(notFound.err.contains(missing), notFound.err)
        // A script with an error: reported with the file's name and the location.
        let broken = directory.appendingPathComponent("broken.quill").path
        try Data("var before = 1\nundefined_name + 1\n".utf8).write(to: URL(fileURLWithPath: broken))
        let failed = run(s, t, ":load \(broken)", expect: .failed)
        XCTAssertTrue(failed.err.contains("\(broken):2:1: error:"), failed.err)
        XCTAssertTrue(failed.err.contains("undefined_name"), failed.err)
        XCTAssertEqual(run(s, t, ":save \(directory.path)/no/such/dir/x.quill", expect: .failed).out, "")
        XCTAssertEqual(run(s, t, ":load").out, "usage: :load FILE\n")
        XCTAssertEqual(run(s, t, ":save").out, "usage: :save FILE\n")
        XCTAssertEqual(run(s, t, "kept").out, "1\n")
    }

    // MARK: - :time

    func testTimePrintsTheValueAndTheDuration() throws {
        let (s, t) = session()
        let out = run(s, t, ":time 1+1").out
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 3, out)
        XCTAssertEqual(lines[0], "2")
        XCTAssertNotNil(lines[1].wholeMatch(of: /[0-9]+\.[0-9]{3} s/), lines[1])
        XCTAssertEqual(lines[2], "")
        XCTAssertEqual(run(s, t, "_").out, "2\n")

        // The duration is the evaluation's.
        let slow = run(s, t, ":time time.sleep(0.2)").out
        let seconds = try XCTUnwrap(Double(slow.trimmingCharacters(in: .whitespacesAndNewlines).dropLast(2)), slow)
        XCTAssertGreaterThanOrEqual(seconds, 0.2)
        XCTAssertLessThan(seconds, 5)
        // An error is reported, and the time still printed.
        let failed = run(s, t, ":time 1 / 0", expect: .failed)
        XCTAssertTrue(failed.err.contains("division"), failed.err)
        XCTAssertNotNil(failed.out.wholeMatch(of: /[0-9]+\.[0-9]{3} s\n/), failed.out)
        XCTAssertEqual(run(s, t, ":time").out, "usage: :time EXPR\n")
    }

    // MARK: - :schema (for a value)

    func testSchemaOfAValueIsAJSONSchemaItSatisfies() throws {
        let (s, t) = session()
        XCTAssertEqual(run(s, t, ":schema").out, "no model call yet\n")
        let out = run(s, t, ":schema {name: \"Ada\", age: 36, tags: [\"x\"], ok: true}").out
        let schema = try json(out)
        XCTAssertEqual(schema["type"] as? String, "object")
        XCTAssertEqual(schema["required"] as? [String], ["name", "age", "tags", "ok"])
        let properties = try XCTUnwrap(schema["properties"] as? [String: [String: Any]])
        XCTAssertEqual(properties["name"]?["type"] as? String, "string")
        XCTAssertEqual(properties["age"]?["type"] as? String, "integer")
        XCTAssertEqual(properties["ok"]?["type"] as? String, "boolean")
        XCTAssertEqual(properties["tags"]?["type"] as? String, "array")
        XCTAssertEqual((properties["tags"]?["items"] as? [String: Any])?["type"] as? String, "string")
        let bad = run(s, t, ":schema nosuch", expect: .failed)
        XCTAssertTrue(bad.err.contains("nosuch"), bad.err)
    }

    // MARK: - Errors

    func testASyntaxErrorShowsTheCaretMessageAndKeepsTheSession() {
        let (s, t) = session()
        run(s, t, "var x = 40")
        let error = run(s, t, "let = 3", expect: .failed)
        XCTAssertEqual(error.out, "")
        let lines = error.err.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 3, error.err)
        XCTAssertNotNil(lines[0].wholeMatch(of: /<repl:[0-9]+>:1:5: error: .+/), error.err)
        XCTAssertEqual(lines[1], "1 | let = 3")
        XCTAssertEqual(lines[2], "  |     ^")
        XCTAssertEqual(run(s, t, "x + 2").out, "42\n")
    }

    // MARK: - :models

    func testModelsListsTheLocalModelsAndTheCatalog() throws {
        _ = try smolLM2Path()
        let (s, t) = session()
        let out = run(s, t, ":models").out
        let store = ModelStore()
        XCTAssertTrue(out.hasPrefix("Local models in \(store.modelsDirectory):\n"), out)
        let locals = store.localModels()
        XCTAssertFalse(locals.isEmpty)
        for path in locals {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            XCTAssertTrue(out.contains("\n  local:\(name)\n"), "\(name) missing from:\n\(out)")
        }
        XCTAssertTrue(out.contains("\nCatalog (quill pull NAME; then model(\"local:NAME\")):\n"), out)
        for model in ModelCatalog.models {
            XCTAssertTrue(out.contains("\n  \(model.name)"), "\(model.name) missing from:\n\(out)")
            XCTAssertTrue(out.contains(model.summary), "\(model.summary) missing from:\n\(out)")
        }
    }

    // MARK: - Model calls on SmolLM2: :trace, :cost, :usage, :schema, :tokens

    func testNoCallsYet() {
        let (s, t) = session()
        XCTAssertEqual(run(s, t, ":trace").out, "no model call yet\n")
        XCTAssertEqual(run(s, t, ":usage").out, "no model calls yet\n")
        XCTAssertEqual(run(s, t, ":cost").out, "$0\n")
    }

    func testTraceCostAndUsageDescribeTheLastCall() throws {
        let prompt = "Name a colour."
        // An instruct model: `gen` sends the prompt as a user message, through the chat template.
        let promptTokens = try smolLM2TokenCount([ChatMessage(role: "user", content: prompt)])
        let (s, t) = session()
        run(s, t, "var m = model(\"local\", temperature: 0)")
        // The text streams to the output and is not printed a second time as the value.
        let streamed = run(s, t, "m.gen(\"\(prompt)\", max_tokens: 8)").out
        guard case .string(let text)? = s.module["_"] else { return XCTFail("no text in _: \(streamed)") }
        XCTAssertFalse(text.value.isEmpty)
        XCTAssertTrue(streamed == text.value || streamed == text.value + "\n", "streamed \(streamed.debugDescription), value \(text.value.debugDescription)")

        let trace = try json(run(s, t, ":trace").out)
        XCTAssertEqual(trace["kind"] as? String, "response")
        XCTAssertEqual(trace["model"] as? String, "local")
        XCTAssertEqual(trace["provider"] as? String, "local")
        XCTAssertEqual(trace["operation"] as? String, "chat")
        XCTAssertEqual(trace["status"] as? String, "ok")
        XCTAssertEqual(trace["input"] as? [[String: String]], [["role": "user", "content": prompt]])
        let parameters = try XCTUnwrap(trace["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["max_tokens"] as? Int, 8)
        XCTAssertEqual(parameters["temperature"] as? Double, 0)
        XCTAssertEqual(trace["text"] as? String, text.value)
        let usage = try XCTUnwrap(trace["usage"] as? [String: Any])
        let input = try XCTUnwrap(usage["input_tokens"] as? Int)
        let output = try XCTUnwrap(usage["output_tokens"] as? Int)
        XCTAssertEqual(input, promptTokens)
        XCTAssertEqual(run(s, t, ":tokens [user(\"\(prompt)\")]").out, "\(input)\n")
        XCTAssertTrue((1...8).contains(output), "\(output)")
        XCTAssertEqual(usage["total_tokens"] as? Int, input + output)
        XCTAssertEqual(trace["cost"] as? Double, 0)
        XCTAssertEqual(trace["cost_known"] as? Bool, true)
        XCTAssertEqual(trace["cost_usd"] as? String, "0")
        let latency = try XCTUnwrap(trace["latency"] as? Double)
        XCTAssertGreaterThan(latency, 0)
        XCTAssertNotNil(trace["ttft"] as? Double)
        XCTAssertNotNil(trace["tokens_per_second"] as? Double)
        XCTAssertNotNil(trace["finish_reason"] as? String)

        XCTAssertEqual(run(s, t, ":cost").out, "$0\n")
        let usageLine = run(s, t, ":usage").out
        XCTAssertNotNil(usageLine.wholeMatch(of: try Regex("local: 1 calls, \(input) in / \(output) out tokens, \\$0, [0-9]+\\.[0-9]{2} s\n")),
                        usageLine)
        // A call without an output constraint.
        XCTAssertEqual(run(s, t, ":schema").out, "the last call had no output constraint\n")

        // A second, constrained call: the trace follows it and the usage adds it up.
        let choice = run(s, t, "m.gen(\"Is the sky blue? Answer yes or no.\", choices: [\"yes\", \"no\"], stream: false)").out
        XCTAssertTrue(["\"yes\"\n", "\"no\"\n"].contains(choice), choice)
        let second = try json(run(s, t, ":trace").out)
        XCTAssertEqual(second["constraint"] as? [String: [String]], ["choices": ["yes", "no"]])
        XCTAssertEqual(try json(run(s, t, ":schema").out) as? [String: [String]], ["choices": ["yes", "no"]])
        let totals = run(s, t, ":usage").out
        XCTAssertTrue(totals.hasPrefix("local: 2 calls, "), totals)
    }

    func testTokensCountsWithTheLocalModelsTokenizer() throws {
        let (s, t) = session()
        for text in ["hello", "The quick brown fox", "héllo wörld ✓ — 12345"] {
            let expected = try smolLM2TokenCount(text)
            XCTAssertEqual(run(s, t, ":tokens \(Value.str(text).repr)").out, "\(expected)\n", text)
        }
        XCTAssertEqual(run(s, t, ":tokens \"The quick brown fox\"").out, "4\n")
        // Any expression: evaluated in the session.
        run(s, t, "var greeting = \"hello\"")
        XCTAssertEqual(run(s, t, ":tokens greeting + \" \" + greeting").out, "\(try smolLM2TokenCount("hello hello"))\n")
        // Messages go through the chat template, so they take more than their text.
        let messages = Int(run(s, t, ":tokens [user(\"hello\")]").out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(messages, try smolLM2TokenCount("hello"))
        XCTAssertEqual(run(s, t, ":tokens").out, "usage: :tokens EXPR\n")
        // Counting is not an input: nothing to save, and `_` is the count.
        let path = directory.appendingPathComponent("tokens.quill").path
        XCTAssertEqual(run(s, t, ":save \(path)").out, "saved 1 inputs to \(path)\n")
        XCTAssertEqual(s.module["_"], .int(messages))
    }

    // MARK: - :model sets the session default

    func testModelSetsTheSessionDefaultForModelCallsAndTokens() throws {
        let spec = "local:" + (try smolLM2Link())
        let (s, t) = session()
        XCTAssertEqual(run(s, t, ":model").out, "the session's default model is local; :model SPEC sets another\n")
        XCTAssertNotEqual(run(s, t, "model().name").out, "\(Value.str(spec).repr)\n")

        XCTAssertEqual(run(s, t, ":model \(spec)").out,
                       "m = model(\"\(spec)\"), the session's default model (model() and :tokens use it)\n")
        XCTAssertEqual(s.defaultModel, spec)
        XCTAssertEqual(run(s, t, ":model").out, "the session's default model is \(spec); :model SPEC sets another\n")
        // `m` is the model, and a plain model() opens it too.
        XCTAssertEqual(run(s, t, "m.name").out, "\(Value.str(spec).repr)\n")
        XCTAssertEqual(run(s, t, "model().name").out, "\(Value.str(spec).repr)\n")
        XCTAssertEqual(run(s, t, "model(temperature: 0).name").out, "\(Value.str(spec).repr)\n")
        // A call through model() is the new model's, in the ledger and the trace.
        run(s, t, "model(temperature: 0).gen(\"Hi\", max_tokens: 2, stream: false)")
        let trace = try json(run(s, t, ":trace").out)
        XCTAssertEqual(trace["model"] as? String, spec)
        XCTAssertTrue(run(s, t, ":usage").out.hasPrefix("\(spec): 1 calls, "))
        XCTAssertEqual(run(s, t, ":tokens \"The quick brown fox\"").out, "4\n")
        // A quoted spec is the same spec.
        run(s, t, ":model \"\(spec)\"")
        XCTAssertEqual(s.defaultModel, spec)

        // The saved session says what `:model` did, and its `m` is the same model.
        let saved = directory.appendingPathComponent("model.quill").path
        run(s, t, ":save \(saved)")
        let script = try String(contentsOfFile: saved, encoding: .utf8)
        XCTAssertTrue(script.hasPrefix("model().name\n# :model \(spec) (the session's default model from here on)\n"
                                        + "let m = model(\(Value.str(spec).repr))\nm.name\n"), script)
        let (loaded, lt) = session()
        run(loaded, lt, ":load \(saved)")
        XCTAssertEqual(run(loaded, lt, "m.name").out, "\(Value.str(spec).repr)\n")
    }

    func testModelThatCannotBeOpenedLeavesTheDefault() throws {
        let (s, t) = session()
        let missing = directory.appendingPathComponent("nothing-here.gguf").path
        let failed = run(s, t, ":model local:\(missing)", expect: .failed)
        XCTAssertFalse(failed.err.isEmpty)
        XCTAssertEqual(failed.out, "")
        XCTAssertEqual(s.defaultModel, "local")
        XCTAssertNotEqual(s.module["m"]?.typeName, "model")
        // An `m` the session had is kept.
        run(s, t, "var m = 5")
        run(s, t, ":model local:\(missing)", expect: .failed)
        XCTAssertEqual(run(s, t, "m").out, "5\n")
        let invalid = run(s, t, ":model nosuchprovider:x", expect: .failed)
        XCTAssertTrue(invalid.err.contains("nosuchprovider"), invalid.err)
        XCTAssertEqual(s.defaultModel, "local")
        let path = directory.appendingPathComponent("none.quill").path
        XCTAssertEqual(run(s, t, ":save \(path)").out, "saved 2 inputs to \(path)\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "var m = 5\nm\n")
    }

    /// `:tokens` counts with whatever model is the default: a host model whose tokens are its
    /// characters, next to SmolLM2's BPE.
    func testTokensFollowsTheDefaultModel() throws {
        let (s, t) = session()
        s.models.hostProviders["chars"] = { name in CharacterModel(name: "chars:" + name) }
        let text = "The quick brown fox"
        XCTAssertEqual(run(s, t, ":tokens \(Value.str(text).repr)").out, "\(try smolLM2TokenCount(text))\n")
        run(s, t, ":model chars:test")
        XCTAssertEqual(s.defaultModel, "chars:test")
        XCTAssertEqual(run(s, t, ":tokens \(Value.str(text).repr)").out, "\(text.count)\n")
        XCTAssertEqual(run(s, t, "model().count_tokens(\"abc\")").out, "3\n")
        // The session started with another default: `:reset` goes back to it.
        let (other, ot) = session(.init(defaultModel: "chars:start"))
        other.models.hostProviders["chars"] = { name in CharacterModel(name: "chars:" + name) }
        XCTAssertEqual(run(other, ot, "model().name").out, "\"chars:start\"\n")
        XCTAssertEqual(other.defaultModel, "chars:start")
        other.defaultModel = "local"
        run(other, ot, ":reset")
        XCTAssertEqual(other.defaultModel, "chars:start")
    }
}

/// A host model whose tokens are the characters of its input; it does not generate.
private final class CharacterModel: LanguageModel {
    let name: String
    var enforcesConstraints: Bool { false }
    var cacheIdentity: String { name }
    init(name: String) { self.name = name }

    func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error> {
        AsyncThrowingStream { $0.finish(throwing: LLMError.provider(model: self.name, message: "does not generate")) }
    }

    func tokenize(_ text: String) throws -> [Int] { text.unicodeScalars.map { Int($0.value) } }

    func countTokens(_ input: LLMInput) throws -> Int {
        switch input {
        case .text(let text): return text.count
        case .messages(let messages): return messages.reduce(0) { $0 + $1.content.count }
        }
    }
}
