import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fault-injecting loopback provider (`Tests/Servers/fault_server.py`) running for one test:
/// OpenAI, Anthropic and Ollama endpoints whose misbehaviour is picked by the request's model
/// name ("ok", "status-503", "flaky-2", "stall", …; the script's docstring lists them).
///
/// Starts `python3` from PATH and waits for its `PORT <n>` line; `stop()` (call it in
/// tearDown) ends it. `stats()` reads what the server counted.
public final class FaultServer: @unchecked Sendable {
    /// What the server counted since it started or was last reset.
    public struct Stats: Sendable, Equatable {
        /// Requests per key (the text of the last user message).
        public var attempts: [String: Int]
        /// Complete 2xx answers per key.
        public var successes: [String: Int]
        /// Responses the client closed before they ended.
        public var disconnects: Int
        /// Requests whose responses are being written now.
        public var open: Int
    }

    private let server: LoopbackScript
    public var port: Int { server.port }

    public init() throws {
        server = try LoopbackScript("fault_server.py")
    }

    /// Ends the server process (idempotent).
    public func stop() { server.stop() }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    public func stats() throws -> Stats {
        let data = try Self.fetch(url("/stats"), method: "GET")
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FaultServerError(message: "/stats did not answer a JSON object")
        }
        return Stats(attempts: object["attempts"] as? [String: Int] ?? [:],
                     successes: object["successes"] as? [String: Int] ?? [:],
                     disconnects: object["disconnects"] as? Int ?? 0,
                     open: object["open"] as? Int ?? 0)
    }

    public func reset() throws {
        _ = try Self.fetch(url("/reset"), method: "POST")
    }

    /// Polls `stats()` until `condition` holds or `timeout` seconds pass; returns the last stats.
    /// For effects that follow a client's action asynchronously (a disconnect being noticed).
    @discardableResult
    public func waitForStats(timeout: Double = 10, _ condition: (Stats) -> Bool) async throws -> Stats {
        let deadline = Date().addingTimeInterval(timeout)
        var stats = try self.stats()
        while !condition(stats) && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
            stats = try self.stats()
        }
        return stats
    }

    /// A JSON body for a chat request to `model`, with `text` as the last user message.
    public static func chatBody(model: String, text: String, stream: Bool, extra: [String: Any] = [:]) -> Data {
        var object: [String: Any] = ["model": model, "stream": stream, "max_tokens": 64,
                                     "messages": [["role": "user", "content": text]]]
        for (key, value) in extra { object[key] = value }
        return try! JSONSerialization.data(withJSONObject: object)
    }

    /// A blocking request through URLSession's completion-handler API on its own session, apart
    /// from the transport under test, so reading the server's counts does not depend on it.
    private static func fetch(_ url: URL, method: String) throws -> Data {
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = method
        if method == "POST" { request.httpBody = Data("{}".utf8) }
        let result = Locked<Result<Data, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        statsSession.dataTask(with: request) { data, response, error in
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if let data, status == 200 {
                result.value = .success(data)
            } else {
                result.value = .failure(FaultServerError(
                    message: "\(method) \(url.path) on the fault server failed: \(error.map { "\($0)" } ?? "HTTP \(status)")"))
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.value!.get()
    }

    private static let statsSession = URLSession(configuration: .ephemeral)
}

/// A value behind a lock (the support target cannot see QuillLLM's).
private final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); defer { lock.unlock() }; stored = newValue }
    }
}

public struct FaultServerError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
