import XCTest
@testable import QuillLanguage

/// Feeds generated and mutated inputs to the lexer, parser, compiler and VM: every input must
/// end in a result or a Quill error, never a crash or a hang (the VM runs under a step limit).
final class FuzzTests: XCTestCase {
    /// Real scripts from the suite are the seeds for mutation.
    func seeds() throws -> [String] {
        let files = ScriptExpectations.scripts(under: ScriptTests.scriptsDirectory)
        return try files.map { try FileIO.readText($0) }
    }

    func testHundredThousandInputs() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let corpus = try seeds()
        XCTAssertFalse(corpus.isEmpty)
        let fragments = ["(", ")", "{", "}", "[", "]", "\"", "\"\"\"", "\\(", "fn", "let", "var", "for", "in", "while",
                         "if", "else", "try", "catch", "throw", "return", "prompt", "user", "..", "..<", "=>", "??",
                         "#", "\n", ",", ":", ".", "0x", "1e", "_", "é", "😀", "\\u{", "import", "break", "**"]
        var outcomes = [0, 0, 0]   // compile error, runtime error, ran
        for i in 0..<100_000 {
            let input: String
            switch i % 4 {
            case 0:
                // Random bytes, often invalid UTF-8 (decoded with replacement characters).
                let n = Int(rng.next() % 64)
                input = String(decoding: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, as: UTF8.self)
            case 1:
                // A real script cut at a random point.
                let s = Array(corpus[Int(rng.next() % UInt64(corpus.count))].utf8)
                input = String(decoding: s.prefix(Int(rng.next() % UInt64(s.count + 1))), as: UTF8.self)
            case 2:
                // Two real scripts spliced at random points.
                let a = Array(corpus[Int(rng.next() % UInt64(corpus.count))].utf8)
                let b = Array(corpus[Int(rng.next() % UInt64(corpus.count))].utf8)
                let x = Int(rng.next() % UInt64(a.count + 1)), y = Int(rng.next() % UInt64(b.count + 1))
                input = String(decoding: a.prefix(x) + b.suffix(from: y), as: UTF8.self)
            default:
                // Random token soup.
                input = (0..<Int(rng.next() % 24)).map { _ in fragments[Int(rng.next() % UInt64(fragments.count))] }
                    .joined(separator: rng.next() % 2 == 0 ? " " : "")
            }
            outcomes[run(input)] += 1
        }
        XCTAssertGreaterThan(outcomes[1], 0, "some inputs compile and then fail at run time")
        XCTAssertGreaterThan(outcomes[0], 0)
        XCTAssertGreaterThan(outcomes[2], 0)
    }

    func testDeepNestingIsAnErrorNotACrash() {
        for text in [String(repeating: "(", count: 10_000), String(repeating: "[", count: 10_000) + "1",
                     String(repeating: "-", count: 10_000) + "1", String(repeating: "if true {", count: 5_000),
                     String(repeating: "\"\\(", count: 3_000)] {
            XCTAssertEqual(run(text), 0, "expected a compile error")
        }
    }

    /// 0: compile error, 1: runtime error, 2: ran to the end.
    func run(_ source: String) -> Int {
        let vm = VM(moduleLoader: ModuleLoader(searchPaths: [], standardLibrary: [:]))
        vm.output = { _ in }
        // Mutated scripts must not write files, read stdin, sleep or read the environment.
        vm.capabilities = .none
        vm.instructionLimit = 2_000
        vm.maxCallDepth = 200
        let file = SourceFile(name: "fuzz", text: source)
        do {
            let proto = try vm.compile(file, into: Module(name: "fuzz", file: file))
            _ = try vm.run(proto)
            return 2
        } catch is CompileError {
            return 0
        } catch {
            return 1
        }
    }
}
