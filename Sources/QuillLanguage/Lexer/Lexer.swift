/// Turns source bytes into tokens.
///
/// The lexer never fails: a problem becomes an `.error` token whose `text` is the message, and
/// lexing carries on after it. The token array always ends with exactly one `.eof` token.
///
/// Newlines are significant (they end statements), except
/// - inside `(`, `[` and string interpolations `\( )`, where they are dropped, and
/// - before a line that starts with `.name` (a method-chain continuation).
/// Runs of blank and comment lines produce a single `.newline`, and a `.newline` is never the
/// first token.
///
/// String literals are split at interpolations: `"a\(x)b"` lexes as `.interpolation("a")`,
/// the tokens of `x`, then `.string("b")`. The `)` that ends an interpolation produces no token.
/// As in Swift, a single-line literal cannot span lines even inside an interpolation; a
/// newline there reports the literal as unterminated (multi-line literals may span lines).
///
/// Columns count Unicode scalars; offsets and lengths are in bytes.
public struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]

    /// Read position (byte offset).
    var pos = 0
    /// Current 1-based line and the byte offset where it starts.
    var line = 1
    var lineStart = 0
    /// Byte offset of the start of every line seen so far; `lineStarts[n - 1]` is line `n`.
    var lineStarts: [Int] = [0]
    /// Column cache for the current line, so computing successive locations stays linear.
    var columnCacheOffset = 0
    var columnCacheValue = 1

    var tokens: [Token] = []
    /// The kind of the last non-error token, to decide whether a `.newline` may be emitted.
    var lastKind: TokenKind?

    /// Open brackets, innermost last. Decides whether newlines are significant and matches the
    /// `)` that ends an interpolation.
    var brackets: [Bracket] = []
    /// String literals being lexed, innermost last. Every string except possibly the innermost
    /// one is waiting for the `)` of an interpolation.
    var strings: [StringState] = []

    enum Bracket: Equatable {
        case paren, bracket, brace
        /// `\(` inside a string literal; the string is `strings.last` when this is innermost.
        case interpolation
    }

    public init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    /// Lexes the whole file.
    public mutating func tokenize() -> [Token] {
        pos = 0
        line = 1
        lineStart = 0
        lineStarts = [0]
        columnCacheOffset = 0
        columnCacheValue = 1
        tokens = []
        tokens.reserveCapacity(bytes.count / 3 + 16)
        lastKind = nil
        brackets = []
        strings = []

        // A UTF-8 byte order mark is not part of the program.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            pos = 3
            columnCacheOffset = 3
        }

        let n = bytes.count
        while pos < n {
            let b = bytes[pos]
            switch b {
            case Ascii.space, Ascii.tab, Ascii.cr, 0x0B, 0x0C:
                pos += 1
            case Ascii.hash:
                skipComment()
            case Ascii.newline:
                lexNewlines()
            case Ascii.quote:
                lexStringStart()
            case Ascii.zero...Ascii.nine:
                lexNumber()
            default:
                if Ascii.isIdentifierStart(b) {
                    lexIdentifier()
                } else {
                    lexPunctuation()
                }
            }
        }
        finish()
        return tokens
    }

    // MARK: - Locations

    /// Records that a `\n` was consumed at `offset`.
    mutating func noteNewline(at offset: Int) {
        line += 1
        lineStart = offset + 1
        lineStarts.append(lineStart)
        columnCacheOffset = lineStart
        columnCacheValue = 1
    }

    /// The line/column of a byte offset. Fast for offsets at or after the previous query on the
    /// current line (the common case); otherwise finds the line by binary search.
    mutating func location(at offset: Int) -> SourceLocation {
        let offset = min(max(offset, 0), bytes.count)
        if offset >= lineStart {
            if offset < columnCacheOffset {
                columnCacheOffset = lineStart
                columnCacheValue = 1
            }
            var column = columnCacheValue
            var i = columnCacheOffset
            while i < offset {
                if !Ascii.isContinuation(bytes[i]) { column += 1 }
                i += 1
            }
            columnCacheOffset = offset
            columnCacheValue = column
            return SourceLocation(line: line, column: column)
        }
        // An earlier line: find the last line start <= offset.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        var i = lineStarts[lo]
        while i < offset {
            if !Ascii.isContinuation(bytes[i]) { column += 1 }
            i += 1
        }
        return SourceLocation(line: lo + 1, column: column)
    }

    // MARK: - Emitting

    mutating func emit(_ kind: TokenKind, from start: Int, to end: Int, text: String) {
        let loc = location(at: start)
        tokens.append(Token(kind: kind, location: loc, offset: start, length: max(0, end - start), text: text))
        lastKind = kind
    }

    /// Emits a token whose text is its source spelling.
    mutating func emitSpelled(_ kind: TokenKind, from start: Int, to end: Int) {
        emit(kind, from: start, to: end, text: String(decoding: bytes[start..<end], as: UTF8.self))
    }

    mutating func emitError(_ message: String, from start: Int, to end: Int) {
        let loc = location(at: start)
        tokens.append(Token(kind: .error, location: loc, offset: start, length: max(0, end - start), text: message))
    }

    /// The Unicode scalar starting at `offset`, for messages, and its length in bytes.
    func scalar(at offset: Int) -> (text: String, length: Int) {
        guard offset < bytes.count else { return ("", 0) }
        let length = min(Ascii.scalarLength(leadByte: bytes[offset]), bytes.count - offset)
        return (String(decoding: bytes[offset..<offset + length], as: UTF8.self), length)
    }

    // MARK: - Trivia and newlines

    mutating func skipComment() {
        let n = bytes.count
        while pos < n && bytes[pos] != Ascii.newline { pos += 1 }
    }

    /// True when a newline at this point ends a statement.
    var newlinesAreSignificant: Bool {
        guard let innermost = brackets.last else { return true }
        return innermost == .brace
    }

    /// Consumes a run of newlines, blank lines and comment lines, then emits at most one
    /// `.newline` token located at the first `\n`.
    mutating func lexNewlines() {
        let first = pos
        // A single-line string cannot span lines, even inside an interpolation.
        closeUnterminatedStrings(at: first, includingMultiline: false)

        let n = bytes.count
        scan: while pos < n {
            switch bytes[pos] {
            case Ascii.newline:
                noteNewline(at: pos)
                pos += 1
            case Ascii.space, Ascii.tab, Ascii.cr, 0x0B, 0x0C:
                pos += 1
            case Ascii.hash:
                skipComment()
            default:
                break scan
            }
        }

        guard newlinesAreSignificant, let last = lastKind, last != .newline else { return }
        // `xs\n  .map(f)` continues the expression; `..` does not.
        if pos + 1 < n, bytes[pos] == Ascii.dot, Ascii.isIdentifierStart(bytes[pos + 1]) { return }
        emit(.newline, from: first, to: first + 1, text: "\n")
    }

    /// Called at a newline (single-line strings only) and at end of file (all strings): reports
    /// the outermost affected string literal as unterminated and closes it and every string
    /// nested in it, emitting an empty `.string` for each so the token stream stays well formed.
    mutating func closeUnterminatedStrings(at offset: Int, includingMultiline: Bool) {
        guard let k = strings.firstIndex(where: { includingMultiline || !$0.multiline }) else { return }
        let outer = strings[k]
        emitError(outer.multiline ? "unterminated multi-line string literal" : "unterminated string literal",
                  from: outer.openOffset, to: outer.openOffset + (outer.multiline ? 3 : 1))
        for _ in k..<strings.count {
            emit(.string, from: offset, to: offset, text: "")
        }
        strings.removeSubrange(k...)
        if outer.bracketDepth < brackets.count { brackets.removeSubrange(outer.bracketDepth...) }
    }

    mutating func finish() {
        let end = bytes.count
        pos = end
        closeUnterminatedStrings(at: end, includingMultiline: true)
        emit(.eof, from: end, to: end, text: "")
    }

    // MARK: - Names and punctuation

    mutating func lexIdentifier() {
        let start = pos
        let n = bytes.count
        pos += 1
        while pos < n && Ascii.isIdentifierContinue(bytes[pos]) { pos += 1 }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        emit(TokenKind.keywords[text] ?? .identifier, from: start, to: pos, text: text)
    }

    /// The byte after `pos + k`, or 0 past the end.
    func peekByte(_ k: Int) -> UInt8 {
        let i = pos + k
        return i < bytes.count ? bytes[i] : 0
    }

    mutating func lexPunctuation() {
        let start = pos
        let b = bytes[pos]
        let next = peekByte(1)
        var kind: TokenKind
        var length = 1

        switch b {
        case Ascii.lparen:
            brackets.append(.paren)
            kind = .leftParen
        case Ascii.rparen:
            if closeBracket(.paren) {
                // This `)` ends an interpolation: carry on with the string literal.
                pos += 1
                continueString(segmentStart: start)
                return
            }
            kind = .rightParen
        case Ascii.lbrace:
            brackets.append(.brace)
            kind = .leftBrace
        case Ascii.rbrace:
            _ = closeBracket(.brace)
            kind = .rightBrace
        case Ascii.lbracket:
            brackets.append(.bracket)
            kind = .leftBracket
        case Ascii.rbracket:
            _ = closeBracket(.bracket)
            kind = .rightBracket
        case Ascii.comma: kind = .comma
        case Ascii.colon: kind = .colon
        case Ascii.semicolon: kind = .semicolon
        case Ascii.dot:
            if next == Ascii.dot {
                if peekByte(2) == Ascii.less { kind = .dotDotLess; length = 3 } else { kind = .dotDot; length = 2 }
            } else {
                kind = .dot
            }
        case Ascii.plus:
            if next == Ascii.equal { kind = .plusEqual; length = 2 } else { kind = .plus }
        case Ascii.minus:
            if next == Ascii.equal { kind = .minusEqual; length = 2 } else { kind = .minus }
        case Ascii.star:
            if next == Ascii.star { kind = .starStar; length = 2 }
            else if next == Ascii.equal { kind = .starEqual; length = 2 }
            else { kind = .star }
        case Ascii.slash:
            if next == Ascii.slash {
                if peekByte(2) == Ascii.equal { kind = .slashSlashEqual; length = 3 } else { kind = .slashSlash; length = 2 }
            } else if next == Ascii.equal {
                kind = .slashEqual; length = 2
            } else {
                kind = .slash
            }
        case Ascii.percent:
            if next == Ascii.equal { kind = .percentEqual; length = 2 } else { kind = .percent }
        case Ascii.equal:
            if next == Ascii.equal { kind = .equalEqual; length = 2 }
            else if next == Ascii.greater { kind = .arrow; length = 2 }
            else { kind = .equal }
        case Ascii.bang:
            if next == Ascii.equal {
                kind = .bangEqual; length = 2
            } else {
                pos += 1
                emitError("unexpected '!'; use 'not' for negation", from: start, to: pos)
                return
            }
        case Ascii.less:
            if next == Ascii.equal { kind = .lessEqual; length = 2 } else { kind = .less }
        case Ascii.greater:
            if next == Ascii.equal { kind = .greaterEqual; length = 2 } else { kind = .greater }
        case Ascii.question:
            if next == Ascii.question {
                if peekByte(2) == Ascii.equal { kind = .questionQuestionEqual; length = 3 } else { kind = .questionQuestion; length = 2 }
            } else {
                pos += 1
                emitError("unexpected '?'; did you mean '??'", from: start, to: pos)
                return
            }
        case Ascii.ampersand where next == Ascii.ampersand:
            pos += 2
            emitError("unexpected '&&'; use 'and'", from: start, to: pos)
            return
        case Ascii.bar where next == Ascii.bar:
            pos += 2
            emitError("unexpected '||'; use 'or'", from: start, to: pos)
            return
        default:
            let (text, scalarLength) = scalar(at: pos)
            pos += max(1, scalarLength)
            let shown: String
            if b < 0x20 || b == 0x7F {
                shown = "U+" + String(b, radix: 16, uppercase: true).leftPadded(to: 4)
            } else if b >= 0x80, let s = text.unicodeScalars.first,
                      s.properties.generalCategory == .format || s.properties.generalCategory == .control
                      || s.properties.isWhitespace {
                shown = "U+" + String(s.value, radix: 16, uppercase: true).leftPadded(to: 4)
            } else {
                shown = "'\(text)'"
            }
            emitError("unexpected character \(shown)", from: start, to: pos)
            return
        }
        pos += length
        emitSpelled(kind, from: start, to: pos)
    }

    /// Pops the bracket stack for a closer. Searches outward for the matching opener, so a
    /// stray closer inside an extra opener still recovers, but never looks past an
    /// interpolation, which only `)` can end. Returns true when the closer ended an
    /// interpolation.
    mutating func closeBracket(_ kind: Bracket) -> Bool {
        var i = brackets.count - 1
        while i >= 0 {
            let open = brackets[i]
            if open == kind {
                brackets.removeSubrange(i...)
                return false
            }
            if open == .interpolation {
                if kind == .paren {
                    brackets.removeSubrange(i...)
                    return true
                }
                return false
            }
            i -= 1
        }
        return false
    }
}
