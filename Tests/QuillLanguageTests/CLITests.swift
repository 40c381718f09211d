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
}
