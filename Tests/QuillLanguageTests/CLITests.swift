import Foundation
import QuillTestSupport
import XCTest
@testable import QuillLanguage

/// Runs the real `quill` executable that `swift test` built next to the test bundle.
final class CLITests: XCTestCase {
    typealias Result = ProcessResult

    func quill(_ arguments: [String], stdin: String? = nil) throws -> Result {
        try ProcessRunner.run(ProcessRunner.quillBinary, arguments, environment: ["NO_COLOR": "1", "PATH": "/usr/bin:/bin"], stdin: stdin)
    }

    func temporaryScript(_ text: String, name: String = "script.quill") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quill-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testRunFileAndShorthand() throws {
        let path = try temporaryScript("print(\"hi \\(args)\")\n")
        let a = try quill(["run", path, "x", "--flag"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, "hi [\"x\", \"--flag\"]\n")
        let b = try quill([path, "y"])
        XCTAssertEqual(b.stdout, "hi [\"y\"]\n")
    }

    func testEvalAndStdin() throws {
        XCTAssertEqual(try quill(["-e", "print(6 * 7)"]).stdout, "42\n")
        XCTAssertEqual(try quill(["-"], stdin: "print(\"from stdin\")").stdout, "from stdin\n")
    }

    func testVersionAndHelp() throws {
        let v = try quill(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.hasPrefix("quill "), v.stdout)
        let h = try quill(["help"])
        XCTAssertEqual(h.status, 0)
        XCTAssertTrue(h.stdout.contains("check"), h.stdout)
    }

    func testExitCodes() throws {
        XCTAssertEqual(try quill(["-e", "let x = "]).status, 65)
        let runtime = try quill(["-e", "fn f() { return [][0] }\nf()"])
        XCTAssertEqual(runtime.status, 70)
        XCTAssertTrue(runtime.stderr.contains("-e:1:19: runtime error: IndexError: list index 0 out of range (length 0)"), runtime.stderr)
        XCTAssertTrue(runtime.stderr.contains("at f (-e:1:19)"), runtime.stderr)
        XCTAssertTrue(runtime.stderr.contains("at <main> (-e:2:1)"), runtime.stderr)
        XCTAssertEqual(try quill(["/nonexistent/script.quill"]).status, 74)
        XCTAssertEqual(try quill(["run", "--no-such-flag"]).status, 64)
        XCTAssertEqual(try quill(["-e", "exit(3)"]).status, 3)
    }

    func testCheckReportsEveryError() throws {
        let path = try temporaryScript("""
            let ok = 1
            let a = ok +* 2
            print(ok)
            let b = ]
            fn (x) { return x }
            """)
        let r = try quill(["check", path])
        XCTAssertEqual(r.status, 65)
        let headers = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        guard headers.count == 3 else { return XCTFail("expected 3 errors:\n\(r.stderr)") }
        XCTAssertTrue(headers[0].hasPrefix("\(path):2:13:"), r.stderr)
        XCTAssertTrue(headers[1].hasPrefix("\(path):4:9:"), r.stderr)
        XCTAssertTrue(headers[2].hasPrefix("\(path):5:4:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("3 errors in"), r.stderr)
        let clean = try temporaryScript("print(1)\n")
        XCTAssertEqual(try quill(["check", clean]).status, 0)
    }

    func testCompileErrorShowsSourceAndCaret() throws {
        let path = try temporaryScript("let count = 1\nprint(cuont)\n")
        let r = try quill([path])
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr, """
            \(path):2:7: error: undefined variable 'cuont'
            2 | print(cuont)
              |       ^
            note: did you mean 'count'?

            """)
    }

    /// `quill` with the sandbox flags; the run is not recorded.
    func sandboxed(_ arguments: [String]) throws -> Result {
        try ProcessRunner.run(ProcessRunner.quillBinary, arguments,
                              environment: ["NO_COLOR": "1", "PATH": "/usr/bin:/bin", "QUILL_NO_RECORD": "1", "SECRET_VAR": "s3"], stdin: nil)
    }

    func testWithoutSandboxFlagsTheScriptKeepsEverything() throws {
        let r = try sandboxed(["-e", "print(exists(\"/\"), env(\"SECRET_VAR\"), time.now() > 0, process.run([\"echo\", \"ran\"]).stdout.trim())"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "true s3 true ran\n")
    }

    func testSandboxGrantsNothing() throws {
        let cases: [(String, String)] = [
            ("read_file(\"/etc/hostname\")", "read_file() is not permitted: this runtime does not grant 'read files'"),
            ("write_file(\"/tmp/quill-sandboxed.txt\", \"x\")", "write_file() is not permitted: this runtime does not grant 'write files'"),
            ("env(\"SECRET_VAR\")", "env() is not permitted: this runtime does not grant 'environment'"),
            ("process.run([\"echo\"])", "process.run() is not permitted: this runtime does not grant 'subprocess'"),
            ("time.now()", "time.now() is not permitted: this runtime does not grant 'clock'"),
            ("model(\"openai:gpt-4o-mini\")", "model(\"openai:gpt-4o-mini\") is not permitted: this runtime does not grant 'network'"),
        ]
        for (code, message) in cases {
            let r = try sandboxed(["run", "--sandbox", "-e", code])
            XCTAssertEqual(r.status, 70, code)
            XCTAssertTrue(r.stderr.contains("PermissionError: \(message)"), "\(code): \(r.stderr)")
        }
        // The script file itself is read by the command, not by the script.
        let path = try temporaryScript("print(\"inside the sandbox\")\n")
        XCTAssertEqual(try sandboxed(["--sandbox", path]).stdout, "inside the sandbox\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/quill-sandboxed.txt"))
    }

    func testAllowFlagsGrantOneThingEach() throws {
        let grants: [(String, String, String)] = [
            ("--allow-env", "print(env(\"SECRET_VAR\"))", "s3\n"),
            ("--allow-run", "print(process.run([\"echo\", \"ran\"]).stdout)", "ran\n\n"),
            ("--allow-clock", "print(time.clock() >= 0)", "true\n"),
            ("--allow-sleep", "print(time.sleep(0))", "nil\n"),
        ]
        for (flag, code, expected) in grants {
            let r = try sandboxed(["run", flag, "-e", code])
            XCTAssertEqual(r.status, 0, "\(flag): \(r.stderr)")
            XCTAssertEqual(r.stdout, expected, flag)
            // Any --allow-* flag sandboxes the rest.
            let other = try sandboxed(["run", flag, "-e", "read_file(\"/etc/hostname\")"])
            XCTAssertEqual(other.status, 70, flag)
            XCTAssertTrue(other.stderr.contains("PermissionError"), other.stderr)
        }
        // With the network, a hosted model is refused for its missing key, not for permission.
        let net = try sandboxed(["run", "--allow-net", "-e", "model(\"openai:gpt-4o-mini\")"])
        XCTAssertFalse(net.stderr.contains("PermissionError"), net.stderr)
    }

    func testAllowReadAndWriteConfineFilesToDirectories() throws {
        let script = try temporaryScript("""
            print(read_file(args[0] + "/data/in.txt"))
            write_file(args[0] + "/out/result.txt", "written")
            print(read_file(args[0] + "/out/result.txt"))
            for path in [args[0] + "/data/../secret.txt", args[0] + "/data-evil/x.txt"] {
              try { read_file(path) } catch e { print(e.kind) }
            }
            try { write_file(args[0] + "/data/new.txt", "x") } catch e { print(e.message) }
            """)
        let dir = (script as NSString).deletingLastPathComponent
        let fm = FileManager.default
        for sub in ["data", "out", "data-evil"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try "input".write(toFile: dir + "/data/in.txt", atomically: true, encoding: .utf8)
        try "secret".write(toFile: dir + "/secret.txt", atomically: true, encoding: .utf8)
        try "evil".write(toFile: dir + "/data-evil/x.txt", atomically: true, encoding: .utf8)
        let real = FileAccess.resolve(dir)!
        let r = try sandboxed(["run", "--allow-read", dir + "/data", "--allow-write", dir + "/out", script, real])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            input
            written
            PermissionError
            PermissionError
            write_file() is not permitted for '\(real)/data/new.txt': this runtime grants 'write files' only in '\(real)/out'

            """)
        XCTAssertFalse(fm.fileExists(atPath: dir + "/data/new.txt"))
        let missing = try sandboxed(["run", "--allow-read", dir + "/nope", script])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("--allow-read \(dir)/nope: no such directory"), missing.stderr)
    }

    func testEvalTakesTheSandboxFlags() throws {
        let script = try temporaryScript("""
            let rows = dataset(args[0])
            evaluate(rows, fn(row) => row.q, metrics: ["exact_match"])
            """)
        let dir = (script as NSString).deletingLastPathComponent
        try "{\"q\": \"a\", \"expected\": \"a\"}\n".write(toFile: dir + "/rows.jsonl", atomically: true, encoding: .utf8)
        let denied = try sandboxed(["eval", "--sandbox", script, "--", dir + "/rows.jsonl"])
        XCTAssertEqual(denied.status, 70)
        XCTAssertTrue(denied.stderr.contains("PermissionError: dataset() is not permitted"), denied.stderr)
        let allowed = try sandboxed(["eval", "--allow-read", dir, script, "--", dir + "/rows.jsonl"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
    }
}
