/// Error reporting and recovery.
///
/// Reporting: `report` drops follow-on errors (one per token; none after a lexer error in the
/// same statement) and stops parsing after `maxErrors`.
///
/// Recovery, from the smallest scope outwards:
/// - `skipInList`: a bad element of a list, map, argument or parameter list is skipped up to the
///   next `,` or the closer, and the list goes on;
/// - `recoverInList`: a list that is not closed where it should be is reported at the end of the
///   line, and parsing resumes at the next line;
/// - `synchronize`: a bad statement is skipped up to the next statement boundary.
/// All of them skip bracketed groups whole and treat a statement keyword as a new statement.
extension Parser {
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
        // Something missing at the end of a line is shown right after the last token, not after
        // a trailing comment or on the next line.
        if current.kind == .newline || current.kind == .eof, index > 0 {
            let previous = tokens[index - 1]
            if previous.kind != .newline, endLine(of: previous) == Int(previous.location.line) {
                let after = SourceLocation(line: Int(previous.location.line),
                                           column: Int(previous.location.column) + Self.columns(of: previous, in: bytes))
                report(message, at: after, tokenIndex: index, hint: hint)
                return
            }
        }
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
        // Right after the token when it ends on its own line (so a trailing comment is skipped).
        if endLine(of: token) == Int(token.location.line) {
            return SourceLocation(line: Int(token.location.line),
                                  column: Int(token.location.column) + Self.columns(of: token, in: bytes))
        }
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
                } else if let match = unclosed.lastIndex(of: current.kind) {
                    // Closes a bracket of this statement (and any unclosed ones inside it).
                    unclosed.removeSubrange(match...)
                } else if current.kind == .rightBrace {
                    // Cannot close a `(` or `[`: it ends the enclosing block.
                    return
                }
            default:
                // With this statement's brackets all closed, a line break ends it even where the
                // lexer emitted no newline (because of an unclosed bracket further up).
                if nesting == 0 && unclosed.isEmpty && startsNewLine(index) { return }
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
    /// file, a mismatched closer, a newline outside braces, or, when the list is never
    /// closed, at the next statement keyword or line.
    @inline(never)
    mutating func skipInList(closer: TokenKind, separators: Bool, from start: Int) throws(ParseAbort) -> Bool {
        if resumeHere || gaveUp || unwindingNesting { throw ParseAbort() }
        var unclosed = unclosedBrackets(from: start)
        var nesting = 0
        var closerChecked = false
        while true {
            let kind = current.kind
            if nesting == 0 && unclosed.isEmpty && kind == .comma && separators {
                advance()
                return false
            }
            switch kind {
            case .eof:
                throw ParseAbort()
            case .leftParen, .leftBracket, .leftBrace:
                nesting += 1
            case .rightParen, .rightBracket, .rightBrace:
                if nesting > 0 {
                    nesting -= 1
                } else if let match = unclosed.lastIndex(of: kind) {
                    unclosed.removeSubrange(match...)
                } else if kind == closer {
                    // Our closer (brackets left open inside the bad element are abandoned).
                    advance()
                    return true
                } else {
                    throw ParseAbort()
                }
            case .newline, .semicolon:
                if nesting == 0 && unclosed.isEmpty && (closer != .rightBrace || kind == .semicolon) { throw ParseAbort() }
            default:
                // At a statement keyword or a new line, resume there if our bracket is never
                // closed (so one bad line does not swallow the rest of the file); otherwise it
                // is just more of the bad element.
                if nesting == 0 && !closerChecked && (isStatementKeyword(index) || (unclosed.isEmpty && startsNewLine(index))) {
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
