import Foundation
import XCTest
@testable import QuillLanguage

/// `process.run`: programs started directly (no shell), their status and outputs, input,
/// timeouts and interrupts that kill them, and clear errors.
final class ProcessLibraryTests: XCTestCase {
    /// The script's output, or the kind and message of the error it stopped with.
    func run(_ code: String, vm: VM = VM()) -> String {
        var printed = ""
        vm.output = { printed += $0 }
        do {
            try vm.run(source: code, name: "process")
            return printed
        } catch let e as RuntimeError {
            return "\(e.kind): \(e.message)"
        } catch {
            return "\(error)"
        }
    }

    func testEchoWithoutAShell() {
        XCTAssertEqual(run("print(process.run([\"echo\", \"hi  there\", \"$HOME\", \"*\"]))"),
                       "{\"status\": 0, \"stdout\": \"hi  there $HOME *\\n\", \"stderr\": \"\"}\n")
    }

    func testExitStatusAndStandardError() {
        XCTAssertEqual(run("""
            let r = process.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
            print(r.status, r.stdout.trim(), r.stderr.trim())
            """), "3 out err\n")
        XCTAssertEqual(run("print(process.run([\"sh\", \"-c\", \"kill -9 $$\"]).status)"), "-9\n")
    }

    func testInputIsWrittenToTheProgram() {
        XCTAssertEqual(run("print(process.run([\"cat\"], input: \"line 1\\nline 2\").stdout)"), "line 1\nline 2\n")
        // Without input: an empty standard input, never the terminal.
        XCTAssertEqual(run("print(process.run([\"cat\"]).stdout == \"\")"), "true\n")
        // Big enough to fill every pipe: writing and reading must interleave.
        XCTAssertEqual(run("""
            let big = "x" * 3000000
            let r = process.run(["sh", "-c", "cat; cat >&2 < /dev/null"], input: big)
            print(len(r.stdout))
            """), "3000000\n")
        // A program that does not read its input must not take the host down with SIGPIPE.
        XCTAssertEqual(run("print(process.run([\"true\"], input: \"y\" * 1000000).status)"), "0\n")
    }

    func testWorkingDirectory() {
        XCTAssertEqual(run("print(process.run([\"pwd\"], cwd: \"/\").stdout)"), "/\n\n")
        XCTAssertEqual(run("process.run([\"pwd\"], cwd: \"/no/such/dir\")"),
                       "IOError: process.run(): cwd '/no/such/dir' is not a directory")
    }

    func testTimeoutKillsTheProgram() {
        let start = Date()
        XCTAssertEqual(run("process.run([\"sh\", \"-c\", \"sleep 30; echo late\"], timeout: 0.3)"),
                       "TimeoutError: process.run(): 'sh' did not finish within 0.3 s, so it was killed")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertEqual(run("print(process.run([\"echo\", \"quick\"], timeout: 10).stdout)"), "quick\n\n")
    }

    func testMissingProgramAndBadArguments() {
        XCTAssertEqual(run("process.run([\"no-such-program-quill\"])"),
                       "IOError: process.run(): cannot run 'no-such-program-quill': no such program (not found on PATH, or no file at that path)")
        // Not a program: the system's reason (permission, or exec format when run as root).
        XCTAssertTrue(run("process.run([\"/etc/hostname\"])").hasPrefix("IOError: process.run(): cannot run '/etc/hostname': "))
        XCTAssertEqual(run("process.run([])"), "ValueError: process.run(): argv must name a program")
        XCTAssertEqual(run("process.run([\"echo\", 1])"), "TypeError: process.run(): argv[1] must be a string, not int")
        XCTAssertEqual(run("process.run([\"true\"], timeout: 0)"),
                       "ValueError: process.run(): timeout must be a positive number of seconds, got 0")
    }

    func testAnInterruptKillsTheProgram() throws {
        let vm = VM()
        let interruption = vm.interruption
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { interruption.interrupt() }
        let start = Date()
        XCTAssertEqual(run("process.run([\"sleep\", \"30\"])\nprint(\"not reached\")", vm: vm), "Interrupted: interrupted")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testBatchTasksRunProgramsConcurrently() {
        let start = Date()
        XCTAssertEqual(run("print(batch([1, 2, 3, 4], fn(x) => process.run([\"sleep\", \"0.5\"]).status, concurrency: 4))"),
                       "[0, 0, 0, 0]\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.8)
    }
}
