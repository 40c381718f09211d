import Foundation
import XCTest
@testable import QuillLanguage
import Quill

/// Every ```quill block in docs/ and README.md is run and checked like an annotated script, and
/// every script in examples/ runs without error, so the documentation cannot drift from the language.
final class DocsTests: XCTestCase {
    static let root = FileIO.normalize(FileIO.directory(of: #filePath) + "/../..")

    /// The fenced ```quill blocks of a Markdown file, with the line each starts on.
    static func blocks(in markdown: String) -> [(line: Int, code: String)] {
        var result: [(Int, String)] = []
        var current: [String]?
        var start = 0
        for (i, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```quill" {
                current = []
                start = i + 2
            } else if current != nil, trimmed == "```" {
                result.append((start, current!.joined(separator: "\n") + "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return result
    }

    func testDocumentationExamples() throws {
        var files = ["README.md"]
        if let docs = try? FileManager.default.contentsOfDirectory(atPath: Self.root + "/docs") {
            files += docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        }
        var failures: [String] = []
        var count = 0
        for name in files {
            guard let text = try? FileIO.readText(Self.root + "/" + name) else { continue }
            for block in Self.blocks(in: text) {
                count += 1
                // Blocks marked `# doc: no-run` show syntax errors or host-specific code.
                if block.code.contains("# doc: no-run") { continue }
                let path = Self.root + "/" + name
                if let problem = ScriptExpectations(source: block.code).check(name: name, path: path, root: Self.root) {
                    failures.append("\(name):\(block.line): \(problem)")
                }
            }
        }
        XCTAssertGreaterThan(count, 0)
        if !failures.isEmpty { XCTFail("\(failures.count) documentation examples failed:\n" + failures.joined(separator: "\n")) }
    }

    func testExamplesRun() throws {
        let dir = Self.root + "/examples"
        let scripts = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".quill") }.sorted() ?? []
        XCTAssertFalse(scripts.isEmpty)
        for name in scripts {
            let path = dir + "/" + name
            let source = try FileIO.readText(path)
            if source.contains("# expect") {
                if let problem = ScriptExpectations(source: source).check(name: name, path: path, root: Self.root) {
                    XCTFail("examples/\(name): \(problem)")
                }
                continue
            }
            // Examples without annotations must simply run to the end.
            let vm = QuillRuntime().vm
            vm.output = { _ in }
            vm.scriptArguments = []
            XCTAssertNoThrow(try vm.run(source: source, name: path), "examples/\(name)")
        }
    }
}
