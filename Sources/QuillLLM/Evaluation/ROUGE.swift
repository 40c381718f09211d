/// ROUGE-N and ROUGE-L as Google's `rouge-score` package computes them without stemming:
/// text lowercased, every run of characters other than a–z and 0–9 a separator; n-gram
/// overlap (ROUGE-N) or the longest common subsequence (ROUGE-L) as precision against the
/// prediction, recall against the reference, and their harmonic mean. Agrees with
/// rouge-score to 1e-6 on `Tests/Fixtures/eval/reference.json`, and on the 100,000 pairs of
/// `Benchmarks/eval/`.
///
/// Tokens become integer ids (`InternedTokens`), so the n-gram counts and the subsequence
/// table compare integers rather than strings.
public enum ROUGE {
    public struct Score: Sendable, Equatable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double

        init(matches: Int, predicted: Int, referenced: Int) {
            precision = Double(matches) / Double(max(predicted, 1))
            recall = Double(matches) / Double(max(referenced, 1))
            fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    /// rouge-score's tokens: lowercase ASCII letters and digits.
    public static func tokens(_ text: String) -> [String] {
        var tokens = InternedTokens()
        appendTokens(of: text, to: &tokens)
        return tokens.ids.map { String(decoding: tokens.spelling(Int($0)), as: UTF8.self) }
    }

    /// ROUGE-N of a prediction against a reference (all zero for n below 1).
    public static func n(_ n: Int, prediction: String, reference: String) -> Score {
        guard n >= 1 else { return Score(matches: 0, predicted: 0, referenced: 0) }
        let (tokens, split) = tokenPair(prediction, reference)
        let p = tokens.ids[..<split], r = tokens.ids[split...]
        var overlap = NGramOverlap()
        let matches = overlap.matches(p, r, distinct: tokens.distinct, maxOrder: n)[n - 1]
        return Score(matches: matches, predicted: max(0, p.count - n + 1), referenced: max(0, r.count - n + 1))
    }

    /// ROUGE-L (longest common subsequence) of a prediction against a reference.
    public static func l(prediction: String, reference: String) -> Score {
        let (tokens, split) = tokenPair(prediction, reference)
        let p = tokens.ids[..<split], r = tokens.ids[split...]
        guard !p.isEmpty, !r.isEmpty else { return Score(matches: 0, predicted: 1, referenced: 1) }
        return Score(matches: longestCommonSubsequence(r, p), predicted: p.count, referenced: r.count)
    }

    /// Both texts' tokens in one table (so equal words have equal ids), and where the second's start.
    private static func tokenPair(_ first: String, _ second: String) -> (InternedTokens, Int) {
        var tokens = InternedTokens(reservingFor: first.utf8.count + second.utf8.count)
        appendTokens(of: first, to: &tokens)
        let split = tokens.count
        appendTokens(of: second, to: &tokens)
        return (tokens, split)
    }

    /// Appends rouge-score's tokens of `text`. ASCII text is lowercased byte by byte; other text
    /// first with Unicode's rules, as Python's `str.lower()` does, since a few characters
    /// lowercase to ASCII letters (K, the Kelvin sign, gives k).
    static func appendTokens(of text: String, to tokens: inout InternedTokens) {
        var text = text
        let ascii = text.withUTF8 { s in
            guard !s.contains(where: { $0 >= 0x80 }) else { return false }
            appendTokens(ofASCII: s, to: &tokens)
            return true
        }
        if !ascii {
            var lowered = text.lowercased()
            lowered.withUTF8 { appendTokens(ofASCII: $0, to: &tokens) }
        }
    }

    /// The tokens of UTF-8 text whose letters outside ASCII are already lowercase; bytes other
    /// than ASCII letters and digits separate tokens.
    private static func appendTokens(ofASCII s: UnsafeBufferPointer<UInt8>, to tokens: inout InternedTokens) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: s.count) { word in
            var length = 0
            for c in s {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    word[length] = c
                    length += 1
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    word[length] = c | 0x20
                    length += 1
                default:
                    if length > 0 { tokens.append(UnsafeBufferPointer(rebasing: word[..<length])) }
                    length = 0
                }
            }
            if length > 0 { tokens.append(UnsafeBufferPointer(rebasing: word[..<length])) }
        }
    }

    /// The length of the longest common subsequence, in O(|a|·|b|) time and O(|b|) memory: one
    /// row of the table, updated in place, with the diagonal entry carried in a variable.
    static func longestCommonSubsequence(_ a: ArraySlice<Int32>, _ b: ArraySlice<Int32>) -> Int {
        var row = [Int32](repeating: 0, count: b.count + 1)
        row.withUnsafeMutableBufferPointer { row in
            b.withUnsafeBufferPointer { b in
                for x in a {
                    var diagonal: Int32 = 0, left: Int32 = 0
                    for j in 0..<b.count {
                        let up = row[j + 1]
                        let value = x == b[j] ? diagonal + 1 : max(up, left)
                        diagonal = up
                        row[j + 1] = value
                        left = value
                    }
                }
            }
        }
        return Int(row[b.count])
    }
}
