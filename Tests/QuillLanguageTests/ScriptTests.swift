import Foundation
import XCTest
@testable import QuillLanguage
import Quill

/// Runs every annotated script under Tests/scripts and reports each failing one by name.
///
/// Annotations (Wren/clox style), in comments at the end of a line:
/// - `# expect: TEXT` — the next line the script prints.
/// - `# expect error: MESSAGE` — a compile error with this message on this line.
/// - `# expect runtime error: Kind: MESSAGE` — the script stops with this uncaught error on this line.
final class ScriptTests: XCTestCase {
    static let scriptsDirectory = FileIO.normalize(FileIO.directory(of: #filePath) + "/../scripts")

    func testAnnotatedScripts() throws {
        let files = ScriptExpectations.scripts(under: Self.scriptsDirectory)
        XCTAssertGreaterThanOrEqual(files.count, 200, "the suite should hold at least 200 scripts")
        var failures: [String] = []
        for path in files {
            let source = try FileIO.readText(path)
            let name = String(path.dropFirst(Self.scriptsDirectory.count + 1))
            if let problem = ScriptExpectations(source: source).check(name: name, path: path, root: Self.scriptsDirectory) {
                failures.append("\(name): \(problem)")
            }
        }
        if !failures.isEmpty {
            XCTFail("\(failures.count) of \(files.count) scripts failed:\n" + failures.joined(separator: "\n"))
        }
    }
}

/// The expectations written in a script, and the check of a run against them.
struct ScriptExpectations {
    var output: [(line: Int, text: String)] = []
    var compileErrors: [(line: Int, message: String)] = []
    var runtimeError: (line: Int, message: String)?
    let source: String

    init(source: String) {
        self.source = source
        for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let hash = line.range(of: "# expect") else { continue }
            let annotation = line[hash.upperBound...]
            if annotation.hasPrefix(": ") {
                output.append((i + 1, String(annotation.dropFirst(2))))
            } else if annotation.hasPrefix(" error: ") {
                compileErrors.append((i + 1, String(annotation.dropFirst(8))))
            } else if annotation.hasPrefix(" runtime error: ") {
                runtimeError = (i + 1, String(annotation.dropFirst(16)))
            }
        }
    }

    static func scripts(under directory: String) -> [String] {
        var result: [String] = []
        func walk(_ dir: String) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix(".") { continue }
                let path = dir + "/" + name
                // Modules imported by the tests live in `helpers` folders and are not tests themselves.
                if FileIO.isDirectory(path) { if name != "helpers" { walk(path) } } else if name.hasSuffix(".quill") { result.append(path) }
            }
        }
        walk(directory)
        return result.sorted()
    }

    /// Runs the script; returns a description of the first mismatch, or nil when all holds.
    func check(name: String, path: String, root: String) -> String? {
        // Paths in output and messages are compared with the scripts folder written as $SCRIPTS,
        // so the expectations hold in any checkout.
        func portable(_ s: String) -> String { s.replacingOccurrences(of: root, with: "$SCRIPTS") }
        var printed = ""
        // A full runtime, so scripts can use the model built-ins too.
        var configuration = QuillRuntime.Configuration()
        configuration.arguments = ["one", "two"]
        configuration.stepLimit = 50_000_000
        let vm = QuillRuntime(configuration: configuration).vm
        vm.output = { printed += $0 }
        let file = SourceFile(name: path, text: source)
        let module = Module(name: name, file: file)
        var actualRuntime: RuntimeError?
        do {
            let proto = try vm.compile(file, into: module)
            if !compileErrors.isEmpty { return "expected compile errors, but it compiled" }
            _ = try vm.run(proto)
        } catch let e as CompileError {
            let got = e.diagnostics.map { (Int($0.location.line), $0.message) }
            let want = compileErrors.map { ($0.line, $0.message) }
            if got.count != want.count || zip(got, want).contains(where: { $0.0 != $1.0 || $0.1 != $1.1 }) {
                return "compile errors differ.\n  expected: \(want)\n  got:      \(got)"
            }
            return nil
        } catch let e as RuntimeError {
            actualRuntime = e
        } catch {
            return "unexpected error \(error)"
        }
        printed = portable(printed)
        var lines = printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        for (i, expected) in output.enumerated() {
            guard i < lines.count else { return "line \(expected.line): expected output '\(expected.text)', but the script printed only \(lines.count) lines" }
            if lines[i] != expected.text { return "line \(expected.line): expected '\(expected.text)', got '\(lines[i])'" }
        }
        if lines.count > output.count { return "printed more than expected: '\(lines[output.count])'" }
        switch (runtimeError, actualRuntime) {
        case (nil, nil): return nil
        case (let want?, nil): return "expected runtime error '\(want.message)', but the script finished"
        case (nil, let got?): return "unexpected runtime error: \(got.kind): \(got.message) at \(got.error.location ?? "?")"
        case (let want?, let got?):
            let message = portable(got.kind == "Error" ? got.message : "\(got.kind): \(got.message)")
            if message != want.message { return "expected runtime error '\(want.message)', got '\(message)'" }
            let line = got.error.trace.first.map { Int($0.location.line) } ?? 0
            if line != want.line { return "runtime error raised at line \(line), expected line \(want.line)" }
            return nil
        }
    }
}
