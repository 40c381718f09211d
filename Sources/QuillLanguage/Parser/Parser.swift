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
/// - an unclosed bracket is reported where the next statement starts, and parsing resumes there.
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

    // MARK: - Errors

    /// How a token reads after "found" in a message.
    func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier, .int, .float:
            let end = min(token.offset + token.length, bytes.count)
            var text = token.offset < end ? String(decoding: bytes[token.offset..<end], as: UTF8.self) : token.text
            if text.unicodeScalars.count > 24 { text = String(text.prefix(20)) + "..." }
            return "'\(text)'"
        case .string, .interpolation:
            return isContinuation(token) ? "')'" : "a string"
        default:
            return token.kind.display
        }
    }

    /// A string segment that continues a literal after an interpolation; it starts at the
    /// `)` that ended the interpolation, and cannot start an expression.
    func isContinuation(_ token: Token) -> Bool {
        (token.kind == .string || token.kind == .interpolation) && token.offset < bytes.count
            && bytes[token.offset] == Ascii.rparen
    }

    /// Width of a token in columns, for the caret underline (first line only).
    static func columns(of token: Token, in bytes: [UInt8]) -> Int {
        let end = min(token.offset + token.length, bytes.count)
        var count = 0
        var i = max(0, token.offset)
        while i < end, bytes[i] != Ascii.newline {
            if !Ascii.isContinuation(bytes[i]) { count += 1 }
            i += 1
        }
        return max(1, count)
    }

    /// Records an error unless it would be a cascade: one error per token, and none in a
    /// statement where the lexer already complained.
    @inline(never)
    mutating func report(_ message: String, at location: SourceLocation, tokenIndex: Int, length: Int = 1, hint: String? = nil) {
        guard !gaveUp else { return }
        let i = min(max(tokenIndex, 0), tokens.count - 1)
        if i == lastErrorIndex { return }
        let start = min(max(statementStart, 0), i)
        if lexErrorsBefore[i] > lexErrorsBefore[start] { return }
        lastErrorIndex = i
        parseErrors.append(Diagnostic(message, at: location, hint: hint, length: length))
        if parseErrors.count + Int(lexErrorsBefore[index]) >= Self.maxErrors {
            // Enough: jump to the end so every loop winds down.
            gaveUp = true
            index = tokens.count - 1
        }
    }

    /// Reports an error at the current token.
    @inline(never)
    mutating func error(_ message: String, hint: String? = nil) {
        report(message, at: current.location, tokenIndex: index, length: Self.columns(of: current, in: bytes), hint: hint)
    }

    /// Reports "`expectation`, found `<current token>`" at the current token.
    @inline(never)
    mutating func errorFound(_ expectation: String, hint: String? = nil) {
        error("\(expectation), found \(describe(current))", hint: hint)
    }

    /// Where a newline token would be after `token`: the `\n` ending its line. Used to report
    /// a missing closer at the end of the line when the lexer dropped that newline.
    func endOfLineLocation(after token: Token) -> SourceLocation {
        if token.kind == .newline { return token.location }
        var i = min(token.offset + token.length, bytes.count)
        while i < bytes.count, bytes[i] != Ascii.newline { i += 1 }
        var lineStart = i
        while lineStart > 0, bytes[lineStart - 1] != Ascii.newline { lineStart -= 1 }
        var column = 1
        for k in lineStart..<i where !Ascii.isContinuation(bytes[k]) { column += 1 }
        return SourceLocation(line: endLine(of: token), column: column)
    }

    /// Reports "`expectation`, found ..." and abandons the construct.
    @inline(never)
    mutating func abortExpected(_ expectation: String) throws(ParseAbort) -> Never {
        errorFound(expectation)
        throw ParseAbort()
    }

    /// Enters one level of nesting, or reports and aborts when nested too deeply.
    /// Callers pair a successful call with `depth -= 1` (usually in a `defer`).
    mutating func enterNesting() throws(ParseAbort) {
        guard depth < Self.maxDepth else { try abortTooDeep() }
        depth += 1
    }

    @inline(never)
    mutating func abortTooDeep() throws(ParseAbort) -> Never {
        error("expression nested too deeply")
        unwindingNesting = true
        throw ParseAbort()
    }

    // MARK: - Recovery

    /// The brackets opened in `tokens[start..<index]` that are still open (as the closers
    /// they need, innermost last). After an error in the middle of `{a: (1 +) ...`, recovery
    /// must skip their closers too rather than take them for the end of an enclosing block.
    func unclosedBrackets(from start: Int) -> [TokenKind] {
        var open: [TokenKind] = []
        var i = max(0, start)
        while i < index {
            switch tokens[i].kind {
            case .leftParen: open.append(.rightParen)
            case .leftBracket: open.append(.rightBracket)
            case .leftBrace: open.append(.rightBrace)
            case .rightParen, .rightBracket, .rightBrace: if !open.isEmpty { open.removeLast() }
            default: break
            }
            i += 1
        }
        return open
    }

    /// Panic mode: skips to the next statement boundary after an error in the statement that
    /// began at token `start`. Stops after a newline or `;`, before a `}` that closes an
    /// enclosing block, before a statement keyword, or at end of file. Brackets opened in the
    /// statement before the error, and any opened while skipping, are skipped whole.
    mutating func synchronize(from start: Int) {
        unwindingNesting = false
        if resumeHere {
            resumeHere = false
            return
        }
        var unclosed = unclosedBrackets(from: start)
        var nesting = 0
        var closedLater: Bool? = nil
        while true {
            switch current.kind {
            case .eof:
                return
            case .newline, .semicolon:
                if nesting == 0 && unclosed.isEmpty {
                    advance()
                    return
                }
            case .leftBrace, .leftParen, .leftBracket:
                nesting += 1
            case .rightBrace, .rightParen, .rightBracket:
                if nesting > 0 {
                    nesting -= 1
                } else if !unclosed.isEmpty {
                    unclosed.removeLast()
                } else if current.kind == .rightBrace {
                    return
                }
            default:
                // A statement keyword starts the next statement, unless it sits inside
                // brackets of this statement that are closed later on (`f(a, return 1)`).
                if nesting == 0 && looksLikeStatementStart(index) {
                    guard let closer = unclosed.last else { return }
                    if closedLater == nil { closedLater = !looksUnclosed(closer) }
                    if closedLater == false { return }
                }
            }
            advance()
        }
    }

    /// Local recovery inside a bracketed list after a bad element that began at token `start`:
    /// skips to the next `,` (consumed; returns false so the list continues) or to the closer
    /// (consumed; returns true). Gives up (throws, for statement-level recovery) at end of
    /// file, a mismatched closer, a statement keyword, or a newline outside braces.
    @inline(never)
    mutating func skipInList(closer: TokenKind, separators: Bool, from start: Int) throws(ParseAbort) -> Bool {
        if resumeHere || gaveUp || unwindingNesting { throw ParseAbort() }
        var debt = unclosedBrackets(from: start).count
        var nesting = 0
        var closerChecked = false
        while true {
            let kind = current.kind
            if nesting == 0 && debt == 0 {
                if kind == closer {
                    advance()
                    return true
                }
                if kind == .comma && separators {
                    advance()
                    return false
                }
            }
            switch kind {
            case .eof:
                throw ParseAbort()
            case .leftParen, .leftBracket, .leftBrace:
                nesting += 1
            case .rightParen, .rightBracket, .rightBrace:
                if nesting > 0 {
                    nesting -= 1
                } else if debt > 0 {
                    debt -= 1
                } else {
                    throw ParseAbort()
                }
            case .newline, .semicolon:
                if nesting == 0 && debt == 0 && (closer != .rightBrace || kind == .semicolon) { throw ParseAbort() }
            default:
                // At a statement keyword, resume there if our bracket is never closed;
                // otherwise it is just a misplaced word inside the list.
                if nesting == 0 && isStatementKeyword(index) && !closerChecked {
                    closerChecked = true
                    if looksUnclosed(closer) {
                        resumeHere = true
                        throw ParseAbort()
                    }
                }
            }
            advance()
        }
    }

    /// True if no closer of kind `closer` matches the bracket we are in: scanning ahead from
    /// the current token, the first unmatched closer is a different one, or a statement
    /// keyword or the end of file comes first. Tells an unclosed bracket from a missing comma.
    func looksUnclosed(_ closer: TokenKind) -> Bool {
        var nesting = 0
        var i = index
        // Bounded so that many errors in a huge file cannot make parsing quadratic.
        let end = min(tokens.count, index + 20_000)
        while i < end {
            let kind = tokens[i].kind
            switch kind {
            case .eof:
                return true
            case .leftParen, .leftBracket, .leftBrace:
                nesting += 1
            case .rightParen, .rightBracket, .rightBrace:
                if nesting == 0 { return kind != closer }
                nesting -= 1
            default:
                if nesting == 0 && i > index && isStatementKeyword(i) { return true }
            }
            i += 1
        }
        return true
    }

    /// Called when a list element or expression inside brackets is complete but the current
    /// token is neither `,` nor the closer. Reports the problem and recovers: returns true if
    /// the closer was reached (list done), false if a `,` was (list continues), or throws.
    ///
    /// - `open`: the opening bracket, for the "to close '(' opened at line N" hint.
    /// - `what`: where the closer belongs, as in "expected ')' after arguments".
    /// - `items`: what the list holds ("arguments"), or nil if no `,` is allowed.
    @inline(never)
    mutating func recoverInList(closer: TokenKind, open: Token, what: String, items: String?) throws(ParseAbort) -> Bool {
        let found = current
        let hint = "to close \(open.kind.display) opened at line \(open.location.line)"
        let expectation = "expected \(closer.display) \(what)"

        if found.kind == .eof || found.kind == .semicolon || (found.kind == .newline && closer != .rightBrace) {
            errorFound(expectation, hint: hint)
            throw ParseAbort()
        }
        if isStatementKeyword(index) && !startsNewLine(index) {
            errorFound(expectation, hint: hint)
            resumeHere = true
            throw ParseAbort()
        }
        // The bracket is never closed (the lexer then dropped the newlines after it, so the
        // next lines ran into this expression): report the closer missing at the end of the
        // line where the trouble starts, and resume parsing at the start of the next line.
        let openIndex = tokenIndex(of: open)
        if looksUnclosed(closer) {
            var lineStart = index
            while lineStart > openIndex + 1 && !startsNewLine(lineStart) { lineStart -= 1 }
            if lineStart > openIndex && startsNewLine(lineStart) {
                report("\(expectation), found end of line", at: endOfLineLocation(after: tokens[lineStart - 1]),
                       tokenIndex: lineStart, hint: hint)
                index = lineStart
                resumeHere = true
                throw ParseAbort()
            }
        }

        if let items, Self.canStartExpression(found.kind) {
            errorFound("expected ',' between \(items)")
        } else if found.kind == .equal && closer == .rightParen && items == "arguments" {
            error("'=' is assignment; use '==' to compare, or ':' for a named argument")
        } else {
            let mismatched = [.rightParen, .rightBracket, .rightBrace].contains(found.kind)
            errorFound(expectation, hint: mismatched ? hint : nil)
        }
        return try skipInList(closer: closer, separators: items != nil, from: index)
    }

    /// The index of a token previously seen (tokens are in offset order).
    func tokenIndex(of token: Token) -> Int {
        var lo = 0, hi = tokens.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].offset < token.offset { lo = mid + 1 } else { hi = mid }
        }
        // Zero-length tokens share offsets; step to the exact one if needed.
        while lo + 1 < tokens.count, tokens[lo].offset == token.offset, tokens[lo].kind != token.kind { lo += 1 }
        return lo
    }

    /// Consumes the closer of a bracket with no separators inside (parentheses, subscripts),
    /// recovering as `recoverInList` does.
    @inline(never)
    mutating func expectCloser(_ closer: TokenKind, open: Token, what: String) throws(ParseAbort) {
        if consume(closer) { return }
        _ = try recoverInList(closer: closer, open: open, what: what, items: nil)
    }
}
