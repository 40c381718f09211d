/// The tokenizer of mteval-v13a, BLEU's standard (sacrebleu's `13a`): unescapes a few HTML
/// entities, splits off punctuation and symbols, and periods and commas except between digits,
/// and dashes after digits.
///
/// It works on UTF-8 bytes: every rule is about ASCII characters, and any byte of a non-ASCII
/// character is, as the character is to sacrebleu's regular expressions, neither a digit nor a
/// symbol. Tokens are then split at whitespace as Python's `str.split()` sees it, which
/// includes the ASCII separators \x1c–\x1f and Unicode spaces.
public enum Tokenizer13a {
    /// The tokens of `text`, as `Tokenizer13a()(text).split()` gives them in sacrebleu.
    public static func tokens(_ text: String) -> [String] {
        var buffers = Buffers()
        var tokens: [String] = []
        buffers.forEachToken(in: text) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        return tokens
    }

    /// The tokenized text, tokens joined by single spaces, as sacrebleu's `Tokenizer13a()(text)`.
    public static func tokenize(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// The tokenizer's working storage, reused from one text to the next: the passes write
    /// from one buffer into the other through pointers, each sized for its pass's worst case.
    struct Buffers {
        private var a: [UInt8] = []
        private var b: [UInt8] = []
        private var unescaped: [UInt8] = []

        /// Appends the tokens of `text` to `tokens`, with trailing whitespace stripped first as
        /// sacrebleu's BLEU does before tokenizing (`sent.rstrip()`), so that a final `-\n` is
        /// not taken for a hyphenated line break.
        mutating func append(_ text: String, to tokens: inout InternedTokens) {
            forEachToken(in: text, stripTrailingWhitespace: true) { tokens.append($0) }
        }

        /// Calls `body` with the bytes of each token of `text`, in order.
        mutating func forEachToken(in text: String, stripTrailingWhitespace: Bool = false,
                                   _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            var text = text
            text.withUTF8 { whole in
                let line = stripTrailingWhitespace ? Tokenizer13a.trailingWhitespaceStripped(whole) : whole
                if line.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "&") }) {
                    unescaped.removeAll(keepingCapacity: true)
                    unescaped.append(contentsOf: line)
                    Tokenizer13a.unescape(&unescaped)
                    // A second reference (no copy of the bytes) lets `tokenize` read them while
                    // it writes the other buffers of `self`.
                    let copy = unescaped
                    copy.withUnsafeBufferPointer { tokenize($0, body) }
                } else {
                    tokenize(line, body)
                }
            }
        }

        private mutating func tokenize(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            // Symbols and punctuation other than . , - and ' become tokens of their own
            // (sacrebleu pads the line with a space at each end first).
            var periodsOrCommas = false, dashes = false
            var length = Self.write(into: &a, capacity: 3 * line.count + 2) { out in
                var n = 0
                out[n] = 0x20; n += 1
                for c in line {
                    if isSymbol(c) {
                        out[n] = 0x20; out[n + 1] = c; out[n + 2] = 0x20; n += 3
                    } else {
                        out[n] = c; n += 1
                        periodsOrCommas = periodsOrCommas || c == UInt8(ascii: ".") || c == UInt8(ascii: ",")
                        dashes = dashes || c == UInt8(ascii: "-")
                    }
                }
                out[n] = 0x20; n += 1
                return n
            }
            if periodsOrCommas {
                // A period or comma after a non-digit, then before a non-digit, is split off.
                length = Self.rewritePairs(a, length, into: &b, { !isDigit($0) }, isPeriodOrComma, spaceBefore: false)
                length = Self.rewritePairs(b, length, into: &a, isPeriodOrComma, { !isDigit($0) }, spaceBefore: true)
            }
            if dashes {
                // A dash after a digit is split off.
                length = Self.rewritePairs(a, length, into: &b, isDigit, { $0 == UInt8(ascii: "-") }, spaceBefore: false)
                swap(&a, &b)
            }
            a.withUnsafeBufferPointer { all in
                let s = UnsafeBufferPointer(rebasing: all[..<length])
                var i = 0, start = -1
                while i < s.count {
                    let space = whitespaceLength(s, i)
                    if space > 0 {
                        if start >= 0 { body(UnsafeBufferPointer(rebasing: s[start..<i])) }
                        start = -1
                        i += space
                    } else {
                        if start < 0 { start = i }
                        i += 1
                    }
                }
                if start >= 0 { body(UnsafeBufferPointer(rebasing: s[start...])) }
            }
        }

        /// Grows `buffer` to at least `capacity` bytes and lets `fill` write into it; returns
        /// how many bytes it wrote.
        private static func write(into buffer: inout [UInt8], capacity: Int,
                                  _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> Int {
            if buffer.count < capacity { buffer = [UInt8](repeating: 0, count: max(capacity, 2 * buffer.count)) }
            return buffer.withUnsafeMutableBufferPointer { fill($0) }
        }

        /// A regular-expression substitution of a two-character pattern over the first `count`
        /// bytes of `s`, scanning left to right without overlaps as Python's `re.sub` does: a
        /// matching pair `xy` becomes `x y ` or, with `spaceBefore`, ` x y`. Returns the length
        /// written to `out`, at most twice `count`.
        private static func rewritePairs(_ s: [UInt8], _ count: Int, into out: inout [UInt8], _ first: (UInt8) -> Bool,
                                         _ second: (UInt8) -> Bool, spaceBefore: Bool) -> Int {
            s.withUnsafeBufferPointer { s in
                write(into: &out, capacity: 2 * count) { out in
                    var i = 0, n = 0
                    while i < count {
                        if i + 1 < count, first(s[i]), second(s[i + 1]) {
                            if spaceBefore {
                                out[n] = 0x20; out[n + 1] = s[i]; out[n + 2] = 0x20; out[n + 3] = s[i + 1]
                            } else {
                                out[n] = s[i]; out[n + 1] = 0x20; out[n + 2] = s[i + 1]; out[n + 3] = 0x20
                            }
                            n += 4
                            i += 2
                        } else {
                            out[n] = s[i]
                            n += 1
                            i += 1
                        }
                    }
                    return n
                }
            }
        }
    }

    /// mteval's language-independent part, as sacrebleu's `str.replace` calls in turn:
    /// `<skipped>` and hyphenated line breaks removed, line breaks made spaces, and four HTML
    /// entities unescaped. Every pattern is ASCII, so replacing bytes of UTF-8 is the same.
    static func unescape(_ line: inout [UInt8]) {
        replace("<skipped>", with: "", in: &line)
        replace("-\n", with: "", in: &line)
        replace("\n", with: " ", in: &line)
        if line.contains(UInt8(ascii: "&")) {
            for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
                replace(entity, with: character, in: &line)
            }
        }
    }

    /// Replaces every occurrence of `pattern`, left to right without overlaps.
    private static func replace(_ pattern: String, with replacement: String, in line: inout [UInt8]) {
        let p = Array(pattern.utf8)
        guard line.count >= p.count else { return }
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var i = 0
        while i < line.count {
            if i + p.count <= line.count, line[i] == p[0], line[i..<(i + p.count)].elementsEqual(p) {
                out.append(contentsOf: replacement.utf8)
                i += p.count
            } else {
                out.append(line[i])
                i += 1
            }
        }
        line = out
    }

    /// The text without its trailing whitespace, as Python's `str.rstrip()`.
    private static func trailingWhitespaceStripped(_ s: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let last = s.last, last <= 0x20 || last >= 0x80 else { return s }
        var i = 0, end = 0
        while i < s.count {
            let space = whitespaceLength(s, i)
            if space > 0 {
                i += space
            } else {
                i += 1
                end = i
            }
        }
        return UnsafeBufferPointer(rebasing: s[..<end])
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func isPeriodOrComma(_ c: UInt8) -> Bool { c == UInt8(ascii: ".") || c == UInt8(ascii: ",") }

    /// mteval's class `[{-~[-\` -&(-+:-@/]`: ASCII space to &, ( to +, : to @, / and [ to `, { to ~.
    private static func isSymbol(_ c: UInt8) -> Bool {
        switch c {
        case 0x20...0x26, 0x28...0x2B, 0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// The length in bytes of the whitespace character starting at `i`, or 0 if there is none
    /// there: Python's `str.isspace()` characters, in UTF-8.
    private static func whitespaceLength(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        switch s[i] {
        case 0x09...0x0D, 0x1C...0x20:
            return 1
        case 0xC2 where i + 1 < s.count:
            return s[i + 1] == 0x85 || s[i + 1] == 0xA0 ? 2 : 0                     // U+0085, U+00A0
        case 0xE1 where i + 2 < s.count:
            return s[i + 1] == 0x9A && s[i + 2] == 0x80 ? 3 : 0                     // U+1680
        case 0xE2 where i + 2 < s.count:
            switch (s[i + 1], s[i + 2]) {
            case (0x80, 0x80...0x8A), (0x80, 0xA8), (0x80, 0xA9), (0x80, 0xAF), (0x81, 0x9F):
                return 3                                                           // U+2000–200A, 2028, 2029, 202F, 205F
            default:
                return 0
            }
        case 0xE3 where i + 2 < s.count:
            return s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0                     // U+3000
        default:
            return 0
        }
    }
}
