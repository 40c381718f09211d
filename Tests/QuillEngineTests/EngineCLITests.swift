import Foundation
import QuillTestSupport
import XCTest
@testable import QuillEngine

/// The engine commands of the real `quill` executable, on the real model; `pull` from a real
/// HTTP server on loopback (Python's http.server serving a GGUF file).
final class EngineCLITests: XCTestCase {
    func quill(_ arguments: [String], home: String? = nil) throws -> ProcessResult {
        var env = ["PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": NSHomeDirectory()]
        if let home { env["QUILL_HOME"] = home }
        return try ProcessRunner.run(ProcessRunner.quillBinary, arguments, environment: env)
    }

    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quill-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testGenerateChatGreedy() throws {
        let r = try quill(["generate", "-m", try TestModels.smolLM2Path(), "--chat", "--temp", "0", "--max-tokens", "24", "--verbose",
                           "What is the capital of France?"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Paris"), r.stdout)
        XCTAssertTrue(r.stderr.contains("t/s"), "--verbose reports speed: \(r.stderr)")
    }

    /// `--kv-type f16` (or `QUILL_KV_CACHE_TYPE`) runs with a half-precision cache; an unknown
    /// type is refused with the accepted ones named.
    func testKVCacheTypeOption() throws {
        let model = try TestModels.smolLM2Path()
        let r = try quill(["generate", "-m", model, "--kv-type", "f16", "--chat", "--temp", "0", "--max-tokens", "24",
                           "What is the capital of France?"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Paris"), r.stdout)
        let bad = try quill(["generate", "-m", model, "--kv-type", "q4", "hi"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("kv-type"), bad.stderr)
        let env = ["PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": NSHomeDirectory(), "QUILL_KV_CACHE_TYPE": "q4"]
        let badEnv = try ProcessRunner.run(ProcessRunner.quillBinary, ["generate", "-m", model, "hi"], environment: env)
        XCTAssertNotEqual(badEnv.status, 0)
        XCTAssertTrue(badEnv.stderr.contains("QUILL_KV_CACHE_TYPE='q4' is not a KV cache type: use f32 or f16"), badEnv.stderr)
    }

    func testTokenizeMatchesLlamaTokenize() throws {
        let r = try quill(["tokenize", "-m", try TestModels.smolLM2Path(), "Hello, world!"])
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[19556, 28, 905, 17]")
        let pieces = try quill(["tokenize", "-m", try TestModels.smolLM2Path(), "--pieces", "<|im_start|>user"])
        XCTAssertTrue(pieces.stdout.contains("1 -> '<|im_start|>'"), pieces.stdout)
    }

    func testLogitsPrintsOneJSONLinePerPosition() throws {
        let r = try quill(["logits", "-m", try TestModels.smolLM2Path(), "--tokens", "1,4093,198", "--top", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["pos"] as? Int, 0)
        XCTAssertEqual((first["top"] as? [[Double]])?.count, 3)
        let bad = try quill(["logits", "-m", try TestModels.smolLM2Path(), "--tokens", "1,x"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'x' is not a token id"), bad.stderr)
    }

    func testBenchReportsPromptAndGenerationSpeed() throws {
        let r = try quill(["bench", "-m", try TestModels.smolLM2Path(), "-p", "8", "-n", "4", "-r", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let tests = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(tests.map { $0["test"] as? String }, ["load", "pp8", "tg4"])
        XCTAssertTrue(tests.dropFirst().allSatisfy { ($0["tokens_per_second"] as? Double ?? 0) > 0 })
        XCTAssertGreaterThan(tests[0]["milliseconds"] as? Double ?? 0, 0)
    }

    func testModelsListAndInspect() throws {
        let home = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: home + "/models", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: home + "/models/SmolLM2-135M-Instruct.Q4_1.gguf", withDestinationPath: try TestModels.smolLM2Path())
        let list = try quill(["models"], home: home)
        XCTAssertTrue(list.stdout.contains("SmolLM2-135M-Instruct.Q4_1.gguf"), list.stdout)
        XCTAssertTrue(list.stdout.contains("llama"), list.stdout)
        XCTAssertTrue(list.stdout.contains("Q4_1"), list.stdout)
        // The catalog name resolves to the file in the store.
        let inspect = try quill(["models", "inspect", "smollm2"], home: home)
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("llama.attention.head_count_kv = 3"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("token_embd.weight"), inspect.stdout)
    }

    func testMissingModelFileIsAClearError() throws {
        let r = try quill(["generate", "-m", "/nonexistent/model.gguf", "hi"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no model file at '/nonexistent/model.gguf'"), r.stderr)
    }

    /// `quill pull URL` against a real HTTP server on loopback: a GGUF is saved into the
    /// store; a 404 and a non-GGUF body are clear errors that leave nothing behind.
    func testPullFromURL() throws {
        let served = try temporaryDirectory()
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.addPatternTensor("token_embd.weight", shape: [32, 4], type: .q8_0)
        let tiny = Data(builder.build().bytes)
        try tiny.write(to: URL(fileURLWithPath: served + "/tiny.gguf"))
        try "not a model".write(toFile: served + "/fake.gguf", atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let port = 18000 + Int(getpid() % 1000)
        server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", served]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        // Wait for the server to accept connections.
        for _ in 0..<50 where (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/")!)) == nil { usleep(100_000) }

        let home = try temporaryDirectory()
        let ok = try quill(["pull", "http://127.0.0.1:\(port)/tiny.gguf"], home: home)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout.trimmingCharacters(in: .whitespacesAndNewlines), home + "/models/tiny.gguf")
        XCTAssertEqual(FileManager.default.contents(atPath: home + "/models/tiny.gguf"), tiny)

        let missing = try quill(["pull", "http://127.0.0.1:\(port)/missing.gguf"], home: home)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("HTTP 404"), missing.stderr)
        let fake = try quill(["pull", "http://127.0.0.1:\(port)/fake.gguf"], home: home)
        XCTAssertNotEqual(fake.status, 0)
        XCTAssertTrue(fake.stderr.contains("did not return a GGUF model"), fake.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: home + "/models")
        XCTAssertEqual(left, ["tiny.gguf"], "failed pulls leave no files behind")
    }
}
