import Foundation
import QuillTestSupport
import XCTest

/// Runs the Python scripts in `Tests/QuillServerTests/Python` with the machine's `python3` and
/// the official SDKs, which must be installed (`python3 -m pip install openai anthropic`, as
/// `.ci/run` does): a missing SDK fails the test with that instruction rather than skipping it.
enum Python {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Python")

    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        // The SDKs read these; the tests pass everything explicitly.
        for name in ["OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"] { env[name] = nil }
        env["PYTHONUNBUFFERED"] = "1"
        return env
    }

    /// Fails the calling test unless python3 can import the SDKs.
    static func requireSDKs() throws {
        let check = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"),
                                          ["python3", "-c", "import openai, anthropic; print(openai.__version__, anthropic.__version__)"],
                                          environment: environment)
        guard check.status == 0 else {
            // Thrown, so the test fails (it is not skipped) and says how to fix it.
            throw NSError(domain: "Python", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "the official Python SDKs are missing: run `python3 -m pip install openai anthropic` (as .ci/run does); python3 said: \(check.stderr)"])
        }
    }

    /// Runs `script ARGS` and parses the JSON object it prints.
    static func run(_ script: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"),
                                           ["python3", scripts.appendingPathComponent(script).path] + arguments, environment: environment)
        guard result.status == 0 else {
            throw NSError(domain: "Python", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "\(script) exited with \(result.status): \(result.stderr)\nstdout: \(result.stdout)"])
        }
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw NSError(domain: "Python", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(script) printed no JSON object: \(result.stdout)"])
        }
        return object
    }
}
