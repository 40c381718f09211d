/// Literals: numbers, strings (plain and interpolated), lists and maps.
///
///     list = "[" [expr {"," expr} [","]] "]"
///     map  = "{" [entry {"," entry} [","]] "}"      newlines allowed anywhere inside
///     entry = (NAME | "[" expr "]" | expr) ":" expr
extension Parser {
    /// An int or float literal, negated when folded with a preceding `-`.
    @inline(never)
    mutating func numberLiteral(_ token: Token, negative: Bool, at location: SourceLocation, tokenIndex: Int) -> Expr {
        if token.kind == .float {
            guard let value = Double(token.text) else {
                report("invalid number '\(token.text)'", at: location, tokenIndex: tokenIndex)
                return Expr(.float(0), at: location)
            }
            return Expr(.float(negative ? -value : value), at: location)
        }
        guard let value = Self.integerValue(token.text, negative: negative) else {
            report("integer literal '\(negative ? "-" : "")\(token.text)' is too large for a 64-bit integer",
                   at: location, tokenIndex: tokenIndex, length: Self.columns(of: token, in: bytes) + (negative ? 1 : 0))
            return Expr(.int(0), at: location)
        }
        return Expr(.int(value), at: location)
    }

    /// The value of an integer literal's text (`123`, `0xFF`, `0b101`, `0o17`), or nil if it
    /// does not fit in 64 bits.
    static func integerValue(_ text: String, negative: Bool) -> Int? {
        var digits = Substring(text)
        var radix = 10
        if digits.count > 2, digits.first == "0" {
            switch digits.dropFirst().first {
            case "x", "X": radix = 16
            case "b", "B": radix = 2
            case "o", "O": radix = 8
            default: break
            }
            if radix != 10 { digits = digits.dropFirst(2) }
        }
        guard let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int.min }
            return magnitude <= UInt64(Int64.max) ? -Int(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int(magnitude) : nil
    }

    /// A string literal: `.string` when plain, `.interpolated` with its parts otherwise.
    @inline(never)
    mutating func parseStringLiteral() throws(ParseAbort) -> Expr {
        let first = current
        if first.kind == .string {
            advance()
            return Expr(.string(first.text), at: first.location)
        }
        var parts: [StringPart] = []
        while true {
            let segment = advance()  // an `.interpolation`
            if !segment.text.isEmpty { parts.append(.text(segment.text)) }
            parts.append(.expr(try parseExpression()))
            if at(.interpolation) { continue }
            if at(.string) {
                let tail = advance()
                if !tail.text.isEmpty { parts.append(.text(tail.text)) }
                break
            }
            try abortExpected("expected ')' to end the string interpolation")
        }
        return Expr(.interpolated(parts), at: first.location)
    }

    /// `[a, b, c]`; trailing comma allowed.
    @inline(never)
    mutating func parseList() throws(ParseAbort) -> Expr {
        let open = advance()
        var elements: [Expr] = []
        while true {
            let iterationStart = index
            if consume(.rightBracket) { break }
            do {
                elements.append(try parseExpression())
            } catch {
                if try skipInList(closer: .rightBracket, separators: true, from: iterationStart) { break }
                continue
            }
            if consume(.comma) { continue }
            if consume(.rightBracket) { break }
            if try recoverInList(closer: .rightBracket, open: open, what: "after the list elements", items: "list elements") { break }
            if index == iterationStart { advance() }
        }
        return Expr(.list(elements), at: open.location)
    }

    /// `{key: value, ...}`: a name key is a string key, `[expr]` a computed key, anything else
    /// an expression key. Newlines may appear anywhere inside.
    @inline(never)
    mutating func parseMap() throws(ParseAbort) -> Expr {
        let open = advance()
        var entries: [(key: Expr, value: Expr)] = []
        while true {
            let iterationStart = index
            skipNewlines()
            if consume(.rightBrace) { break }
            let entryStart = index
            do {
                entries.append(try parseMapEntry())
            } catch {
                if try skipInList(closer: .rightBrace, separators: true, from: entryStart) { break }
                continue
            }
            skipNewlines()
            if consume(.comma) { continue }
            if consume(.rightBrace) { break }
            if try recoverInList(closer: .rightBrace, open: open, what: "after the map entries", items: "map entries") { break }
            if index == iterationStart { advance() }
        }
        return Expr(.map(entries), at: open.location)
    }

    @inline(never)
    mutating func parseMapEntry() throws(ParseAbort) -> (key: Expr, value: Expr) {
        let key = try parseMapKey()
        skipNewlines()
        guard consume(.colon) else { try abortExpected("expected ':' after the map key") }
        skipNewlines()
        let value = try parseExpression()
        return (key, value)
    }

    /// A map key: a name (as a string), `[computed]`, or any other expression.
    @inline(never)
    mutating func parseMapKey() throws(ParseAbort) -> Expr {
        let start = current
        // Names, and keywords other than true/false/nil, are string keys: `{prompt: p, in: 1}`.
        let literalKeywords: [TokenKind] = [.kwTrue, .kwFalse, .kwNil]
        let isWord = start.kind == .identifier || (TokenKind.keywords[start.text] == start.kind && !literalKeywords.contains(start.kind))
        if isWord && peek().kind == .colon {
            advance()
            return Expr(.string(start.text), at: start.location)
        }
        if start.kind == .leftBracket {
            advance()
            let key = try parseExpression()
            try expectCloser(.rightBracket, open: start, what: "after the computed key")
            return key
        }
        return try parseExpression()
    }
}
