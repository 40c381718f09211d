import Foundation
import Quill
import XCTest

/// Runs Quill source through a full runtime (language + LLM built-ins, the real default model
/// from the local store) and returns what it printed.
enum ScriptHarness {
    /// A runtime whose response cache lives in a fresh temporary directory.
    static func runtime(cacheDirectory: String? = nil) -> (QuillRuntime, () -> String) {
        var configuration = QuillRuntime.Configuration()
        configuration.responseCache = ResponseCache(directory: cacheDirectory ?? temporaryDirectory())
        let runtime = QuillRuntime(configuration: configuration)
        let printed = Locked("")
        runtime.output = { text in printed.withLock { $0 += text } }
        return (runtime, { printed.value })
    }

    /// Runs `source` and returns the printed lines.
    static func run(_ source: String, cacheDirectory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let (runtime, printed) = runtime(cacheDirectory: cacheDirectory)
        do {
            try runtime.run(source: source, name: "test.quill")
        } catch let e as RuntimeError {
            XCTFail(DiagnosticRenderer.render(e, color: false), file: file, line: line)
            throw e
        }
        return printed().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "quill-llm-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
