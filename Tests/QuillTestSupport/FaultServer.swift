import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fault-injecting loopback server (`Tests/Servers/fault_server.py`) run as a child
/// process on a free port: OpenAI, Anthropic and Ollama wire formats whose behaviour the
/// request's model id picks (`ok`, `status-500`, `flaky-2`, `cut`, …).
public final class FaultServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts the server and waits for the line that names its port.
    public static func start() throws -> FaultServer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Servers/fault_server.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw CocoaError(.fileReadUnknown) }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "fault server said: \(text)"])
        }
        return FaultServer(port: port, process: process)
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// What the server counted: attempts and successes per request key (the last user message).
    public struct Stats: Decodable, Sendable {
        public var attempts: [String: Int]
        public var successes: [String: Int]
        public var disconnects: Int
    }

    public func stats() async throws -> Stats {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/stats")!)
        return try JSONDecoder().decode(Stats.self, from: data)
    }

    public func reset() async throws {
        var request = URLRequest(url: URL(string: "\(url)/reset")!)
        request.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: request)
    }
}
