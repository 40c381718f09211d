import Foundation
import XCTest
import Quill

/// Escape attempts against an embedded runtime's sandbox. Each must end in its specific Quill
/// error, leave no trace outside (no file written, no secret printed), and leave the host and
/// the runtime working: after every attempt the same runtime still evaluates, and the process
/// is evidently still here to check.
final class SandboxTests: XCTestCase {
    struct Attempt {
        let name: String
        let source: String
        let kind: String
        var configure: (inout Runtime.Configuration) -> Void = { _ in }
    }

    var dir = ""       // a directory the confined attempts may use
    var outside = ""   // a sibling directory they may not

    override func setUpWithError() throws {
        let base = NSTemporaryDirectory() + "quill-sandbox-\(UUID().uuidString.prefix(8))"
        dir = base + "/allowed"
        outside = base + "/allowed-evil"
        for d in [dir, outside, dir + "/sub"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "inside".write(toFile: dir + "/note.txt", atomically: true, encoding: .utf8)
        try "secret".write(toFile: outside + "/secret.txt", atomically: true, encoding: .utf8)
        try #"let stolen = "module outside""#.write(toFile: outside + "/evil.quill", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/passwd-link", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: dir + "/escape", withDestinationPath: outside)
        setenv("QUILL_SANDBOX_TEST_SECRET", "hunter2", 1)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent)
    }

    /// The attempts: what a hostile or careless script tries, and the error that must stop it.
    var attempts: [Attempt] {
        let read: (inout Runtime.Configuration) -> Void = { [dir] in
            $0.capabilities = [.readFiles]
            $0.readableDirectories = [dir]
        }
        let write: (inout Runtime.Configuration) -> Void = { [dir] in
            $0.capabilities = [.readFiles, .writeFiles]
            $0.writableDirectories = [dir]
        }
        return [
            Attempt(name: "read /etc/passwd", source: #"read_file("/etc/passwd")"#, kind: "PermissionError"),
            Attempt(name: "read lines of /etc/passwd", source: #"read_lines("/etc/passwd")"#, kind: "PermissionError"),
            Attempt(name: "list /", source: #"list_dir("/")"#, kind: "PermissionError"),
            Attempt(name: "probe a file's existence", source: #"exists("/etc/shadow")"#, kind: "PermissionError"),
            Attempt(name: "write /tmp", source: #"write_file("\#(outside)/dropped.txt", "x")"#, kind: "PermissionError"),
            Attempt(name: "import a file by path", source: #"import "\#(outside)/evil.quill""#, kind: "PermissionError"),
            Attempt(name: "read an environment secret", source: #"env("QUILL_SANDBOX_TEST_SECRET")"#, kind: "PermissionError"),
            Attempt(name: "read HOME", source: #"env("HOME")"#, kind: "PermissionError"),
            Attempt(name: "read standard input", source: "input()", kind: "PermissionError"),
            Attempt(name: "run a subprocess", source: #"process.run(["cat", "/etc/passwd"])"#, kind: "PermissionError"),
            Attempt(name: "run a shell", source: #"process.run(["sh", "-c", "echo pwned > \#(outside)/pwned"])"#, kind: "PermissionError"),
            Attempt(name: "call OpenAI without the network", source: #"model("openai:gpt-4o-mini").gen("hi")"#, kind: "PermissionError"),
            Attempt(name: "call a server by URL", source: #"model("openai-compatible:http://127.0.0.1:9/v1#m").gen("hi")"#, kind: "PermissionError"),
            Attempt(name: "call Ollama", source: #"model("ollama:llama3.2").gen("hi")"#, kind: "PermissionError"),
            Attempt(name: "pull a model", source: #"model("local:smollm2")"#, kind: "PermissionError",
                    configure: { $0.modelHome = NSTemporaryDirectory() + "quill-empty-store-\(UUID().uuidString)" }),
            Attempt(name: "load a model file by path", source: #"model("local:\#(outside)/secret.txt")"#, kind: "PermissionError"),
            Attempt(name: "read the clock", source: "time.now()", kind: "PermissionError"),
            Attempt(name: "sleep", source: "time.sleep(30)", kind: "PermissionError"),
            Attempt(name: "open a dataset", source: #"dataset("/etc/passwd")"#, kind: "PermissionError"),
            Attempt(name: "climb out with ..", source: #"read_file("\#(dir)/../allowed-evil/secret.txt")"#, kind: "PermissionError", configure: read),
            Attempt(name: "a sibling with the same prefix", source: #"read_file("\#(outside)/secret.txt")"#, kind: "PermissionError", configure: read),
            Attempt(name: "a symlink to /etc/passwd", source: #"read_file("\#(dir)/passwd-link")"#, kind: "PermissionError", configure: read),
            Attempt(name: "a symlinked directory out", source: #"read_file("\#(dir)/escape/secret.txt")"#, kind: "PermissionError", configure: read),
            Attempt(name: "relative climbing", source: #"read_file("../../../../../../../../etc/passwd")"#, kind: "PermissionError", configure: read),
            Attempt(name: "write without the capability", source: #"write_file("\#(dir)/x.txt", "x")"#, kind: "PermissionError", configure: read),
            Attempt(name: "write outside the allowed dir", source: #"write_file("\#(outside)/dropped.txt", "x")"#, kind: "PermissionError", configure: write),
            Attempt(name: "write through ..", source: #"write_file("\#(dir)/sub/../../allowed-evil/dropped.txt", "x")"#, kind: "PermissionError", configure: write),
            Attempt(name: "write through a symlinked dir", source: #"write_file("\#(dir)/escape/dropped.txt", "x")"#, kind: "PermissionError", configure: write),
            Attempt(name: "import from outside", source: #"import "\#(dir)/../allowed-evil/evil.quill""#, kind: "PermissionError", configure: read),
            Attempt(name: "list outside", source: #"list_dir("\#(outside)")"#, kind: "PermissionError", configure: read),
            Attempt(name: "an infinite loop", source: "while true {}", kind: "LimitError", configure: { $0.limits.steps = 100_000 }),
            Attempt(name: "an infinite loop against the clock", source: "var i = 0\nwhile true { i += 1 }", kind: "TimeoutError",
                    configure: { $0.limits.timeout = 0.2 }),
            Attempt(name: "catching the timeout and looping on", source: "try { while true {} } catch e { while true {} }",
                    kind: "TimeoutError", configure: { $0.limits.timeout = 0.2 }),
            Attempt(name: "unbounded recursion", source: "fn f(n) { return f(n + 1) + 1 }\nf(0)", kind: "StackOverflowError",
                    configure: { $0.limits.callDepth = 500 }),
            Attempt(name: "a 10 GB string", source: #"let s = "x" * 10_000_000_000"#, kind: "MemoryError",
                    configure: { $0.limits.memory = 64 << 20 }),
            Attempt(name: "a doubling string", source: "var s = \"x\"\nwhile true { s = s + s }", kind: "MemoryError",
                    configure: { $0.limits.memory = 64 << 20 }),
            Attempt(name: "runaway list growth", source: "let l = []\nwhile true { l.push(len(l)) }", kind: "MemoryError",
                    configure: { $0.limits.memory = 16 << 20 }),
            Attempt(name: "a huge list at once", source: "let l = [0] * 10_000_000_000", kind: "MemoryError",
                    configure: { $0.limits.memory = 64 << 20 }),
            Attempt(name: "a growing map", source: "let m = {}\nvar i = 0\nwhile true { m[str(i)] = i\ni += 1 }", kind: "MemoryError",
                    configure: { $0.limits.memory = 16 << 20 }),
            Attempt(name: "an output flood", source: #"while true { print("spam spam spam") }"#, kind: "OutputLimitError",
                    configure: { $0.limits.output = 10_000 }),
            Attempt(name: "a hook that never returns", source: """
                on("response", fn(e) { while true {} })
                model("shop:upper").gen("hello")
                """, kind: "TimeoutError", configure: { $0.limits.timeout = 0.3 }),
            Attempt(name: "a host function that never returns", source: "hang()", kind: "TimeoutError",
                    configure: { $0.limits.timeout = 0.3 }),
            Attempt(name: "spending past the budget", source: #"model("shop:upper").gen("one two three", max_tokens: 1000)"#,
                    kind: "BudgetExceeded", configure: {
                        $0.limits.spend = Decimal(string: "0.001")
                        $0.prices["shop:upper"] = ModelPrice(input: 10, output: 10)
                    }),
            Attempt(name: "nesting past the parser", source: String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
                    kind: "CompileError"),
            Attempt(name: "exit the host", source: "exit(1)", kind: "Exit"),
        ]
    }

    func testEveryEscapeAttemptEndsInItsError() async throws {
        let attempts = self.attempts
        XCTAssertGreaterThanOrEqual(attempts.count, 30)
        for attempt in attempts {
            let printed = Locked("")
            let model = WordModel(name: "shop:upper")
            var configuration = Runtime.Configuration()
            configuration.output = { text in printed.withLock { $0 += text } }
            configuration.diagnostics = { _ in }
            configuration.hostModels["shop"] = { _ in model }
            attempt.configure(&configuration)
            let runtime = Runtime(configuration)
            runtime.register("hang") { _ async throws -> QuillValue in
                // Never resumes, and ignores cancellation: the worst a host function can do.
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
                return .nil
            }
            do {
                let value = try await runtime.run(source: attempt.source, name: "attempt.quill")
                XCTFail("\(attempt.name): the script succeeded with \(value)")
            } catch let error as ScriptError {
                XCTAssertEqual(error.kind, attempt.kind, "\(attempt.name): \(error.description)")
            } catch {
                XCTFail("\(attempt.name): \(error)")
            }
            // The runtime and the host carry on.
            let after = try await runtime.evaluate("1 + 1")
            XCTAssertEqual(after, 2, attempt.name)
            XCTAssertFalse(printed.value.contains("hunter2"), attempt.name)
            XCTAssertFalse(printed.value.contains("root:"), attempt.name)
            if attempt.kind == "OutputLimitError" { XCTAssertEqual(printed.value.utf8.count, 10_000) }
            if attempt.kind == "BudgetExceeded" { XCTAssertEqual(model.requests, 0, "the request was sent") }
        }
        for leftover in ["dropped.txt", "pwned"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: outside + "/" + leftover), leftover)
        }
    }

    /// What the confinement allows still works: the sandbox is not simply "deny everything".
    func testAllowedDirectoriesStillWork() async throws {
        var configuration = Runtime.Configuration()
        configuration.capabilities = [.readFiles, .writeFiles]
        configuration.writableDirectories = [dir]
        configuration.output = { _ in }
        let runtime = Runtime(configuration)
        let value = try await runtime.run(source: """
            write_file("\(dir)/sub/out.txt", read_file("\(dir)/note.txt") + "!")
            read_file("\(dir)/sub/../sub/out.txt")
            """)
        XCTAssertEqual(value, "inside!")
    }
}
