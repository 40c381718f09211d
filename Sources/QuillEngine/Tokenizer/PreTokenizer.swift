/// Splits text into the words that byte-level BPE merges within, as the regular expressions
/// of each model family do. Hand-written scanners instead of a regex engine: they are the
/// hot path of tokenization and need Unicode letter/number classes and one-char lookahead.
///
/// Families (the `tokenizer.ggml.pre` values that name them):
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm`: every number character alone first, then the `gpt2` split of the rest.
/// - `llama3` (`llama-bpe`): case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`,
///   `\p{N}{1,3}`, ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
/// - `qwen2`: as `llama3` with single-character numbers.
/// - `default` (llama.cpp's split for BPE files that name none): punctuation runs
///   (`[\p{P}$+<=>^~|]+`) first, then the `gpt2` split, then number runs, then digits in
///   threes from the left.
///
/// Each later split works inside the pieces of the one before, and text a pattern does not
/// match stays a piece of its own, as llama.cpp applies a list of expressions.
public struct PreTokenizer: Sendable {
    public enum Style: String, Sendable, CaseIterable {
        case gpt2, smollm, llama3, qwen2, defaultBPE = "default"
    }

    public let style: Style

    public init(style: Style) { self.style = style }

    /// Maps a `tokenizer.ggml.pre` value to a style; unknown names use `gpt2`'s split.
    /// The names are llama.cpp's (`llama-vocab.cpp`) for the same splits.
    public static func style(forPre pre: String?) -> (style: Style, known: Bool) {
        switch pre ?? "default" {
        case "smollm", "refact", "command-r": (.smollm, true)
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez": (.qwen2, true)
        case "llama3", "llama-bpe", "llama-v3", "falcon3", "falcon-h1", "pixtral", "lfm2": (.llama3, true)
        case "gpt2", "gpt-2", "mpt", "olmo", "phi-2", "jina-es", "jina-de", "roberta-bpe", "exaone4": (.gpt2, true)
        case "default": (.defaultBPE, true)
        default: (.gpt2, false)
        }
    }

    /// The words of `text`, as ranges of its unicode scalars.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var words: [String] = []
        func emit(_ range: Range<Int>) {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[range])
            words.append(String(s))
        }
        switch style {
        case .gpt2:
            Self.scanGPT2(scalars, 0..<scalars.count, emit)
        case .smollm:
            var start = 0
            for i in 0..<scalars.count where Self.isNumber(scalars[i]) {
                if start < i { Self.scanGPT2(scalars, start..<i, emit) }
                emit(i..<(i + 1))
                start = i + 1
            }
            if start < scalars.count { Self.scanGPT2(scalars, start..<scalars.count, emit) }
        case .llama3:
            Self.scanLlama3(scalars, maxDigits: 3, emit)
        case .qwen2:
            Self.scanLlama3(scalars, maxDigits: 1, emit)
        case .defaultBPE:
            Self.scanDefault(scalars, emit)
        }
        return words
    }

    /// llama.cpp's default list: punctuation runs, the GPT-2 split, number runs, digit triples.
    static func scanDefault(_ s: [Unicode.Scalar], _ emit: (Range<Int>) -> Void) {
        func isPunctuation(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
            default: return "$+<=>^~|".unicodeScalars.contains(c)
            }
        }
        /// Splits `range` into runs where `inRun` holds and the gaps between them.
        func runs(_ range: Range<Int>, _ inRun: (Int) -> Bool, _ each: (Range<Int>) -> Void) {
            var i = range.lowerBound
            while i < range.upperBound {
                let start = i, kind = inRun(i)
                while i < range.upperBound, inRun(i) == kind { i += 1 }
                each(start..<i)
            }
        }
        runs(0..<s.count, { isPunctuation(s[$0]) }) { piece in
            scanGPT2(s, piece) { word in
                runs(word, { isNumber(s[$0]) }) { part in
                    guard s[part.lowerBound].isASCII, isNumber(s[part.lowerBound]) else { emit(part); return }
                    // `[0-9][0-9][0-9]`: ASCII digits in threes from the left; others stay whole.
                    runs(part, { s[$0].isASCII }) { digits in
                        guard s[digits.lowerBound].isASCII else { emit(digits); return }
                        var at = digits.lowerBound
                        while at < digits.upperBound {
                            let end = min(at + 3, digits.upperBound)
                            emit(at..<end)
                            at = end
                        }
                    }
                }
            }
        }
    }

    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c.value >= 0x30 && c.value <= 0x39 }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c == " " || (c.value >= 0x09 && c.value <= 0x0D) }
        return c.properties.isWhitespace
    }

    static func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\r" }

    /// `\p{L}`, `\p{N}` and `\s` are exclusive; everything else is "other".
    static func isOther(_ c: Unicode.Scalar) -> Bool { !isLetter(c) && !isNumber(c) && !isSpace(c) }

    /// The length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `i`, or 0.
    static func contraction(_ s: [Unicode.Scalar], _ i: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard s[i] == "'", i + 1 < end else { return 0 }
        func at(_ k: Int) -> Unicode.Scalar? {
            guard k < end else { return nil }
            let c = s[k]
            return caseInsensitive && c.isASCII ? Unicode.Scalar(UInt8(c.value) | (c.value >= 0x41 && c.value <= 0x5A ? 0x20 : 0)) : c
        }
        switch at(i + 1) {
        case "s", "t", "m", "d": return 2
        case "r": return at(i + 2) == "e" ? 3 : 0
        case "v": return at(i + 2) == "e" ? 3 : 0
        case "l": return at(i + 2) == "l" ? 3 : 0
        default: return 0
        }
    }

    /// The end of a whitespace run starting at `i` under `\s+(?!\S)|\s+`: the whole run when
    /// it reaches the end, else all but its last character (which joins the next word), but
    /// at least one character.
    static func whitespaceEnd(_ s: [Unicode.Scalar], _ i: Int, _ end: Int) -> Int {
        var j = i
        while j < end, isSpace(s[j]) { j += 1 }
        if j == end { return j }
        return j - i > 1 ? j - 1 : j
    }

    static func scanGPT2(_ s: [Unicode.Scalar], _ range: Range<Int>, _ emit: (Range<Int>) -> Void) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let start = i
            let n = contraction(s, i, end, caseInsensitive: false)
            if n > 0 {
                i += n
            } else {
                // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then one class.
                var j = i
                if s[j] == " ", j + 1 < end, !isSpace(s[j + 1]) { j += 1 }
                let c = s[j]
                if isLetter(c) {
                    while j < end, isLetter(s[j]) { j += 1 }
                    i = j
                } else if isNumber(c) {
                    while j < end, isNumber(s[j]) { j += 1 }
                    i = j
                } else if !isSpace(c) {
                    while j < end, isOther(s[j]) { j += 1 }
                    i = j
                } else {
                    i = whitespaceEnd(s, i, end)
                }
            }
            emit(start..<i)
        }
    }

    static func scanLlama3(_ s: [Unicode.Scalar], maxDigits: Int, _ emit: (Range<Int>) -> Void) {
        var i = 0
        let end = s.count
        while i < end {
            let start = i
            let c = s[i]
            let n = contraction(s, i, end, caseInsensitive: true)
            if n > 0 {
                i += n
            } else if isLetter(c) || (!isNewline(c) && !isNumber(c) && i + 1 < end && isLetter(s[i + 1])) {
                // `[^\r\n\p{L}\p{N}]?\p{L}+`
                i += 1
                while i < end, isLetter(s[i]) { i += 1 }
            } else if isNumber(c) {
                var count = 0
                while i < end, isNumber(s[i]), count < maxDigits { i += 1; count += 1 }
            } else if !isSpace(c) || (c == " " && i + 1 < end && isOther(s[i + 1])) {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                if c == " " { i += 1 }
                while i < end, isOther(s[i]) { i += 1 }
                while i < end, isNewline(s[i]) { i += 1 }
            } else {
                // `\s*[\r\n]+`: up to the last newline of the run; else `\s+(?!\S)|\s+`.
                var j = i, lastNewline = -1
                while j < end, isSpace(s[j]) {
                    if isNewline(s[j]) { lastNewline = j }
                    j += 1
                }
                i = lastNewline >= 0 ? lastNewline + 1 : whitespaceEnd(s, i, end)
            }
            emit(start..<i)
        }
    }
}
