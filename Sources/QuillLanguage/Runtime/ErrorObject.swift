/// One line of a Quill stack trace: `at name (file:line:col)`.
public struct TraceEntry: Sendable, Equatable {
    public var function: String
    public var file: SourceFile
    public var location: SourceLocation

    public static func == (a: TraceEntry, b: TraceEntry) -> Bool {
        a.function == b.function && a.file === b.file && a.location == b.location
    }

    public var description: String { "at \(function) (\(file.name):\(location.line):\(location.column))" }
}

/// A Quill error value: what `catch e` binds and what the host receives.
///
/// Fields visible to scripts: `message`, `kind`, `location` ("file:line:col"), `trace` (list of
/// strings) and `value` (the thrown value when a script threw something other than an error).
public final class ErrorObject: @unchecked Sendable {
    public var kind: String
    public var message: String
    public var hint: String?
    /// The value given to `throw` when it was not an error (else nil).
    public var payload: Value
    /// The frames active where the error was first thrown, innermost first.
    public var trace: [TraceEntry] = []

    public init(kind: String, message: String, hint: String? = nil, payload: Value = .nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.payload = payload
    }

    /// Where the error was raised, as `file:line:col`, or nil before it was thrown.
    public var location: String? {
        guard let top = trace.first else { return nil }
        return "\(top.file.name):\(top.location.line):\(top.location.column)"
    }
}

/// The error Swift code throws to raise a Quill runtime error (`throw QuillError.type("...")`).
/// The VM turns it into an `ErrorObject` stamped with the script location and stack trace.
public struct QuillError: Error, Equatable, CustomStringConvertible {
    public var kind: String
    public var message: String
    public var hint: String?

    public init(_ kind: String, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public static func type(_ m: String, hint: String? = nil) -> QuillError { .init("TypeError", m, hint: hint) }
    public static func value(_ m: String, hint: String? = nil) -> QuillError { .init("ValueError", m, hint: hint) }
    public static func index(_ m: String, hint: String? = nil) -> QuillError { .init("IndexError", m, hint: hint) }
    public static func key(_ m: String, hint: String? = nil) -> QuillError { .init("KeyError", m, hint: hint) }
    public static func arithmetic(_ m: String) -> QuillError { .init("ArithmeticError", m) }
    public static func argument(_ m: String, hint: String? = nil) -> QuillError { .init("ArgumentError", m, hint: hint) }
    public static func io(_ m: String, hint: String? = nil) -> QuillError { .init("IOError", m, hint: hint) }
    public static func name(_ m: String, hint: String? = nil) -> QuillError { .init("NameError", m, hint: hint) }

    public var description: String { "\(kind): \(message)" }
}

/// A Quill error leaving the VM: thrown by `VM.run`, `VM.call` and natives that call back into Quill.
public struct RuntimeError: Error, CustomStringConvertible {
    public let error: ErrorObject
    public init(_ error: ErrorObject) { self.error = error }

    public var kind: String { error.kind }
    public var message: String { error.message }
    public var description: String { DiagnosticRenderer.render(self, color: false) }
}

/// A request to end the program with a status (`exit(n)`); it unwinds like an error but is not catchable.
public struct ExitRequest: Error {
    public let status: Int32
}

extension DiagnosticRenderer {
    /// `file:line:col: runtime error: message`, the source line with a caret, the hint and the stack trace.
    public static func render(_ e: RuntimeError, color: Bool) -> String {
        let red = color ? "\u{1B}[1;31m" : "", bold = color ? "\u{1B}[1m" : ""
        let dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        let err = e.error
        let label = err.kind == "Error" ? "" : "\(err.kind): "
        guard let top = err.trace.first else {
            return "\(red)runtime error:\(reset) \(bold)\(label)\(err.message)\(reset)\n"
        }
        var d = Diagnostic(err.message, at: top.location, hint: err.hint)
        d.message = label + err.message
        var out = render(d, in: top.file, color: color)
        out = out.replacingFirst("error:", with: "runtime error:")
        for entry in err.trace { out += "\(dim)  \(entry.description)\(reset)\n" }
        return out
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        var s = self
        s.replaceSubrange(r, with: replacement)
        return s
    }
}
