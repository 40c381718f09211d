import Foundation
import QuillTestSupport
import XCTest

/// `quill serve`'s command line: what it refuses before it listens, and what it prints.
final class ServeCommandTests: XCTestCase {
    func serve(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(ProcessRunner.quillBinary, ["serve", "--port", "0"] + arguments,
                              environment: ["PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": NSHomeDirectory()])
    }

    func testBadArgumentsAreClearErrorsBeforeListening() throws {
        let hosted = try serve(["openai:gpt-4o-mini"])
        XCTAssertNotEqual(hosted.status, 0)
        XCTAssertTrue(hosted.stderr.contains("hosted model"), hosted.stderr)
        let missing = try serve(["/nonexistent/model.gguf"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no model file at '/nonexistent/model.gguf'"), missing.stderr)
        let model = try ServerTestModel.argument()
        let twice = try serve([model, model])
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("given twice"), twice.stderr)
        let limit = try serve(["--max-body-bytes", "0", model])
        XCTAssertNotEqual(limit.status, 0)
        XCTAssertTrue(limit.stderr.contains("--max-body-bytes must be positive"), limit.stderr)
        XCTAssertFalse(hosted.stdout.contains("listening") || missing.stdout.contains("listening") || limit.stdout.contains("listening"))
    }

    /// `--port 0` reports the port it got, the key requirement, and `local:` specs name the model plainly.
    func testListeningLineAndModelNames() throws {
        let server = try ServerProcess(model: "local:" + (try ServerTestModel.argument()), apiKey: "k")
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        let ids = try ServerProcess.modelIDs(server)
        XCTAssertEqual(ids.count, 1)
        XCTAssertFalse(ids[0].hasPrefix("local:"), "\(ids)")
        XCTAssertFalse(ids[0].hasSuffix(".gguf"), "\(ids)")
    }
}
