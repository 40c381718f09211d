import Foundation
import QuillTestSupport

/// The real `quill` binary running in the background for a test: its output collected as it
/// arrives, so a test can wait for a line, act while the script runs, kill it, or wait for it.
final class QuillProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var out = Data(), err = Data()

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = ProcessRunner.quillBinary
        process.arguments = arguments
        process.environment = environment
        let o = Pipe(), e = Pipe()
        process.standardOutput = o
        process.standardError = e
        process.standardInput = FileHandle.nullDevice
        o.fileHandleForReading.readabilityHandler = { [weak self] h in self?.append(h.availableData, error: false) }
        e.fileHandleForReading.readabilityHandler = { [weak self] h in self?.append(h.availableData, error: true) }
        try process.run()
    }

    private func append(_ data: Data, error: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if error { err.append(data) } else { out.append(data) }
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Polls `condition` every 50 ms until it holds (true) or `timeout` seconds pass (false).
    static func eventually(timeout: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the process to end and returns its status (its output keeps arriving until then).
    @discardableResult
    func wait() -> Int32 {
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.1)  // the last bytes through the readability handlers
        return process.terminationStatus
    }

    /// An environment for a test run: the PATH (for python3), the user's QUILL_HOME (its
    /// downloaded models), a private run store, and the given variables.
    static func environment(runStore: String, _ extra: [String: String] = [:]) -> [String: String] {
        let parent = ProcessInfo.processInfo.environment
        var env = ["PATH": parent["PATH"] ?? "/usr/bin:/bin", "QUILL_RUNS_DB": runStore, "NO_COLOR": "1"]
        env["QUILL_HOME"] = parent["QUILL_HOME"]
        env["HOME"] = parent["HOME"]
        for (k, v) in extra { env[k] = v }
        return env
    }
}
