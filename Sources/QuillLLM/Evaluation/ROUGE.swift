/// ROUGE-N and ROUGE-L as Google's `rouge-score` package computes them without stemming:
/// text lowercased, every run of characters other than a–z and 0–9 a separator; n-gram
/// overlap (ROUGE-N) or the longest common subsequence (ROUGE-L) as precision against the
/// prediction, recall against the reference, and their harmonic mean. Agrees with
/// rouge-score to 1e-6 on `Tests/Fixtures/eval/reference.json`.
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
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                tokens.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    /// ROUGE-N of a prediction against a reference.
    public static func n(_ n: Int, prediction: String, reference: String) -> Score {
        let p = BLEU.ngrams(tokens(prediction), n), r = BLEU.ngrams(tokens(reference), n)
        let matches = r.reduce(0) { $0 + min($1.value, p[$1.key] ?? 0) }
        return Score(matches: matches, predicted: p.values.reduce(0, +), referenced: r.values.reduce(0, +))
    }

    /// ROUGE-L (longest common subsequence) of a prediction against a reference.
    public static func l(prediction: String, reference: String) -> Score {
        let p = tokens(prediction), r = tokens(reference)
        guard !p.isEmpty, !r.isEmpty else { return Score(matches: 0, predicted: 1, referenced: 1) }
        return Score(matches: longestCommonSubsequence(r, p), predicted: p.count, referenced: r.count)
    }

    /// The length of the longest common subsequence, in O(|a|·|b|) time and O(|b|) memory.
    static func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
