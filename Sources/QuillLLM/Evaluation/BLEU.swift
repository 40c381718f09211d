import Foundation

/// BLEU as sacrebleu computes it (version 2.x defaults): each text stripped of trailing
/// whitespace and cut by the 13a tokenizer of mteval-v13a, n-grams up to 4 clipped by the
/// reference, the brevity penalty against the reference length, and a choice of smoothing;
/// scores on sacrebleu's 0–100 scale. Agrees with sacrebleu to 1e-6 on
/// `Tests/Fixtures/eval/reference.json`, and on the 100,000 pairs of `Benchmarks/eval/`.
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
        var counter = Counter()
        var total = Statistics()
        for (h, r) in zip(hypotheses, references) { total.add(counter.statistics(h, r)) }
        return score(total, smoothing: smoothing, effectiveOrder: false)
    }

    /// Sentence BLEU of one pair, with effective order (orders the hypothesis is too short for
    /// are left out rather than zeroing the score), as sacrebleu's `sentence_score`.
    public static func sentence(_ hypothesis: String, _ reference: String, smoothing: Smoothing = .exp) -> Double {
        var counter = Counter(reservingFor: hypothesis.utf8.count + reference.utf8.count)
        return score(counter.statistics(hypothesis, reference), smoothing: smoothing, effectiveOrder: true)
    }

    /// The n-gram matches and totals and the lengths of one pair.
    public static func statistics(_ hypothesis: String, _ reference: String) -> Statistics {
        var counter = Counter()
        return counter.statistics(hypothesis, reference)
    }

    /// Counts the n-grams of pairs, keeping its buffers from one pair to the next: tokens become
    /// integer ids (`InternedTokens`) and n-grams are matched by id (`NGramOverlap`).
    struct Counter {
        private var tokenizer = Tokenizer13a.Buffers()
        private var tokens: InternedTokens
        private var overlap = NGramOverlap()

        init(reservingFor bytes: Int = 0) {
            tokens = InternedTokens(reservingFor: bytes)
        }

        mutating func statistics(_ hypothesis: String, _ reference: String) -> Statistics {
            tokens.removeAll()
            tokenizer.append(hypothesis, to: &tokens)
            let split = tokens.count
            tokenizer.append(reference, to: &tokens)
            let h = tokens.ids[..<split], r = tokens.ids[split...]
            let matches = overlap.matches(h, r, distinct: tokens.distinct, maxOrder: 4)
            var s = Statistics()
            s.hypothesisLength = h.count
            s.referenceLength = r.count
            for n in 1...4 {
                s.totals[n - 1] = Double(max(0, h.count - n + 1))
                s.matches[n - 1] = Double(matches[n - 1])
            }
            return s
        }
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

