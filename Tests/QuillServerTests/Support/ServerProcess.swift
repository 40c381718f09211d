import Foundation
import Quill
import QuillTestSupport
import XCTest

/// A real `quill serve` process on a free loopback port, for the tests to talk to over HTTP.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let apiKey: String?
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `quill serve --port 0 ARGS… MODEL` and waits for the line that says where it listens.
    init(model: String, apiKey: String? = nil, arguments: [String] = []) throws {
        self.apiKey = apiKey
        process.executableURL = ProcessRunner.quillBinary
        var args = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        if let apiKey { args += ["--api-key", apiKey] }
        process.arguments = args + [model]
        var env = ProcessInfo.processInfo.environment
        env["QUILL_SERVE_API_KEY"] = nil
        process.environment = env
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        // The first stdout line reports the URL; the model loads before the server listens.
        var line = Data()
        let handle = stdoutPipe.fileHandleForReading
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { break }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://127.0.0.1:"),
              let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            let err = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw NSError(domain: "ServerProcess", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "quill serve did not report its URL (stdout: \(text)); stderr: \(err)"])
        }
        self.port = port
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status and what it wrote to stderr.
    @discardableResult
    func stop() -> (status: Int32, stderr: String) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        let err = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, err)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// The model the tests serve: `QUILL_TEST_MODEL` (a GGUF path, served under its file name), or
/// SmolLM2 from the local store, pulled there on first use (served as `smollm2`).
enum ServerTestModel {
    /// The `quill serve` argument.
    static func argument() throws -> String {
        if let path = ProcessInfo.processInfo.environment["QUILL_TEST_MODEL"], !path.isEmpty { return path }
        _ = try lock.withLock { try ModelPuller(report: { FileHandle.standardError.write(Data($0.utf8)) }).ensure("smollm2") }
        return "smollm2"
    }

    /// The file, for counting tokens in-process.
    static func path() throws -> String {
        let argument = try argument()
        return argument == "smollm2" ? try ModelPuller(report: { _ in }).ensure("smollm2") : argument
    }

    private static let lock = NSLock()
}
