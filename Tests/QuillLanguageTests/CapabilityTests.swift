import Foundation
import XCTest
@testable import Quill
import QuillEngine
@testable import QuillLanguage

/// A runtime without capabilities refuses each guarded operation with a PermissionError.
final class CapabilityTests: XCTestCase {
    func testDeniedOperationsAreClearErrors() throws {
        let cases: [(String, String)] = [
            ("read_file(\"/etc/hostname\")", "read_file() is not permitted: this runtime does not grant 'read files'"),
            ("write_file(\"/tmp/quill-denied.txt\", \"x\")", "write_file() is not permitted: this runtime does not grant 'write files'"),
            ("exists(\"/\")", "exists() is not permitted: this runtime does not grant 'read files'"),
            ("env(\"HOME\")", "env() is not permitted: this runtime does not grant 'environment'"),
            ("input()", "input() is not permitted: this runtime does not grant 'standard input'"),
            ("time.sleep(10)", "time.sleep() is not permitted: this runtime does not grant 'sleep'"),
            ("import \"./other.quill\"", "import of a file is not permitted: this runtime does not grant 'read files'"),
            ("list_dir(\"/\")", "list_dir() is not permitted: this runtime does not grant 'read files'"),
            ("read_lines(\"/etc/hostname\")", "read_lines() is not permitted: this runtime does not grant 'read files'"),
            ("time.now()", "time.now() is not permitted: this runtime does not grant 'clock'"),
            ("time.ms()", "time.ms() is not permitted: this runtime does not grant 'clock'"),
            ("time.clock()", "time.clock() is not permitted: this runtime does not grant 'clock'"),
            ("process.run([\"touch\", \"/tmp/quill-denied.txt\"])", "process.run() is not permitted: this runtime does not grant 'subprocess'"),
        ]
        for (code, message) in cases {
            let vm = VM()
            vm.capabilities = .none
            XCTAssertThrowsError(try vm.run(source: code, name: "denied"), code) { error in
                guard let e = error as? RuntimeError else { return XCTFail("\(code): \(error)") }
                XCTAssertEqual(e.kind, "PermissionError", code)
                XCTAssertEqual(e.message, message, code)
            }
        }
        XCTAssertFalse(FileIO.exists("/tmp/quill-denied.txt"))
    }

    func testStandardLibraryImportNeedsNoFileAccess() throws {
        let vm = VM()
        vm.capabilities = .none
        var out = ""
        vm.output = { out += $0 }
        try vm.run(source: "import \"text\"\nprint(text.truncate(\"abcdef\", 4))", name: "std")
        XCTAssertEqual(out, "a...\n")
    }

    func testEachCapabilityGrantsOnlyItsOwnOperations() throws {
        let probes: [(Capabilities, String)] = [
            (.clock, "print(time.now() > 0, time.ms() > 0, time.clock() >= 0)"),
            (.subprocess, "print(process.run([\"true\"]).status)"),
            (.environment, "print(type(env(\"PATH\")))"),
            (.sleep, "print(time.sleep(0))"),
        ]
        for (granted, _) in probes {
            for (capability, code) in probes {
                let vm = VM()
                vm.capabilities = granted
                vm.output = { _ in }
                if capability == granted {
                    XCTAssertNoThrow(try vm.run(source: code, name: "granted"), "\(capability.name) with \(granted.name)")
                } else {
                    XCTAssertThrowsError(try vm.run(source: code, name: "denied"), "\(capability.name) with \(granted.name)") { error in
                        XCTAssertEqual((error as? RuntimeError)?.kind, "PermissionError")
                    }
                }
            }
        }
        XCTAssertTrue(Capabilities.all.isSuperset(of: [.network, .subprocess, .clock]))
        // time.format reads no clock.
        let vm = VM()
        vm.capabilities = .none
        var out = ""
        vm.output = { out += $0 }
        try vm.run(source: "print(time.format(0))", name: "format")
        XCTAssertEqual(out, "1970-01-01T00:00:00Z\n")
    }

    /// The error a Quill runtime's script stops with.
    private func failure(_ code: String, _ runtime: QuillRuntime) -> String {
        do {
            try runtime.run(source: code, name: "net")
            return "no error"
        } catch let e as RuntimeError {
            return "\(e.kind): \(e.message)"
        } catch {
            return "\(error)"
        }
    }

    func testHostedModelsAndPullingNeedTheNetwork() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("quill-net-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        var configuration = QuillRuntime.Configuration()
        configuration.models = ModelFactory(store: ModelStore(home: home), report: { _ in })
        let runtime = QuillRuntime(configuration: configuration)
        runtime.vm.capabilities = Capabilities.all.subtracting(.network)
        XCTAssertEqual(failure("model(\"openai:gpt-4o-mini\")", runtime),
                       "PermissionError: model(\"openai:gpt-4o-mini\") is not permitted: this runtime does not grant 'network'")
        XCTAssertEqual(failure("model([\"local\", \"anthropic:claude-3-5-haiku-latest\"])", runtime),
                       "PermissionError: model 'smollm2' is not downloaded and this runtime may not use the network to pull it; run `quill pull smollm2`")
        XCTAssertEqual(failure("model(\"local:https://example.invalid/m.gguf\")", runtime),
                       "PermissionError: model 'https://example.invalid/m.gguf' is not downloaded and this runtime may not use the network to pull it; run `quill pull https://example.invalid/m.gguf`")
        // The embedding model of a similarity metric is opened (and would be pulled) the same way.
        XCTAssertTrue(failure("metrics.similarity(\"a\", \"b\")", runtime).contains("may not use the network to pull it"))
        // With the network, a hosted model is opened (and fails for the missing key, not for permission).
        runtime.vm.capabilities = .all
        XCTAssertFalse(failure("model(\"openai-compatible:http://127.0.0.1:9/v1#m\")", runtime).hasPrefix("PermissionError"))
    }
}
