import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Python loopback server from `Tests/Servers/` running for a test: started with
/// `python3 SCRIPT --port 0`, ready once it printed `PORT <n>`. The fault server and the OTLP
/// collector both run this way.
public final class LoopbackScript: @unchecked Sendable {
    public let port: Int
    private let process: Process

    /// Starts `Tests/Servers/<name>` and waits until it listens.
    public init(_ name: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Servers/\(name)").standardized
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        // The first line is "PORT <n>", printed once the socket listens; EOF means it failed.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let portText = text.split(separator: "\n").first?.split(separator: " ").last,
              let port = Int(portText) else {
            kill(process.processIdentifier, SIGKILL)
            throw FaultServerError(message: "\(name) did not start (printed \(text.debugDescription)); is python3 on PATH?")
        }
        self.port = port
        self.process = process
    }

    deinit { stop() }

    /// Ends the server (idempotent). SIGKILL rather than SIGTERM: a process started from a
    /// Swift concurrency thread inherits its blocked signals, SIGTERM among them, and would
    /// never see a terminate(); these servers have nothing to save.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
