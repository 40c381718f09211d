import Foundation
import Quill
import QuillREPL
import XCTest

/// Tab completion against a real runtime: session bindings made by running code the way the
/// REPL does, every kind of completion the issue names, and lines that must offer nothing.
final class CompleterTests: XCTestCase {
    private var runtime: QuillRuntime!
    private var module: Module!
    private var lineNumber = 0

    override func setUp() {
        runtime = QuillRuntime()
        runtime.output = { _ in }
        module = Module(name: "<repl>", file: nil)
        lineNumber = 0
    }

    /// Compiles and runs one input into the session module, as the REPL does.
    private func run(_ code: String) throws {
        lineNumber += 1
        let file = SourceFile(name: "<repl:\(lineNumber)>", text: code)
        _ = try runtime.vm.run(runtime.vm.compile(file, into: module, interactive: true))
    }

    private func completer(directory: String = FileManager.default.currentDirectoryPath) -> Completer {
        Completer(Completer.Environment(
            vm: runtime.vm, module: module, commands: [":help", ":load", ":model", ":models", ":quit", ":save", ":time"],
            modelSpecs: { ["local", "local:qwen2.5-coder-0.5b", "local:smollm2-135m", "openai:gpt-4o-mini"] },
            currentDirectory: directory))
    }

    /// Completes with the cursor at the end of `line`.
    private func complete(_ line: String, directory: String = FileManager.default.currentDirectoryPath) -> Completer.Completion {
        completer(directory: directory).complete(line, cursor: line.utf8.count)
    }

    // MARK: - Names

    func testBuiltinsKeywordsAndSessionBindings() throws {
        XCTAssertEqual(complete("pri"), .init(start: 0, candidates: ["print"]))
        XCTAssertEqual(complete("whi").candidates, ["while"])
        XCTAssertTrue(complete("re").candidates.contains("return"))

        try run("let greeting_text = \"hi\"")
        try run("fn greet_user(name) { return name }")
        XCTAssertEqual(complete("let x = gree"), .init(start: 8, candidates: ["greet_user", "greeting_text"]))
    }

    func testPrivateNamesAreHiddenButTheLastValueIsNot() throws {
        try run("let _secret = 1")
        module.define("_", .int(2))
        XCTAssertEqual(complete("_"), .init(start: 0, candidates: ["_"]), "private names hidden, the last value not")
        XCTAssertEqual(complete("_se").candidates, ["_secret"], "shown once the prefix names them")
        XCTAssertEqual(complete("{_hidden: 1, shown: 2}.sh").candidates, ["shown"])
        XCTAssertFalse(complete("{_hidden: 1, shown: 2}.").candidates.contains("_hidden"))
    }

    func testAnEmptyWordOffersNothingOutsideCallsAndMembers() {
        XCTAssertEqual(complete(""), .init(start: 0, candidates: []))
        XCTAssertEqual(complete("let x = "), .init(start: 8, candidates: []))
    }

    // MARK: - Members

    func testMembersOfLiteralsByRuntimeType() {
        XCTAssertEqual(complete("\"abc\".up"), .init(start: 6, candidates: ["upper"]))
        XCTAssertEqual(complete("\"abc\".trim"), .init(start: 6, candidates: ["trim", "trim_end", "trim_start"]))
        XCTAssertEqual(complete("[1, 2].pu").candidates, ["push"])
        XCTAssertEqual(complete("{alpha: 1, \"beta\": 2}.").candidates.filter { ["alpha", "beta", "keys"].contains($0) },
                       ["alpha", "beta", "keys"])
        XCTAssertEqual(complete("{alpha: {inner: 1}}.alpha.in").candidates, ["inner"])
        XCTAssertEqual(complete("[f(1), g].fil").candidates, ["filter"], "an unreadable element is still a list")
    }

    func testMembersOfSessionValuesNamespacesAndIndexing() throws {
        try run("let words = [\"a\", \"b\"]")
        try run("var config = {model_name: \"x\", nested: {depth: 2}, items: [{id: 1}]}")
        XCTAssertEqual(complete("words.sor"), .init(start: 6, candidates: ["sort", "sorted"]))
        XCTAssertEqual(complete("words[0].upp").candidates, ["upper"])
        XCTAssertEqual(complete("config.mod").candidates, ["model_name"])
        XCTAssertEqual(complete("print(config.nested.de").candidates, ["depth"])
        XCTAssertEqual(complete("config[\"nested\"].dep").candidates, ["depth"])
        XCTAssertEqual(complete("config.items[-1].i").candidates, ["id", "is_empty", "items"])
        XCTAssertEqual(complete("math.sq"), .init(start: 5, candidates: ["sqrt"]))
        XCTAssertTrue(complete("json.").candidates.contains("encode"))
    }

    func testMemberInsideAnInterpolation() throws {
        try run("let user = {name: \"Ada\", age: 36}")
        XCTAssertEqual(complete("print(\"hello \\(user.na").candidates, ["name"])
    }

    func testUnresolvableReceiversOfferNothing() throws {
        try run("var calls = 0")
        try run("fn bump() { calls += 1; return \"s\" }")
        for line in ["bump().up", "(\"a\" + \"b\").up", "nope.x", "words.", "1.", "math.nothing.x", "[1][5].x",
                     "if.x", "x = ).a"] {
            XCTAssertEqual(complete(line).candidates, [], line)
        }
        XCTAssertEqual(module["calls"], .int(0), "completion never calls a function")
    }

    // MARK: - Calls

    func testNamedArgumentsOfQuillFunctionsAndBuiltins() throws {
        try run("fn summarize(text, max_words: 50, style: \"plain\") { return text }")
        XCTAssertEqual(complete("summarize(\"x\", max_"), .init(start: 15, candidates: ["max_words: "]))
        XCTAssertEqual(complete("summarize(\"x\", "), .init(start: 15, candidates: ["max_words: ", "style: "]),
                       "an empty word in an argument list offers the parameters not given")
        XCTAssertEqual(complete("summarize(\"x\", style: \"a\", ").candidates, ["max_words: "])
        XCTAssertEqual(complete("summarize(").candidates, ["max_words: ", "style: ", "text: "])
        XCTAssertEqual(complete("print(1, 2, se").candidates.filter { $0.hasSuffix(": ") }, ["sep: "],
                       "variadic natives keep their named parameters")
        try run("prompt classify(ticket, labels) {\n  user ticket\n}")
        XCTAssertEqual(complete("classify(\"late\", lab").candidates, ["labels: "], "a prompt's parameters")
        XCTAssertEqual(complete("\"a,b\".split(").candidates, ["max: ", "sep: "], "a string method's parameters")
        XCTAssertEqual(complete("sorted([3, 1], rev").candidates, ["reverse: "])
        // Names still complete in an argument, next to the parameters.
        let mixed = complete("summarize(st").candidates
        XCTAssertTrue(mixed.contains("style: ") && mixed.contains("str"), "\(mixed)")
        XCTAssertEqual(complete("summarize([1, ").candidates, [], "inside a list, not at an argument")
        XCTAssertEqual(complete("fn other(a, ").candidates, [], "a declaration's parameters are not a call")
    }

    func testModelMembersAndGenerationOptions() throws {
        try run("let m = model(\"local\")")
        let members = complete("m.").candidates
        XCTAssertTrue(Set(["gen", "chat", "tokens", "count_tokens"]).isSubset(of: Set(members)), "\(members)")
        XCTAssertEqual(complete("m.ge"), .init(start: 2, candidates: ["gen", "gen_many"]))
        XCTAssertEqual(complete("m.gen(x, max_"), .init(start: 9, candidates: ["max_tokens: "]))
        XCTAssertEqual(complete("m.gen(\"hi\", temperature: 0, t").candidates.filter { $0.hasSuffix(": ") },
                       ["top_k: ", "top_p: "], "temperature was given")
    }

    // MARK: - Commands and strings

    func testCommandsAndTheirArguments() throws {
        XCTAssertEqual(complete(":he"), .init(start: 0, candidates: [":help"]))
        XCTAssertEqual(complete("  :mo"), .init(start: 2, candidates: [":model", ":models"]))
        XCTAssertEqual(complete(":model local:q"), .init(start: 7, candidates: ["local:qwen2.5-coder-0.5b"]))
        try run("let answer_text = 1")
        XCTAssertEqual(complete(":time answer_"), .init(start: 6, candidates: ["answer_text"]))
    }

    func testModelSpecsInsideModelCall() throws {
        XCTAssertEqual(complete("let m = model(\"lo"),
                       .init(start: 15, candidates: ["local", "local:qwen2.5-coder-0.5b", "local:smollm2-135m"]))
        XCTAssertEqual(complete("model(spec: \"open").candidates, ["openai:gpt-4o-mini"])
        try run("let make = model")
        XCTAssertEqual(complete("make(\"local:s").candidates, ["local:smollm2-135m"], "model under another name")
    }

    func testFilePathsInsideStrings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completer-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("data/inner"), withIntermediateDirectories: true)
        for file in ["data.csv", "data/rows.jsonl", ".hidden", "notes \"q\".txt"] {
            try Data().write(to: dir.appendingPathComponent(file))
        }
        defer { try? fm.removeItem(at: dir) }
        let path = dir.path

        XCTAssertEqual(complete("read_file(\"da", directory: path), .init(start: 11, candidates: ["data.csv", "data/"]))
        XCTAssertEqual(complete("read_file(\"data/", directory: path), .init(start: 16, candidates: ["inner/", "rows.jsonl"]))
        XCTAssertEqual(complete("\"", directory: path).candidates, ["data.csv", "data/", "notes \\\"q\\\".txt"],
                       "hidden files wait for a dot; quotes are escaped")
        XCTAssertEqual(complete("\".h", directory: path).candidates, [".hidden"])
        XCTAssertEqual(complete("\"\(path)/data/r").candidates, ["rows.jsonl"], "absolute paths")
        XCTAssertEqual(complete(":load data/in", directory: path), .init(start: 11, candidates: ["inner/"]))
        XCTAssertEqual(complete("\"nowhere/x", directory: path).candidates, [])
        XCTAssertEqual(complete("\"\\(x)da", directory: path).candidates, [], "no paths after an interpolation")

        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let visible = try fm.contentsOfDirectory(atPath: home).filter { !$0.hasPrefix(".") }
        if let entry = visible.first {
            XCTAssertTrue(complete("\"~/\(entry)").candidates.contains { $0.hasPrefix(entry) }, "~/ is the home directory")
        }
    }

    func testNothingInCommentsOrAfterLiterals() {
        XCTAssertEqual(complete("print(1) # pri").candidates, [])
        XCTAssertEqual(complete("12").candidates, [])
        XCTAssertEqual(complete("\"done\"").candidates, [])
    }

    // MARK: - Offsets

    func testOffsetsAreUTF8BytesWithTextBeforeTheCursor() throws {
        try run("let title = \"crème brûlée\"")
        let line = "print(\"crème brûlée 🍮\", title.up"
        XCTAssertEqual(complete(line), .init(start: line.utf8.count - 2, candidates: ["upper"]))

        // Only the text before the cursor counts.
        let middle = "let s = \"naïve\".up + title"
        let cursor = middle.utf8.count - " + title".utf8.count
        XCTAssertEqual(completer().complete(middle, cursor: cursor), .init(start: cursor - 2, candidates: ["upper"]))
        XCTAssertEqual(completer().complete("pri", cursor: 99).candidates, ["print"], "a cursor past the end is clamped")
        XCTAssertEqual(completer().complete("pri", cursor: -3), .init(start: 0, candidates: []))
    }

    func testNonASCIIInsideStringsAndPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completer-ü-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("résumé.txt"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let line = "let ok = \"✓\"; read_file(\"ré"
        XCTAssertEqual(complete(line, directory: dir.path), .init(start: line.utf8.count - "ré".utf8.count, candidates: ["résumé.txt"]))
    }

    /// Every cursor position of random lines built from the pieces completion cares about:
    /// no crash, a start between 0 and the cursor, candidates sorted and unique.
    func testRandomLinesAtEveryCursor() throws {
        try run("let m = {a: [1, \"x\"], b: {c: nil}}")
        let pieces = ["m", ".", "a", "b", "c", "(", ")", "[", "]", "{", "}", ",", ":", " ", "\"", "\\(", "\\",
                      "-1", "0", "1.5", "é", "🍮", "#", "\"\"\"", "print", "fn", "model", "math", "sq", "_", "..", "=", "/", "~"]
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let completer = completer()
        for _ in 0..<400 {
            let line = (0..<(1 + next(14))).map { _ in pieces[next(pieces.count)] }.joined()
            for cursor in 0...line.utf8.count {
                let c = completer.complete(line, cursor: cursor)
                XCTAssertTrue(c.start >= 0 && c.start <= cursor, "\(line) at \(cursor): start \(c.start)")
                XCTAssertEqual(c.candidates, Array(Set(c.candidates)).sorted(), line)
            }
        }
    }

    func testCommonPrefix() {
        XCTAssertEqual(Completer.commonPrefix([]), "")
        XCTAssertEqual(Completer.commonPrefix(["max_tokens: "]), "max_tokens: ")
        XCTAssertEqual(Completer.commonPrefix(["trim", "trim_end", "trim_start"]), "trim")
        XCTAssertEqual(Completer.commonPrefix(["sort", "sorted", "sum"]), "s")
        XCTAssertEqual(Completer.commonPrefix(["abc", "xyz"]), "")
        XCTAssertEqual(Completer.commonPrefix(["résumé", "résumés", "rés"]), "rés")
        XCTAssertEqual(Completer.commonPrefix(["e\u{301}a", "e\u{301}b"]), "e\u{301}", "never splits a character")
    }
}
