import Foundation

/// BLEU as sacrebleu computes it (version 2.x defaults): the 13a tokenizer of mteval-v13a,
/// n-grams up to 4 clipped by the reference, the brevity penalty against the reference length,
/// and a choice of smoothing; scores on sacrebleu's 0–100 scale. Agrees with sacrebleu to
/// 1e-6 on `Tests/Fixtures/eval/reference.json`.
///
/// One reference per hypothesis (the common case in evaluation); corpus BLEU sums the counts
/// of every pair before combining, as sacrebleu does, so it is not the mean of sentence scores.
public enum BLEU {
    public enum Smoothing: String, Sendable, CaseIterable {
        /// sacrebleu's default: each n-gram order with no match gets 1/(2^k · total), k counting such orders.
        case exp
        /// No smoothing: any order with no match makes the score 0.
        case none
        /// Orders with no match get `value` (0.1) matches.
        case floor
        /// Orders above 1 get `value` (1) added to matches and totals.
        case addK = "add-k"
    }

    /// The n-gram statistics of one or more pairs.
    public struct Statistics: Sendable, Equatable {
        public var matches = [Double](repeating: 0, count: 4)
        public var totals = [Double](repeating: 0, count: 4)
        public var hypothesisLength = 0
        public var referenceLength = 0

        mutating func add(_ other: Statistics) {
            for n in 0..<4 {
                matches[n] += other.matches[n]
                totals[n] += other.totals[n]
            }
            hypothesisLength += other.hypothesisLength
            referenceLength += other.referenceLength
        }
    }

    /// Corpus BLEU of hypotheses against their references (same count).
    public static func corpus(_ hypotheses: [String], _ references: [String], smoothing: Smoothing = .exp) -> Double {
        var total = Statistics()
        for (h, r) in zip(hypotheses, references) { total.add(statistics(h, r)) }
        return score(total, smoothing: smoothing, effectiveOrder: false)
    }

    /// Sentence BLEU of one pair, with effective order (orders the hypothesis is too short for
    /// are left out rather than zeroing the score), as sacrebleu's `sentence_score`.
    public static func sentence(_ hypothesis: String, _ reference: String, smoothing: Smoothing = .exp) -> Double {
        score(statistics(hypothesis, reference), smoothing: smoothing, effectiveOrder: true)
    }

    public static func statistics(_ hypothesis: String, _ reference: String) -> Statistics {
        let h = Tokenizer13a.tokens(hypothesis), r = Tokenizer13a.tokens(reference)
        var s = Statistics()
        s.hypothesisLength = h.count
        s.referenceLength = r.count
        for n in 1...4 {
            let hyp = ngrams(h, n), ref = ngrams(r, n)
            s.totals[n - 1] = Double(max(0, h.count - n + 1))
            s.matches[n - 1] = Double(hyp.reduce(0) { $0 + min($1.value, ref[$1.key] ?? 0) })
        }
        return s
    }

    static func ngrams(_ tokens: [String], _ n: Int) -> [String: Int] {
        guard tokens.count >= n else { return [:] }
        var counts: [String: Int] = [:]
        for i in 0...(tokens.count - n) { counts[tokens[i..<(i + n)].joined(separator: " "), default: 0] += 1 }
        return counts
    }

    /// Combines statistics into a score, following sacrebleu's `compute_bleu`.
    public static func score(_ s: Statistics, smoothing: Smoothing, effectiveOrder: Bool) -> Double {
        var matches = s.matches, totals = s.totals
        var precisions = [Double](repeating: 0, count: 4)
        var smoothMteval = 1.0
        var order = 4
        for n in 0..<4 {
            if smoothing == .addK, n > 0 {
                matches[n] += 1
                totals[n] += 1
            }
            if totals[n] == 0 { break }
            if effectiveOrder { order = n + 1 }
            if matches[n] == 0 {
                switch smoothing {
                case .exp:
                    smoothMteval *= 2
                    precisions[n] = 100 / (smoothMteval * totals[n])
                case .floor:
                    precisions[n] = 100 * 0.1 / totals[n]
                case .none, .addK:
                    break
                }
            } else {
                precisions[n] = 100 * matches[n] / totals[n]
            }
        }
        // No match of any order at all is 0 whatever the smoothing (sacrebleu's early stop).
        if matches.allSatisfy({ $0 == 0 }) { return 0 }
        let bp: Double
        if s.hypothesisLength < s.referenceLength {
            bp = s.hypothesisLength > 0 ? exp(1 - Double(s.referenceLength) / Double(s.hypothesisLength)) : 0
        } else {
            bp = 1
        }
        // sacrebleu's log of 0 is a large negative number, so an unmatched order gives 0.
        let logs = precisions[0..<order].map { $0 == 0 ? -9_999_999_999 : log($0) }
        return bp * exp(logs.reduce(0, +) / Double(order))
    }
}

/// The tokenizer of mteval-v13a, BLEU's standard (sacrebleu's `13a`): unescapes a few HTML
/// entities, splits off punctuation and symbols, and periods and commas except between digits,
/// and dashes after digits.
public enum Tokenizer13a {
    public static func tokens(_ text: String) -> [String] {
        tokenize(text).split(separator: " ").map(String.init)
    }

    public static func tokenize(_ text: String) -> String {
        var line = text.replacingOccurrences(of: "<skipped>", with: "").replacingOccurrences(of: "-\n", with: "")
            .replacingOccurrences(of: "\n", with: " ")
        if line.contains("&") {
            for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
                line = line.replacingOccurrences(of: entity, with: character)
            }
        }
        var s = Array((" " + line + " ").unicodeScalars)
        // Symbols and punctuation other than . , - and ' become tokens of their own.
        s = s.flatMap { isSymbol($0) ? [" ", $0, " "] : [$0] }
        // A period or comma after a non-digit, then before a non-digit, is split off.
        s = rewritePairs(s, { !isDigit($0) }, { $0 == "." || $0 == "," }) { a, b in [a, " ", b, " "] }
        s = rewritePairs(s, { $0 == "." || $0 == "," }, { !isDigit($0) }) { a, b in [" ", a, " ", b] }
        // A dash after a digit is split off.
        s = rewritePairs(s, isDigit, { $0 == "-" }) { a, b in [a, " ", b, " "] }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s)
        return String(out).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A regular-expression substitution of a two-character pattern, scanning left to right
    /// without overlaps (as Python's `re.sub`).
    private static func rewritePairs(_ s: [Unicode.Scalar], _ first: (Unicode.Scalar) -> Bool, _ second: (Unicode.Scalar) -> Bool,
                                     _ replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + 16)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, first(s[i]), second(s[i + 1]) {
                out += replace(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    /// mteval's class `[{-~[-\` -&(-+:-@/]`: ASCII space to &, ( to +, : to @, / and [ to `, { to ~.
    private static func isSymbol(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20...0x26, 0x28...0x2B, 0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }
}
