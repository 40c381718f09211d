import Foundation
import QuillTestSupport
import XCTest

/// The REPL as people use it: the real `quill` binary in a real terminal (tmux), typed into
/// and read back. Completion, history across sessions, multi-line input, errors that keep the
/// session, Ctrl-C on a generation (SmolLM2) and on a loop, Ctrl-D, UTF-8; and piped input.
final class REPLTerminalTests: XCTestCase {
    var home: URL!

    override func setUpWithError() throws {
        home = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("quill-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        // The downloaded models, without copying them: a private QUILL_HOME for the history.
        let models = ModelsDirectory.path
        if FileManager.default.fileExists(atPath: models) {
            try FileManager.default.createSymbolicLink(atPath: home.appendingPathComponent("models").path, withDestinationPath: models)
        }
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: home)
    }

    func start() throws -> TmuxSession {
        let env = ["QUILL_HOME": home.path, "HOME": home.path, "TERM": "xterm-256color", "LANG": "C.UTF-8",
                   "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "QUILL_NO_RECORD": "1"]
        let session = try TmuxSession([ProcessRunner.quillBinary.path], environment: env)
        // capture-pane drops trailing spaces: an empty prompt reads "quill>".
        XCTAssertTrue(session.waitFor("quill>"), session.screen())
        return session
    }

    /// Types a line and presses Enter, then waits for the next prompt: libedit flushes input
    /// typed before it reads (as a terminal does when a program sets its modes), so a test
    /// that types ahead loses keys a person would not.
    func submit(_ t: TmuxSession, _ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) throws {
        let prompts = prompts(in: t.screen())
        try t.type(line)
        try t.press("Enter")
        XCTAssertTrue(t.waitFor(timeout: 30) { self.prompts(in: $0) > prompts }, t.screen(), file: file, line: lineNumber)
    }

    func prompts(in screen: String) -> Int {
        screen.split(separator: "\n").filter { $0.hasPrefix("quill>") || $0.hasPrefix("...") }.count
    }

    /// The last line with the prompt, without it.
    func promptLine(_ screen: String) -> String {
        let lines = screen.split(separator: "\n").map(String.init).filter { $0.hasPrefix("quill>") }
        return String(lines.last?.dropFirst("quill>".count).drop { $0 == " " } ?? "")
    }

    func testCompletionOfGlobalsMethodsAndNamedArguments() throws {
        let t = try start()
        try t.type("pri")
        try t.press("Tab")
        XCTAssertTrue(t.waitFor { self.promptLine($0).hasPrefix("print") }, t.screen())
        try t.press("C-u")
        try submit(t, "let s = \"abc\"")
        try t.type("s.upp")
        try t.press("Tab")
        XCTAssertTrue(t.waitFor { self.promptLine($0).hasPrefix("s.upper") }, t.screen())
        try t.type("()")
        try t.press("Enter")
        XCTAssertTrue(t.waitFor("\"ABC\""), t.screen())
        try submit(t, "let m = model(\"local\", temperature: 0)")
        try t.type("m.gen(\"hi\", max_")
        try t.press("Tab")
        XCTAssertTrue(t.waitFor { self.promptLine($0).hasPrefix("m.gen(\"hi\", max_tokens:") }, t.screen())
    }

    func testHistoryIsRecalledAfterARestart() throws {
        let first = try start()
        try submit(first, "1 + 41")
        XCTAssertTrue(first.screen().contains("42"), first.screen())
        try first.press("C-d")
        XCTAssertTrue(first.waitFor("[exit 0]"), first.screen())
        first.kill()
        let second = try start()
        try second.press("Up")
        XCTAssertTrue(second.waitFor { self.promptLine($0) == "1 + 41" }, second.screen())
    }

    func testMultiLineFunctionAndErrorsKeepTheSession() throws {
        let t = try start()
        for line in ["fn twice(x) {", "  return x * 2", "}"] { try submit(t, line) }
        XCTAssertTrue(t.screen().contains("...      return x * 2"), t.screen())
        try submit(t, "twice(21)")
        XCTAssertTrue(t.screen().contains("\n42"), t.screen())
        try submit(t, "let = 3")
        // The caret message as `quill run` prints it: name:line:col, the line, a caret under column 5.
        let screen = t.screen()
        XCTAssertNotNil(screen.firstMatch(of: /\n<repl:[0-9]+>:1:5: error: [^\n]+\n1 \| let = 3\n  \|     \^\n/), screen)
        try submit(t, "twice(\"ab\") + \"!\"")
        XCTAssertTrue(t.screen().contains("\"abab!\""), t.screen())
        try submit(t, "\"héllo wörld ✓\"")
        XCTAssertEqual(t.count("\"héllo wörld ✓\""), 2, t.screen())
        try submit(t, "_.len()")
        XCTAssertTrue(t.screen().contains("\n13"), t.screen())
    }

    func testControlCCancelsAGenerationAndALoopAndControlDExits() throws {
        let t = try start()
        try t.type("model(\"local\", temperature: 0.8, seed: 1).gen(\"Tell a very long story about a dragon.\", max_tokens: 4000)")
        try t.press("Enter")
        // Wait for streamed text to appear below the input, then interrupt.
        XCTAssertTrue(t.waitFor(timeout: 30) { $0.split(separator: "\n").count >= 4 }, t.screen())
        try t.press("C-c")
        XCTAssertTrue(t.waitFor("Interrupted\nquill>"), t.screen())
        try submit(t, "6 * 7")
        XCTAssertTrue(t.screen().contains("\n42"), t.screen())
        try submit(t, "var n = 0")
        try t.type("while true { n += 1 }")
        try t.press("Enter")
        Thread.sleep(forTimeInterval: 0.3)
        try t.press("C-c")
        XCTAssertTrue(t.waitFor { $0.components(separatedBy: "Interrupted\nquill>").count >= 3 }, t.screen())
        try submit(t, "n > 0")
        XCTAssertTrue(t.screen().contains("\ntrue"), t.screen())
        try t.type("time.sleep(60)")
        try t.press("Enter")
        Thread.sleep(forTimeInterval: 0.3)
        try t.press("C-c")
        XCTAssertTrue(t.waitFor(timeout: 5) { $0.components(separatedBy: "Interrupted\nquill>").count >= 4 }, t.screen())
        // Ctrl-C on a half-typed line drops it.
        try t.type("this is not code")
        try t.press("C-c")
        XCTAssertTrue(t.waitFor("^C"), t.screen())
        try t.press("C-d")
        XCTAssertTrue(t.waitFor("[exit 0]"), t.screen())
        XCTAssertFalse(t.screen().contains("'this'"), t.screen())
    }

    func testPipedInputIsEvaluatedLineByLine() throws {
        let result = try ProcessRunner.run(ProcessRunner.quillBinary, [], environment: ["QUILL_HOME": home.path, "PATH": "/usr/bin:/bin"],
                                           stdin: "1 + 1\nlet x = [\n  1,\n\n  2,\n]\nx.len() * 21\nfn f() {\n\n  return \"ü\"\n}\nf().len()\n")
        XCTAssertEqual(result.stdout, "2\n42\n1\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.appendingPathComponent("history").path))
        let failing = try ProcessRunner.run(ProcessRunner.quillBinary, ["repl"], environment: ["QUILL_HOME": home.path, "PATH": "/usr/bin:/bin"],
                                            stdin: "1 / 0\n2\n")
        XCTAssertEqual(failing.stdout, "2\n")
        XCTAssertTrue(failing.stderr.contains("division"), failing.stderr)
        XCTAssertEqual(failing.status, 1)
    }
}

/// Where the tests find the downloaded models: `$QUILL_HOME/models` or `~/.quill/models`.
enum ModelsDirectory {
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        return (env["QUILL_HOME"] ?? (env["HOME"] ?? NSHomeDirectory()) + "/.quill") + "/models"
    }
}
