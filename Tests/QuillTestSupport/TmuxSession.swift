import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program running in a real terminal: a detached tmux session that tests type into
/// (`send-keys`) and read (`capture-pane`). The command's exit status is printed on the screen
/// as `[exit N]` when it ends, and the pane stays open so the test can read it.
///
/// Each session runs on its own tmux server (`-L name`): with one shared server, a session
/// started just as the previous test's last session was killed can reach a server that is
/// shutting down, and `new-session` fails (seen once in CI).
public final class TmuxSession {
    public let name: String
    private static let tmux = URL(fileURLWithPath: "/usr/bin/tmux")

    /// Starts `arguments` (the first is the executable) in a `width`×`height` terminal with
    /// exactly `environment`.
    public init(_ arguments: [String], environment: [String: String], width: Int = 140, height: Int = 50) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tmux.path) else {
            throw TmuxError("tmux is not installed: apt-get install -y tmux (.ci/run does)")
        }
        name = "quill-test-\(UUID().uuidString.prefix(8))"
        let env = environment.map { "\($0.key)=\(Self.quote($0.value))" }.sorted().joined(separator: " ")
        let command = "env -i \(env) \(arguments.map(Self.quote).joined(separator: " ")); echo \"[exit $?]\"; sleep 600"
        try run(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command], capture: false)
    }

    deinit { kill() }

    /// Keys by tmux name (`Enter`, `Tab`, `C-c`, `C-d`, `Up`).
    public func press(_ keys: String...) throws {
        try run(["send-keys", "-t", name] + keys, capture: false)
    }

    /// Text typed literally.
    public func type(_ text: String) throws {
        try run(["send-keys", "-t", name, "-l", text], capture: false)
    }

    /// The screen as text.
    public func screen() -> String {
        (try? run(["capture-pane", "-p", "-t", name])) ?? ""
    }

    /// Waits until the screen satisfies `condition` (polling every 50 ms); false after `timeout` s.
    @discardableResult
    public func waitFor(timeout: Double = 15, _ condition: (String) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition(screen()) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition(screen())
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 15) -> Bool {
        waitFor(timeout: timeout) { $0.contains(text) }
    }

    /// How many times `text` appears on the screen.
    public func count(_ text: String) -> Int { screen().components(separatedBy: text).count - 1 }

    public func kill() {
        _ = try? run(["kill-server"], capture: false)
    }

    /// Runs tmux. `capture: false` for a command that may start the tmux server, run with
    /// posix_spawn and waitpid: the server keeps the descriptors it was started with (a pipe
    /// would never reach end of file), and Foundation's `Process` was seen never to notice
    /// such a client exit.
    @discardableResult
    private func run(_ command: [String], capture: Bool = true) throws -> String {
        let arguments = ["-L", name] + command
        let tmux = Self.tmux
        if !capture {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd in [Int32(0), 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
            let argv = ([tmux.path] + arguments).map { strdup($0) } + [nil]
            defer { for a in argv { free(a) } }
            var pid = pid_t()
            guard posix_spawn(&pid, tmux.path, &actions, nil, argv, environ) == 0 else { throw TmuxError("could not start tmux") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            guard status == 0 else { throw TmuxError("tmux \(command.first ?? "") failed (\(status))") }
            return ""
        }
        let p = Process()
        p.executableURL = tmux
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TmuxError("tmux \(command.first ?? "") failed (\(p.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

public struct TmuxError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
