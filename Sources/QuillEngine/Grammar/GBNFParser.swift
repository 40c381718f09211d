extension Grammar {
    /// Compiles a grammar in llama.cpp's GBNF notation.
    ///
    /// ```
    /// root   ::= answer ("," " "? answer)*     # comments run to the end of the line
    /// answer ::= "yes" | "no" | [0-9]{1,3}
    /// ```
    /// Rules are `name ::= alternatives`; a rule runs until the next `name ::=`, so it may
    /// span lines. Elements: `"literal"` (escapes `\n \r \t \" \\ \xHH \uHHHH \UHHHHHHHH`),
    /// classes `[a-z_]` and `[^"\\]`, `.` (any character), rule names, groups `( )`, and the
    /// repetitions `* + ? {m} {m,} {m,n}`. An empty alternative matches the empty string.
    public init(gbnf text: String, root: String = "root") throws {
        var parser = GBNFParser(text)
        try parser.parse()
        self = try parser.builder.build(root: root)
    }
}

/// Reads GBNF text into a `GrammarBuilder`, with line:column positions on every error.
struct GBNFParser {
    private let text: [Unicode.Scalar]
    private var index = 0
    private(set) var builder = GrammarBuilder()

    init(_ text: String) { self.text = Array(text.unicodeScalars) }

    mutating func parse() throws {
        skipSpace()
        while index < text.count {
            try parseRule()
            skipSpace()
        }
    }

    private mutating func parseRule() throws {
        let start = index
        guard let name = readName() else {
            throw error(at: index, "expected a rule name (letters, digits, '-', '_') to start a rule, found \(describe(index))")
        }
        skipSpace()
        guard consume("::=") else {
            throw error(at: index, "expected '::=' after the rule name '\(name)', found \(describe(index))")
        }
        if let site = builder.definitionSite(of: name) {
            throw GrammarError(location(of: start), "rule '\(name)' is defined twice (first at \(Self.describe(site))); merge the two with '|'")
        }
        let alternatives = try parseAlternatives(nested: false, opener: nil)
        builder.define(builder.reference(name), alternatives, at: location(of: start))
    }

    /// `sequence ('|' sequence)*`; `opener` is the index of an enclosing '('.
    private mutating func parseAlternatives(nested: Bool, opener: Int?) throws -> [GrammarBuilder.Alternative] {
        var alternatives = [try parseSequence(nested: nested, opener: opener)]
        while peek == "|" {
            index += 1
            alternatives.append(try parseSequence(nested: nested, opener: opener))
        }
        return alternatives
    }

    private mutating func parseSequence(nested: Bool, opener: Int?) throws -> GrammarBuilder.Alternative {
        var sequence: GrammarBuilder.Alternative = []
        // Where the last element began: a repetition applies to all of it (a whole literal).
        var lastStart: Int? = nil
        while true {
            skipSpace()
            guard let c = peek, c != "|", c != ")" else { break }
            if atRuleStart() {
                if let opener {
                    throw error(at: index, "expected ')' to close '(' at \(Self.describe(location(of: opener))) before the next rule")
                }
                break
            }
            let elementStart = sequence.count
            switch c {
            case "\"":
                sequence += try readLiteral()
            case "[":
                sequence.append(.chars(try readClass()))
            case ".":
                index += 1
                sequence.append(.chars(.any))
            case "(":
                let open = index
                index += 1
                let alternatives = try parseAlternatives(nested: true, opener: open)
                guard peek == ")" else {
                    throw error(at: index, "expected ')' to close '(' at \(Self.describe(location(of: open))), found \(describe(index))")
                }
                index += 1
                // A group with one alternative is spliced in; a repetition after it still
                // applies to all of it (`lastStart`).
                if alternatives.count == 1 {
                    sequence += alternatives[0]
                } else {
                    sequence.append(builder.symbol(for: alternatives, hint: "group"))
                }
            case "*", "+", "?", "{":
                guard let from = lastStart else {
                    throw error(at: index, "'\(c)' has nothing to repeat; put it after an element, e.g. `[0-9]\(c)`")
                }
                let operatorAt = index
                let (min, max) = try readRepetition()
                let item = Array(sequence[from...])
                sequence.removeSubrange(from...)
                sequence += builder.repetition(of: item, min: min, max: max, hint: "repeat", at: location(of: operatorAt))
                lastStart = from
                continue
            default:
                let at = index
                guard let name = readName() else {
                    throw error(at: index, "unexpected \(describe(index)) in a rule body")
                }
                sequence.append(.rule(builder.reference(name, at: location(of: at))))
            }
            lastStart = elementStart
        }
        return sequence
    }

    /// `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` as (min, max); max nil means no bound.
    private mutating func readRepetition() throws -> (Int, Int?) {
        let start = index
        let c = text[index]
        index += 1
        switch c {
        case "*": return (0, nil)
        case "+": return (1, nil)
        case "?": return (0, 1)
        default: break
        }
        skipSpace()
        guard let min = readNumber() else { throw error(at: index, "expected a number after '{', found \(describe(index))") }
        skipSpace()
        var max: Int? = min
        if peek == "," {
            index += 1
            skipSpace()
            max = readNumber()
            skipSpace()
        }
        guard peek == "}" else { throw error(at: index, "expected '}' to close the repetition, found \(describe(index))") }
        index += 1
        if let max, max < min {
            throw error(at: start, "repetition {\(min),\(max)}: the maximum is less than the minimum")
        }
        if Swift.max(min, max ?? 0) > GrammarBuilder.maxRepetition {
            throw error(at: start, "repetition count \(Swift.max(min, max ?? 0)) is above the limit \(GrammarBuilder.maxRepetition)")
        }
        return (min, max)
    }

    private mutating func readLiteral() throws -> GrammarBuilder.Alternative {
        let open = index
        index += 1
        var out: GrammarBuilder.Alternative = []
        while true {
            guard let c = peek, c != "\n" else {
                throw error(at: open, "unterminated string literal; add the closing '\"'")
            }
            if c == "\"" { index += 1; return out }
            out.append(.chars(.scalar(try readChar())))
        }
    }

    private mutating func readClass() throws -> CharClass {
        let open = index
        index += 1
        let negated = peek == "^"
        if negated { index += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = peek, c != "\n" else {
                throw error(at: open, "unterminated character class; add the closing ']'")
            }
            if c == "]" { index += 1; break }
            let lowAt = index
            let low = try readChar()
            if peek == "-", index + 1 < text.count, text[index + 1] != "]" {
                index += 1
                let high = try readChar()
                guard low <= high else {
                    throw error(at: lowAt, "range is backwards: U+\(String(low, radix: 16, uppercase: true)) comes after U+\(String(high, radix: 16, uppercase: true))")
                }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        return CharClass(ranges, negated: negated)
    }

    /// One character of a literal or class, escapes decoded.
    private mutating func readChar() throws -> UInt32 {
        let c = text[index]
        index += 1
        guard c == "\\" else { return c.value }
        guard let e = peek else { throw error(at: index - 1, "a '\\' ends the text; escape what?") }
        index += 1
        switch e {
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "\\", "\"", "[", "]", "-", "^", "/": return e.value
        case "x": return try readHex(digits: 2, escapeAt: index - 2)
        case "u": return try readHex(digits: 4, escapeAt: index - 2)
        case "U": return try readHex(digits: 8, escapeAt: index - 2)
        default:
            throw error(at: index - 2, "unknown escape '\\\(e)'; write '\\\\' for a backslash")
        }
    }

    private mutating func readHex(digits: Int, escapeAt: Int) throws -> UInt32 {
        guard index + digits <= text.count,
              let value = UInt32(String(String.UnicodeScalarView(text[index..<index + digits])), radix: 16),
              value <= CharClass.maxCodePoint else {
            throw error(at: escapeAt, "expected \(digits) hexadecimal digits after '\\\(text[escapeAt + 1])'")
        }
        index += digits
        return value
    }

    private mutating func readName() -> String? {
        let start = index
        while let c = peek, Self.isNameCharacter(c) { index += 1 }
        return index > start ? String(String.UnicodeScalarView(text[start..<index])) : nil
    }

    private mutating func readNumber() -> Int? {
        let start = index
        while let c = peek, ("0"..."9").contains(c) { index += 1 }
        return index > start ? Int(String(String.UnicodeScalarView(text[start..<index]))) : nil
    }

    /// Whether a `name ::=` starts here (it ends the rule being read).
    private func atRuleStart() -> Bool {
        var probe = self
        guard probe.readName() != nil else { return false }
        probe.skipSpace()
        return probe.consume("::=")
    }

    private mutating func consume(_ word: String) -> Bool {
        let scalars = Array(word.unicodeScalars)
        guard index + scalars.count <= text.count, Array(text[index..<index + scalars.count]) == scalars else { return false }
        index += scalars.count
        return true
    }

    /// Skips blanks, line breaks and `#` comments.
    private mutating func skipSpace() {
        while let c = peek {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                index += 1
            } else if c == "#" {
                while let d = peek, d != "\n" { index += 1 }
            } else {
                break
            }
        }
    }

    private var peek: Unicode.Scalar? { index < text.count ? text[index] : nil }

    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
    }

    private func describe(_ at: Int) -> String {
        guard at < text.count else { return "the end of the text" }
        return text[at] == "\n" ? "a line break" : "'\(text[at])'"
    }

    private func location(of at: Int) -> GrammarError.Location {
        var line = 1, column = 1
        for c in text[..<min(at, text.count)] {
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return .gbnf(line: line, column: column)
    }

    private func error(at: Int, _ message: String) -> GrammarError { GrammarError(location(of: at), message) }

    private static func describe(_ site: GrammarError.Location) -> String {
        if case .gbnf(let line, let column) = site { return "\(line):\(column)" }
        return "?"
    }
}
