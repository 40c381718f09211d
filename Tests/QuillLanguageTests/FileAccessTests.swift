import Foundation
import XCTest
@testable import Quill
@testable import QuillLanguage

/// File capabilities confined to directories: every way out of the allowed directory that a
/// script could try (`..`, a sibling whose name starts the same, links pointing out, a new
/// file under a linked directory or through a dangling link, imports) is a PermissionError,
/// and nothing outside is read or created.
final class FileAccessTests: XCTestCase {
    /// The scratch tree: `root/allowed` (readable), `root/allowed/out` (writable), and
    /// outside them `root/secret.txt`, `root/allowed-evil/x.txt`, `root/outside.quill`.
    var root = "", allowed = "", out = "", secret = ""

    override func setUpWithError() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("quill-access-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: base, withIntermediateDirectories: true)
        root = FileAccess.resolve(base)!
        allowed = root + "/allowed"
        out = allowed + "/out"
        secret = root + "/secret.txt"
        for dir in [allowed, out, root + "/allowed-evil"] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try "inside".write(toFile: allowed + "/data.txt", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: secret, atomically: true, encoding: .utf8)
        try "evil".write(toFile: root + "/allowed-evil/x.txt", atomically: true, encoding: .utf8)
        try "let value = \"inner\"".write(toFile: allowed + "/inner.quill", atomically: true, encoding: .utf8)
        try "let value = \"outer\"".write(toFile: root + "/outside.quill", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: allowed + "/link-out", withDestinationPath: secret)
        try fm.createSymbolicLink(atPath: allowed + "/dir-out", withDestinationPath: root)
        try fm.createSymbolicLink(atPath: out + "/dangling", withDestinationPath: root + "/created.txt")
        try fm.createSymbolicLink(atPath: out + "/up", withDestinationPath: "..")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A VM that may read `allowed` and write `out`.
    func confinedVM() -> VM {
        let vm = VM()
        vm.capabilities = [.readFiles, .writeFiles]
        vm.fileAccess = FileAccess(readableRoots: [allowed], writableRoots: [out])
        return vm
    }

    /// The script's output, or the kind and message of the error it stopped with.
    func run(_ code: String, vm: VM? = nil, name: String = "confined") -> String {
        let vm = vm ?? confinedVM()
        var printed = ""
        vm.output = { printed += $0 }
        do {
            try vm.run(source: code, name: name)
            return printed
        } catch let e as RuntimeError {
            return "\(e.kind): \(e.message)"
        } catch {
            return "\(error)"
        }
    }

    func assertDenied(_ code: String, _ fragments: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        let result = run(code)
        XCTAssertTrue(result.hasPrefix("PermissionError: "), "\(code) → \(result)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.contains(fragment), "\(code) → \(result) (expected '\(fragment)')", file: file, line: line)
        }
    }

    func testReadingInsideTheAllowedDirectory() {
        XCTAssertEqual(run("print(read_file(\"\(allowed)/data.txt\"))"), "inside\n")
        XCTAssertEqual(run("print(read_lines(\"\(allowed)/./out/../data.txt\"))"), "[\"inside\"]\n")
        XCTAssertEqual(run("print(list_dir(\"\(allowed)\"))"), "[\"data.txt\", \"dir-out\", \"inner.quill\", \"link-out\", \"out\"]\n")
        XCTAssertEqual(run("print(exists(\"\(allowed)/nope.txt\"), exists(\"\(allowed)/data.txt\"))"), "false true\n")
    }

    func testDeniedReadNamesTheCapabilityThePathAndTheDirectories() {
        assertDenied("read_file(\"\(secret)\")",
                     ["read_file() is not permitted for '\(secret)'", "'read files' only in '\(allowed)', '\(out)'"])
    }

    func testDotDotTraversalIsRefused() {
        assertDenied("read_file(\"\(allowed)/../secret.txt\")", ["(\(secret))"])
        assertDenied("read_lines(\"\(out)/../../secret.txt\")")
        assertDenied("list_dir(\"\(allowed)/..\")")
        assertDenied("exists(\"\(allowed)/../secret.txt\")")
    }

    func testRelativePathsAreResolvedAgainstTheWorkingDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        let up = String(repeating: "../", count: cwd.split(separator: "/").count)
        XCTAssertEqual(run("print(read_file(\"\(up)\(allowed.dropFirst())/data.txt\"))"), "inside\n")
        assertDenied("read_file(\"\(up)\(secret.dropFirst())\")")
    }

    func testASiblingWithTheSamePrefixIsOutside() {
        assertDenied("read_file(\"\(root)/allowed-evil/x.txt\")")
        assertDenied("write_file(\"\(out)-evil.txt\", \"x\")")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "-evil.txt"))
    }

    func testLinksPointingOutAreRefused() {
        assertDenied("read_file(\"\(allowed)/link-out\")", ["'\(allowed)/link-out' (\(secret))"])
        assertDenied("read_file(\"\(allowed)/dir-out/secret.txt\")")
        assertDenied("list_dir(\"\(allowed)/dir-out\")")
    }

    func testWritingInsideTheWritableDirectoryAndReadingItBack() {
        XCTAssertEqual(run("""
            write_file("\(out)/new.txt", "one")
            write_file("\(out)/new.txt", " two", append: true)
            print(read_file("\(out)/new.txt"))
            """), "one two\n")
    }

    func testWritingOutsideIsRefusedAndCreatesNothing() {
        assertDenied("write_file(\"\(root)/new.txt\", \"x\")", ["write_file() is not permitted", "'write files' only in '\(out)'"])
        // Readable is not writable.
        assertDenied("write_file(\"\(allowed)/data.txt\", \"overwritten\")")
        XCTAssertEqual(try String(contentsOfFile: allowed + "/data.txt", encoding: .utf8), "inside")
        assertDenied("write_file(\"\(out)/../../new.txt\", \"x\")")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/new.txt"))
    }

    func testNewFilesUnderALinkedParentOrADanglingLinkAreRefused() {
        // `out/up` is a link to `allowed`, which is readable but not writable.
        assertDenied("write_file(\"\(out)/up/planted.txt\", \"x\")")
        XCTAssertFalse(FileManager.default.fileExists(atPath: allowed + "/planted.txt"))
        // A dangling link would create its target outside.
        assertDenied("write_file(\"\(out)/dangling\", \"x\")", ["(\(root)/created.txt)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/created.txt"))
        // A new file under a directory that does not exist, climbing out with `..`.
        assertDenied("write_file(\"\(out)/missing/../../../new.txt\", \"x\")")
    }

    func testImportsAreConfinedToo() {
        let main = allowed + "/main.quill"
        XCTAssertEqual(run("import \"./inner.quill\" as m\nprint(m.value)", name: main), "inner\n")
        for path in ["../outside.quill", "./dir-out/outside.quill", root + "/outside.quill"] {
            let result = run("import \"\(path)\" as m\nprint(m.value)", name: main)
            XCTAssertTrue(result.hasPrefix("PermissionError: import of a file is not permitted"), "\(path) → \(result)")
        }
    }

    func testSearchPathsOutsideTheReadableDirectoriesAreSkipped() {
        let vm = VM(moduleLoader: ModuleLoader(searchPaths: [root, allowed]))
        vm.capabilities = [.readFiles]
        vm.fileAccess = FileAccess(readableRoots: [allowed])
        try? "let value = \"outside\"".write(toFile: root + "/inner.quill", atomically: true, encoding: .utf8)
        XCTAssertEqual(run("import \"inner\" as m\nprint(m.value)", vm: vm), "inner\n")
    }

    func testBatchTasksInheritTheConfinement() {
        XCTAssertEqual(run("""
            let r = batch(["\(allowed)/data.txt", "\(secret)"], fn(p) => read_file(p))
            print(r[0], r[1].kind)
            """), "inside PermissionError\n")
    }

    func testWritableRootsAloneGrantReadingThemOnly() {
        let vm = VM()
        vm.capabilities = [.writeFiles]
        vm.fileAccess = FileAccess(writableRoots: [out])
        XCTAssertEqual(run("write_file(\"\(out)/w.txt\", \"back\")\nprint(read_file(\"\(out)/w.txt\"))", vm: vm), "back\n")
        XCTAssertEqual(run("read_file(\"\(allowed)/data.txt\")", vm: vm).prefix(16), "PermissionError:")
    }

    func testWithoutRootsTheCapabilityAloneDecides() {
        let vm = VM()
        vm.capabilities = [.readFiles]
        XCTAssertEqual(run("print(read_file(\"\(secret)\"))", vm: vm), "top secret\n")
        XCTAssertEqual(run("read_file(\"\(secret)\")", vm: VM()).hasPrefix("PermissionError"), false)
        let none = VM()
        none.capabilities = .none
        XCTAssertEqual(run("read_file(\"\(allowed)/data.txt\")", vm: none),
                       "PermissionError: read_file() is not permitted: this runtime does not grant 'read files'")
    }

    func testResolve() {
        XCTAssertEqual(FileAccess.resolve(allowed + "/./out/../data.txt"), allowed + "/data.txt")
        XCTAssertEqual(FileAccess.resolve(allowed + "/link-out"), secret)
        XCTAssertEqual(FileAccess.resolve(allowed + "/dir-out/new/file.txt"), root + "/new/file.txt")
        XCTAssertEqual(FileAccess.resolve(out + "/dangling"), root + "/created.txt")
        XCTAssertNil(FileAccess.resolve(allowed + "/missing/../data.txt"))
        XCTAssertNil(FileAccess.resolve(""))
        XCTAssertTrue(FileAccess.path(allowed, isInside: [allowed]))
        XCTAssertTrue(FileAccess.path("/etc/hostname", isInside: ["/"]))
        XCTAssertFalse(FileAccess.path(root + "/allowed-evil", isInside: [allowed]))
        XCTAssertTrue(FileAccess.path(secret, isInside: nil))
    }

    /// `dataset()`, `report.save()` and a model file named by path go through the same check.
    func testEvaluationAndModelFilesAreConfined() throws {
        try "{\"q\": 1}\n".write(toFile: root + "/rows.jsonl", atomically: true, encoding: .utf8)
        try "{\"q\": 1}\n".write(toFile: allowed + "/rows.jsonl", atomically: true, encoding: .utf8)
        let runtime = QuillRuntime()
        runtime.vm.capabilities = [.readFiles, .writeFiles]
        runtime.vm.fileAccess = FileAccess(readableRoots: [allowed], writableRoots: [out])
        XCTAssertEqual(run("print(len(dataset(\"\(allowed)/rows.jsonl\").rows))", vm: runtime.vm), "1\n")
        XCTAssertTrue(run("dataset(\"\(root)/rows.jsonl\")", vm: runtime.vm)
            .hasPrefix("PermissionError: dataset() is not permitted for '\(root)/rows.jsonl'"))
        let report = "let r = evaluate([{q: \"a\", expected: \"a\"}], fn(row) => row.q, metrics: [\"exact_match\"])\n"
        XCTAssertEqual(run(report + "print(r.save(\"\(out)/r.json\"))", vm: runtime.vm), "\(out)/r.json\n")
        XCTAssertTrue(run(report + "r.save(\"\(root)/r.json\")", vm: runtime.vm)
            .hasPrefix("PermissionError: report.save() is not permitted for '\(root)/r.json'"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/r.json"))
        try "not a model".write(toFile: root + "/model.gguf", atomically: true, encoding: .utf8)
        XCTAssertTrue(run("model(\"local:\(root)/model.gguf\")", vm: runtime.vm)
            .hasPrefix("PermissionError: model() is not permitted for '\(root)/model.gguf'"))
    }
}
