import Foundation

/// What a finished process printed and returned.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the real `quill` executable (or any program) for the CLI tests of every test target.
public enum ProcessRunner {
    /// The `quill` executable SwiftPM built beside the test bundle (or in `.build/debug`).
    public static var quillBinary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent == "MacOS" { dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        for candidate in [dir, URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug").standardized] {
            let url = candidate.appendingPathComponent("quill")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return dir.appendingPathComponent("quill")
    }

    /// Runs `executable` to completion with exactly `environment`, feeding it `stdin` (then EOF).
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String],
                           stdin: String? = nil) throws -> ProcessResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        p.environment = environment
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self))
    }
}
