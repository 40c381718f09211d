/// Thrown inside the parser to abandon the construct being parsed. The nearest statement list
/// (or list literal) catches it and recovers; it never escapes `Parser.parse()`.
struct ParseAbort: Error {}

/// A recursive-descent parser producing the syntax tree of one file.
///
/// The parser reports every error it finds (up to `maxErrors`) rather than stopping at the
/// first. After an error it abandons the current statement and skips to the next statement
/// boundary (panic mode); list literals and argument lists recover locally at the next `,`.
/// Several rules keep one mistake from producing a cascade of errors:
/// - at most one error per token;
/// - no parser error in a statement that already has a lexer error;
/// - an unclosed bracket is reported at the end of its line, and parsing resumes on the next
///   line even though the lexer, still inside the bracket, emits no newlines there.
/// See `Parser+Recovery.swift`.
///
/// Usage: `var p = Parser(file: f); let stmts = p.parse(); p.diagnostics`, or
/// `try Parser.parse(f)`, which throws a `CompileError` if there were any errors.
public struct Parser {
    /// The errors found by `parse()`, lexer errors included, in source order.
    public var diagnostics: [Diagnostic] = []

    let file: SourceFile
    let bytes: [UInt8]
    /// The tokens without `.error` tokens; always ends with `.eof`.
    var tokens: [Token]
    /// `lexErrorsBefore[i]` is how many lexer errors came before `tokens[i]`.
    var lexErrorsBefore: [Int32]
    var lexDiagnostics: [Diagnostic]
    var parseErrors: [Diagnostic] = []

    /// Index of the current token.
    var index = 0
    /// Current nesting of expressions and blocks, bounded by `maxDepth`.
    var depth = 0
    /// Inside a `prompt` body, where `system`/`user`/`assistant` start message statements.
    var inPrompt = false
    /// Token index where the statement being parsed began.
    var statementStart = 0
    /// Token index of the last reported error, so one token yields at most one error.
    var lastErrorIndex = -1
    /// Set when an error was reported at a token where parsing should resume (the start of
    /// the next statement), so recovery must not skip it.
    var resumeHere = false
    /// Too many errors: parsing jumped to the end.
    var gaveUp = false
    /// Unwinding from too-deep nesting: no local recovery until the statement level, else
    /// every enclosing list would report its own follow-on error.
    var unwindingNesting = false

    /// Deeper nesting than this is reported instead of risking a stack overflow.
    static let maxDepth = 200
    /// Longest chain of binary or postfix operators in one expression; keeps the tree (and
    /// the recursion of whoever walks it) bounded.
    static let maxChain = 5000
    static let maxErrors = 100

    public init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
        var lexer = Lexer(file: file)
        let all = lexer.tokenize()
        var kept: [Token] = []
        kept.reserveCapacity(all.count)
        var counts: [Int32] = []
        counts.reserveCapacity(all.count + 1)
        var lexDiagnostics: [Diagnostic] = []
        for token in all {
            if token.kind == .error {
                lexDiagnostics.append(Diagnostic(token.text, at: token.location, length: Self.columns(of: token, in: file.bytes)))
            } else {
                kept.append(token)
                counts.append(Int32(truncatingIfNeeded: lexDiagnostics.count))
            }
        }
        if kept.last?.kind != .eof {
            let end = file.bytes.count
            let location = kept.last.map { SourceLocation(line: Int($0.location.line) + 1, column: 1) } ?? SourceLocation(line: 1, column: 1)
            kept.append(Token(kind: .eof, location: location, offset: end, length: 0, text: ""))
            counts.append(Int32(truncatingIfNeeded: lexDiagnostics.count))
        }
        self.tokens = kept
        self.lexErrorsBefore = counts
        self.lexDiagnostics = lexDiagnostics
    }

    /// Parses the whole file. Never throws; see `diagnostics` for the errors.
    public mutating func parse() -> [Stmt] {
        index = 0
        depth = 0
        inPrompt = false
        statementStart = 0
        lastErrorIndex = -1
        resumeHere = false
        gaveUp = false
        unwindingNesting = false
        parseErrors = []
        let statements = parseStatements(inBlock: false)

        // Lexer and parser errors in source order (stable for equal locations).
        let merged = (lexDiagnostics + parseErrors).enumerated().sorted { a, b in
            let (la, lb) = (a.element.location, b.element.location)
            if la.line != lb.line { return la.line < lb.line }
            if la.column != lb.column { return la.column < lb.column }
            return a.offset < b.offset
        }
        diagnostics = merged.prefix(Self.maxErrors).map(\.element)
        return statements
    }

    /// Parses a file, throwing all its errors at once.
    public static func parse(_ file: SourceFile) throws(CompileError) -> [Stmt] {
        var parser = Parser(file: file)
        let statements = parser.parse()
        if !parser.diagnostics.isEmpty { throw CompileError(file: file, diagnostics: parser.diagnostics) }
        return statements
    }

    // MARK: - Tokens

    var current: Token { tokens[index] }

    /// The token `offset` places ahead (clamped to `.eof`).
    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    var previous: Token { tokens[max(index - 1, 0)] }

    func at(_ kind: TokenKind) -> Bool { tokens[index].kind == kind }

    /// Moves to the next token (never past `.eof`) and returns the one moved past.
    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    mutating func consume(_ kind: TokenKind) -> Bool {
        guard at(kind) else { return false }
        advance()
        return true
    }

    mutating func skipNewlines() {
        while at(.newline) { advance() }
    }

    /// The kind of the next token that is not a newline, without moving.
    func nextNonNewlineKind() -> TokenKind {
        var i = index
        while i < tokens.count - 1, tokens[i].kind == .newline { i += 1 }
        return tokens[i].kind
    }

    /// The line on which a token ends (string tokens may span lines).
    func endLine(of token: Token) -> Int {
        var line = Int(token.location.line)
        if token.kind == .string || token.kind == .interpolation {
            let end = min(token.offset + token.length, bytes.count)
            var i = max(0, token.offset)
            while i < end {
                if bytes[i] == Ascii.newline { line += 1 }
                i += 1
            }
        }
        return line
    }

    /// True when token `i` is the first on its source line. Used where the lexer dropped the
    /// newline (inside brackets), mostly to recover from an unclosed bracket.
    func startsNewLine(_ i: Int) -> Bool {
        guard i > 0, i < tokens.count else { return true }
        return Int(tokens[i].location.line) > endLine(of: tokens[i - 1])
    }

    /// A keyword that can only start a statement (`fn`/`prompt` only when a name follows).
    func isStatementKeyword(_ i: Int) -> Bool {
        guard i < tokens.count else { return false }
        switch tokens[i].kind {
        case .kwLet, .kwVar, .kwIf, .kwWhile, .kwFor, .kwBreak, .kwContinue, .kwReturn, .kwTry, .kwThrow, .kwImport:
            return true
        case .kwFn, .kwPrompt:
            return i + 1 < tokens.count && tokens[i + 1].kind == .identifier
        default:
            return false
        }
    }

    /// Where recovery should resume: a statement keyword, or `name =` at the start of a line.
    func looksLikeStatementStart(_ i: Int) -> Bool {
        if isStatementKeyword(i) { return true }
        guard i + 1 < tokens.count, tokens[i].kind == .identifier, startsNewLine(i) else { return false }
        return Self.assignmentOperator(tokens[i + 1].kind) != nil
    }

    static func canStartExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .identifier, .int, .float, .string, .interpolation, .leftParen, .leftBracket, .leftBrace,
             .minus, .kwNot, .kwTrue, .kwFalse, .kwNil, .kwFn:
            return true
        default:
            return false
        }
    }

    static func assignmentOperator(_ kind: TokenKind) -> AssignOp? {
        switch kind {
        case .equal: return .assign
        case .plusEqual: return .compound(.add)
        case .minusEqual: return .compound(.subtract)
        case .starEqual: return .compound(.multiply)
        case .slashEqual: return .compound(.divide)
        case .slashSlashEqual: return .compound(.floorDivide)
        case .percentEqual: return .compound(.modulo)
        case .questionQuestionEqual: return .coalesce
        default: return nil
        }
    }
}
