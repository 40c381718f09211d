import QuillLanguage

/// Why a script failed, as the host receives it from `Runtime`: `Sendable`, so it crosses task
/// boundaries, and complete: the Quill error kind (`TypeError`, `PermissionError`,
/// `LimitError`, `TimeoutError`, `MemoryError`, `BudgetExceeded`, … or `CompileError`), the
/// message and hint, where it happened, the stack trace, and `description`: the full report
/// exactly as `quill run` prints it (source line, caret, hint, trace).
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    /// A place in a script.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        /// The script name given to `run` (or the file path).
        public let file: String
        /// 1-based line.
        public let line: Int
        /// 1-based column.
        public let column: Int
        /// `file:line:col`.
        public var description: String { "\(file):\(line):\(column)" }
    }

    /// The Quill error kind (`TypeError`, `TimeoutError`, `CompileError`, …).
    public let kind: String
    /// What went wrong.
    public let message: String
    /// What to do about it, when known.
    public let hint: String?
    /// Where the error was raised (the first problem, for a compile error).
    public let location: Location?
    /// The stack trace, innermost first (`at f (file:line:col)`); empty for compile errors.
    public let trace: [String]
    /// For `CompileError`: every problem found, one line each (`file:line:col: message`).
    public let problems: [String]
    /// For a script that called `exit(n)`: n (the kind is then `Exit`).
    public let exitStatus: Int32?
    /// The rendered report, without colours.
    public let description: String

    init(kind: String, message: String, hint: String? = nil, location: Location? = nil, trace: [String] = [],
         problems: [String] = [], exitStatus: Int32? = nil, description: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.location = location
        self.trace = trace
        self.problems = problems
        self.exitStatus = exitStatus
        self.description = description ?? "\(kind): \(message)\n"
    }

    /// The host form of whatever running a script threw.
    static func from(_ error: Error) -> Error {
        switch error {
        case let e as ScriptError:
            return e
        case let e as RuntimeError:
            let top = e.error.trace.first
            return ScriptError(kind: e.kind, message: e.message, hint: e.error.hint,
                               location: top.map { Location(file: $0.file.name, line: Int($0.location.line), column: Int($0.location.column)) },
                               trace: e.error.trace.map(\.description), description: e.description)
        case let e as CompileError:
            let problems = e.diagnostics.map { "\(e.file.name):\($0.location.line):\($0.location.column): \($0.message)" }
            let first = e.diagnostics.first
            return ScriptError(kind: "CompileError", message: first?.message ?? "compile error", hint: first?.hint,
                               location: first.map { Location(file: e.file.name, line: Int($0.location.line), column: Int($0.location.column)) },
                               problems: problems, description: e.description)
        case let e as QuillError:
            return ScriptError(kind: e.kind, message: e.message, hint: e.hint)
        case let e as ExitRequest:
            return ScriptError(kind: "Exit", message: "the script called exit(\(e.status))", exitStatus: e.status)
        case is CancellationError:
            return error
        default:
            return ScriptError(kind: "HostError", message: "\(error)")
        }
    }
}
