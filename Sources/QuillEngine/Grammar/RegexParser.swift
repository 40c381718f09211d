extension Grammar {
    /// A grammar whose sentences are the whole strings `pattern` matches.
    ///
    /// The subset people write for output shapes: literals, escapes (`\d \w \s \D \W \S`,
    /// `\n \t \r`, `\xHH`, `\uHHHH`, escaped punctuation), `.` (any character but a line break),
    /// classes `[A-Z0-9_]` and `[^...]`, groups `( )`, `(?: )` and `(?<name> )`, `|`, and
    /// `* + ? {m} {m,} {m,n}` (lazy and possessive suffixes are accepted and mean the same
    /// here). `^` and `$` at the ends are accepted; the whole output must match anyway.
    /// Unbounded repetition is capped at `RegexParser.unboundedLimit` so generation ends.
    public static func regex(_ pattern: String) throws -> Grammar {
        var builder = GrammarBuilder()
        var parser = RegexParser(pattern)
        let node = try parser.parse()
        let body = node.emit(into: &builder) { cls, _ in [GrammarBuilder.Symbol.chars(cls)] }
        builder.define(builder.reference("root"), [body])
        return try builder.build(root: "root")
    }
}

/// A parsed regular expression.
indirect enum RegexNode: Equatable {
    case chars(CharClass)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int)

    /// The node as grammar symbols. `character` turns one character class into symbols, so
    /// a JSON Schema `pattern` can emit escaped JSON string characters instead.
    func emit(into builder: inout GrammarBuilder,
              character: (CharClass, inout GrammarBuilder) -> GrammarBuilder.Alternative) -> GrammarBuilder.Alternative {
        switch self {
        case .chars(let cls):
            return character(cls, &builder)
        case .sequence(let nodes):
            var out: GrammarBuilder.Alternative = []
            for node in nodes { out += node.emit(into: &builder, character: character) }
            return out
        case .alternation(let nodes):
            var alternatives: [GrammarBuilder.Alternative] = []
            for node in nodes { alternatives.append(node.emit(into: &builder, character: character)) }
            return [builder.symbol(for: alternatives, hint: "regex-group")]
        case .repeated(let node, let min, let max):
            let item = node.emit(into: &builder, character: character)
            return builder.repetition(of: item, min: min, max: max, hint: "regex-repeat")
        }
    }
}

/// Reads a regular expression into a `RegexNode`, with the column of every error.
struct RegexParser {
    /// The most repetitions `*`, `+` and `{m,}` allow.
    static let unboundedLimit = 256

    private let text: [Unicode.Scalar]
    private var index = 0

    init(_ pattern: String) { text = Array(pattern.unicodeScalars) }

    mutating func parse() throws -> RegexNode {
        if peek == "^" { index += 1 }
        let node = try parseAlternation()
        if peek == ")" { throw error(at: index, "unbalanced ')': there is no '(' for it to close") }
        return node
    }

    private mutating func parseAlternation() throws -> RegexNode {
        var branches = [try parseSequence()]
        while peek == "|" {
            index += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            if c == "$" {
                guard index == text.count - 1 else {
                    throw error(at: index, "'$' is only accepted at the end (the whole output must match); write '\\$' for a dollar sign")
                }
                index += 1
                break
            }
            let atomStart = index
            var atom = try parseAtom()
            if let (min, max) = try readQuantifier() {
                if max > GrammarBuilder.maxRepetition {
                    throw error(at: atomStart, "repetition count \(max) is above the limit \(GrammarBuilder.maxRepetition)")
                }
                atom = .repeated(atom, min: min, max: max)
                // Lazy `*?` and possessive `*+` match the same whole strings as `*`.
                if peek == "?" || peek == "+" { index += 1 }
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func parseAtom() throws -> RegexNode {
        let start = index
        let c = text[index]
        index += 1
        switch c {
        case "(":
            if peek == "?" {
                index += 1
                if peek == ":" {
                    index += 1
                } else if peek == "<" || peek == "P" {
                    if peek == "P" { index += 1 }
                    guard peek == "<", let close = text[index...].firstIndex(of: ">"),
                          text[index + 1..<close].allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }) else {
                        throw error(at: start, "lookbehind and unusual group syntax are not supported; use '(' or '(?:'")
                    }
                    index = close + 1
                } else {
                    throw error(at: start, "'(?' groups other than '(?:' and '(?<name>' (lookaround, flags) are not supported")
                }
            }
            let inner = try parseAlternation()
            guard peek == ")" else { throw error(at: start, "unclosed '('; add ')'") }
            index += 1
            return inner
        case "[":
            return .chars(try parseClass(openAt: start))
        case ".":
            return .chars(CharClass([0x0A...0x0A], negated: true))
        case "\\":
            return .chars(try parseEscape(inClass: false))
        case "*", "+", "?":
            throw error(at: start, "'\(c)' has nothing to repeat; write '\\\(c)' for the character itself")
        case "^":
            throw error(at: start, "'^' is only accepted at the start (the whole output must match); write '\\^' for a caret")
        case "{":
            index = start
            if (try? readQuantifier()) != nil { throw error(at: start, "'{' has nothing to repeat") }
            index = start + 1
            return .chars(.scalar(c.value))
        default:
            return .chars(.scalar(c.value))
        }
    }

    /// A quantifier at the current position as (min, max), or nil when there is none. A `{`
    /// that does not start `{m}`, `{m,}`, `{,n}` or `{m,n}` is a literal brace, as in most engines.
    private mutating func readQuantifier() throws -> (Int, Int)? {
        guard let c = peek else { return nil }
        let cap = Self.unboundedLimit
        switch c {
        case "*": index += 1; return (0, cap)
        case "+": index += 1; return (1, cap)
        case "?": index += 1; return (0, 1)
        case "{":
            let start = index
            index += 1
            let min = readNumber()
            var max = min
            if peek == "," {
                index += 1
                max = readNumber() ?? Swift.max(min ?? 0, cap)
            }
            guard peek == "}", min != nil || max != nil else { index = start; return nil }
            index += 1
            let low = min ?? 0, high = max!
            guard high >= low else {
                throw error(at: start, "repetition {\(low),\(high)}: the maximum is less than the minimum")
            }
            return (low, high)
        default:
            return nil
        }
    }

    private mutating func parseClass(openAt open: Int) throws -> CharClass {
        let negated = peek == "^"
        if negated { index += 1 }
        var members = CharClass([])
        var first = true
        while true {
            guard let c = peek else { throw error(at: open, "unterminated character class; add ']'") }
            if c == "]" && !first { index += 1; break }
            first = false
            let itemAt = index
            index += 1
            var low: UInt32
            if c == "\\" {
                let escaped = try parseEscape(inClass: true)
                guard !escaped.negated, escaped.ranges.count == 1, escaped.ranges[0].count == 1 else {
                    members = members.union(escaped)  // \d, \w, \s and their negations
                    continue
                }
                low = escaped.ranges[0].lowerBound
            } else {
                low = c.value
            }
            var high = low
            if peek == "-", index + 1 < text.count, text[index + 1] != "]" {
                index += 1
                let d = text[index]
                index += 1
                if d == "\\" {
                    let escaped = try parseEscape(inClass: true)
                    guard !escaped.negated, escaped.ranges.count == 1, escaped.ranges[0].count == 1 else {
                        throw error(at: itemAt, "a range cannot end in a class escape like \\d")
                    }
                    high = escaped.ranges[0].lowerBound
                } else {
                    high = d.value
                }
                guard low <= high else { throw error(at: itemAt, "range is backwards: its start comes after its end") }
            }
            members = members.union(CharClass([low...high]))
        }
        return negated ? CharClass(members.ranges, negated: true) : members
    }

    /// The class an escape stands for (one character for most escapes); the `\` is consumed.
    private mutating func parseEscape(inClass: Bool) throws -> CharClass {
        let start = index - 1
        guard let e = peek else { throw error(at: start, "the pattern ends in '\\'; escape what?") }
        index += 1
        let digit = CharClass([0x30...0x39])
        let word = CharClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
        let space = CharClass([0x09...0x0D, 0x20...0x20])
        switch e {
        case "d": return digit
        case "D": return CharClass(digit.ranges, negated: true)
        case "w": return word
        case "W": return CharClass(word.ranges, negated: true)
        case "s": return space
        case "S": return CharClass(space.ranges, negated: true)
        case "n": return .scalar(0x0A)
        case "t": return .scalar(0x09)
        case "r": return .scalar(0x0D)
        case "f": return .scalar(0x0C)
        case "v": return .scalar(0x0B)
        case "0": return .scalar(0)
        case "x": return .scalar(try readHex(count: 2, escapeAt: start))
        case "u":
            if peek == "{", let close = text[index...].firstIndex(of: "}") {
                index += 1
                return .scalar(try readHex(count: close - index, escapeAt: start, skip: 1))
            }
            return .scalar(try readHex(count: 4, escapeAt: start))
        case "b" where inClass: return .scalar(0x08)
        case "b", "B", "A", "z", "Z", "G":
            throw error(at: start, "'\\\(e)' (an anchor or word boundary) is not supported; the whole output is matched")
        case "1"..."9":
            throw error(at: start, "backreferences like '\\\(e)' are not supported")
        default:
            if e.properties.isAlphabetic || ("0"..."9").contains(e) {
                throw error(at: start, "unknown escape '\\\(e)'")
            }
            return .scalar(e.value)  // escaped punctuation stands for itself
        }
    }

    private mutating func readHex(count: Int, escapeAt: Int, skip: Int = 0) throws -> UInt32 {
        guard count > 0, index + count <= text.count,
              let value = UInt32(String(String.UnicodeScalarView(text[index..<index + count])), radix: 16),
              value <= CharClass.maxCodePoint else {
            throw error(at: escapeAt, "expected hexadecimal digits in the escape")
        }
        index += count + skip
        return value
    }

    private mutating func readNumber() -> Int? {
        let start = index
        while let c = peek, ("0"..."9").contains(c) { index += 1 }
        guard index > start, index - start < 10 else { return index > start ? Int.max : nil }
        return Int(String(String.UnicodeScalarView(text[start..<index])))
    }

    private var peek: Unicode.Scalar? { index < text.count ? text[index] : nil }

    private func error(at: Int, _ message: String) -> GrammarError { GrammarError(.regex(column: at + 1), message) }
}
