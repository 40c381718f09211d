/// A compile-time problem found by the lexer, parser or compiler.
public struct Diagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    /// A hint shown after the source excerpt ("to close '{' opened at line 3").
    public var hint: String?
    /// How many columns the caret underline covers (at least 1).
    public var length: Int

    public init(_ message: String, at location: SourceLocation, hint: String? = nil, length: Int = 1) {
        self.message = message
        self.location = location
        self.hint = hint
        self.length = max(1, length)
    }

    public var description: String { "\(location): error: \(message)" }
}

/// All the compile errors found in one file. The parser reports every error, not just the first.
public struct CompileError: Error, Sendable, CustomStringConvertible {
    public var file: SourceFile
    public var diagnostics: [Diagnostic]

    public init(file: SourceFile, diagnostics: [Diagnostic]) {
        self.file = file
        self.diagnostics = diagnostics
    }

    public var description: String { DiagnosticRenderer.render(self, color: false) }
}

/// Renders compile and runtime errors for a terminal; the one place that decides their look.
public enum DiagnosticRenderer {
    /// `file:line:col: error: message`, the source line, a caret, and a hint.
    public static func render(_ d: Diagnostic, in file: SourceFile, color: Bool) -> String {
        let red = color ? "\u{1B}[1;31m" : "", bold = color ? "\u{1B}[1m" : ""
        let cyan = color ? "\u{1B}[36m" : "", reset = color ? "\u{1B}[0m" : ""
        var out = "\(bold)\(file.name):\(d.location.line):\(d.location.column):\(reset) \(red)error:\(reset) \(bold)\(d.message)\(reset)\n"
        if let text = file.line(Int(d.location.line)) {
            let lineNo = String(d.location.line)
            let gutter = String(repeating: " ", count: lineNo.count)
            let shown = text.replacingTabs()
            out += "\(cyan)\(lineNo) |\(reset) \(shown)\n"
            // Tabs were expanded to one space each so the caret lines up.
            let column = max(1, Int(d.location.column))
            let available = max(1, shown.unicodeScalars.count - column + 1)
            let underline = "^" + String(repeating: "~", count: max(0, min(d.length, available) - 1))
            out += "\(cyan)\(gutter) |\(reset) " + String(repeating: " ", count: column - 1) + "\(red)\(underline)\(reset)\n"
        }
        if let hint = d.hint { out += "\(cyan)note:\(reset) \(hint)\n" }
        return out
    }

    public static func render(_ error: CompileError, color: Bool) -> String {
        var out = ""
        for d in error.diagnostics { out += render(d, in: error.file, color: color) }
        let n = error.diagnostics.count
        if n > 1 { out += "\(n) errors in \(error.file.name)\n" }
        return out
    }
}

extension String {
    func replacingTabs() -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: unicodeScalars.map { $0 == "\t" ? " " : $0 })
        return s
    }
}
