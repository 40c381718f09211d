/// A grammar that cannot be compiled, or text a matcher will not take: where, and what to do.
///
/// One error type serves every way of writing a grammar, so a script shows the same kind of
/// message for a bad GBNF rule, a bad regex and a bad JSON Schema. `location` says which
/// source the position refers to.
public struct GrammarError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Where the problem is.
    public enum Location: Equatable, Sendable {
        /// 1-based line and column (in characters) of GBNF text.
        case gbnf(line: Int, column: Int)
        /// 1-based column (in characters) of a regular expression.
        case regex(column: Int)
        /// The keyword path inside a JSON Schema, e.g. `properties.age.minimum` (empty at the root).
        case schema(path: String)
        /// Byte offset in text given to a matcher.
        case input(offset: Int)
        /// The problem is with the grammar as a whole (a missing root, an empty choice list).
        case none
    }

    public var location: Location
    public var message: String

    public init(_ location: Location, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String {
        switch location {
        case .gbnf(let line, let column): "grammar:\(line):\(column): error: \(message)"
        case .regex(let column): "regex:\(column): error: \(message)"
        case .schema(let path): path.isEmpty ? "schema: error: \(message)" : "schema: error at \(path): \(message)"
        case .input(let offset): "grammar: text rejected at byte \(offset): \(message)"
        case .none: "grammar: error: \(message)"
        }
    }
}
