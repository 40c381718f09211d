/// A position in a source file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var line: Int32
    public var column: Int32

    public init(line: Int, column: Int) {
        self.line = Int32(truncatingIfNeeded: line)
        self.column = Int32(truncatingIfNeeded: column)
    }

    public static let unknown = SourceLocation(line: 0, column: 0)

    public var description: String { "\(line):\(column)" }
}

/// A named piece of source text. Diagnostics render lines from it.
public final class SourceFile: Sendable {
    /// The name shown in messages: a path as the user gave it, `<stdin>`, `<repl>` or `-e`.
    public let name: String
    public let text: String
    /// The text as UTF-8 bytes; the lexer works on these.
    public let bytes: [UInt8]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
    }

    /// The text of a 1-based line without its newline, or nil if there is no such line.
    public func line(_ number: Int) -> String? {
        guard number >= 1 else { return nil }
        var current = 1
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                if current == number { return String(decoding: bytes[start..<i], as: UTF8.self) }
                current += 1
                start = i + 1
            }
            i += 1
        }
        return current == number ? String(decoding: bytes[start..<bytes.count], as: UTF8.self) : nil
    }
}
