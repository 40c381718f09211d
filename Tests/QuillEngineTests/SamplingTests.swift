import CQuillKernels
import XCTest
@testable import QuillEngine

/// The sampler chain on hand-made logit rows: each link's rule, seeded determinism, logprobs.
final class SamplingTests: XCTestCase {
    private func sample(_ logits: [Float], _ configure: (inout SamplingParameters) -> Void,
                        history: [Int] = [], times: Int = 1) -> [Int] {
        var p = SamplingParameters()
        p.seed = 42
        configure(&p)
        var sampler = Sampler(parameters: p, vocabularySize: logits.count)
        return logits.withUnsafeBufferPointer { row in (0..<times).map { _ in sampler.sample(row, history: history[...]).id } }
    }

    func testGreedyPicksTheLargestLogit() {
        XCTAssertEqual(sample([0.1, 3, 2.9, -1], { $0 = .greedy }), [1])
    }

    func testSameSeedSameTokensDifferentSeedDifferentTokens() {
        let logits = (0..<100).map { Float($0 % 7) * 0.3 }
        let a = sample(logits, { $0.topK = 0; $0.topP = 1; $0.minP = 0; $0.temperature = 1.5 }, times: 50)
        let b = sample(logits, { $0.topK = 0; $0.topP = 1; $0.minP = 0; $0.temperature = 1.5 }, times: 50)
        let c = sample(logits, { $0.topK = 0; $0.topP = 1; $0.minP = 0; $0.temperature = 1.5; $0.seed = 7 }, times: 50)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertGreaterThan(Set(a).count, 5, "a hot temperature over a flat row draws many tokens")
    }

    func testTopKKeepsOnlyTheKBest() {
        let logits: [Float] = [5, 4, 3, 2, 1, 0]
        let drawn = sample(logits, { $0.topK = 2; $0.topP = 1; $0.minP = 0; $0.temperature = 10 }, times: 200)
        XCTAssertEqual(Set(drawn), [0, 1])
    }

    func testTopPKeepsTheNucleus() {
        // Probabilities ≈ 0.64, 0.24, 0.09, 0.03: p = 0.8 keeps the first two.
        let logits: [Float] = [3, 2, 1, 0]
        let drawn = sample(logits, { $0.topK = 0; $0.topP = 0.8; $0.minP = 0; $0.temperature = 1 }, times: 300)
        XCTAssertEqual(Set(drawn), [0, 1])
    }

    func testMinPDropsUnlikelyTokens() {
        // Relative to the best token: e^-0.5 ≈ 0.61, e^-3 ≈ 0.05. min-p 0.1 keeps the first two.
        let logits: [Float] = [0, -0.5, -3, -4]
        let drawn = sample(logits, { $0.topK = 0; $0.topP = 1; $0.minP = 0.1; $0.temperature = 1 }, times: 300)
        XCTAssertEqual(Set(drawn), [0, 1])
    }

    func testRepetitionPresenceAndFrequencyPenalties() {
        let logits: [Float] = [2.0, 1.9, 0]
        XCTAssertEqual(sample(logits, { $0 = .greedy }), [0])
        XCTAssertEqual(sample(logits, { $0 = .greedy; $0.repetitionPenalty = 1.2 }, history: [0]), [1])
        XCTAssertEqual(sample(logits, { $0 = .greedy; $0.presencePenalty = 0.5 }, history: [0]), [1])
        XCTAssertEqual(sample(logits, { $0 = .greedy; $0.frequencyPenalty = 0.04 }, history: [0, 0]), [0])
        XCTAssertEqual(sample(logits, { $0 = .greedy; $0.frequencyPenalty = 0.04 }, history: [0, 0, 0]), [1])
        // Outside the window the penalty no longer applies.
        XCTAssertEqual(sample(logits, { $0 = .greedy; $0.presencePenalty = 0.5; $0.penaltyWindow = 1 }, history: [0, 2]), [0])
    }

    func testLogprobsAndAlternatives() {
        let logits: [Float] = [2, 1, 0]
        var p = SamplingParameters.greedy
        p.topLogprobs = 2
        var sampler = Sampler(parameters: p, vocabularySize: 3)
        let token = logits.withUnsafeBufferPointer { sampler.sample($0, history: []) }
        let z = log(exp(2.0) + exp(1.0) + exp(0.0))
        XCTAssertEqual(Double(token.logprob), 2 - z, accuracy: 1e-5)
        XCTAssertEqual(token.alternatives.map(\.id), [0, 1])
        XCTAssertEqual(Double(token.alternatives[1].logprob), 1 - z, accuracy: 1e-5)
    }

    /// The vector log-sum-exp against the sum in double precision, on rows that exercise its
    /// tail, exps that underflow, -infinity logits (banned tokens) and a vocabulary-sized row.
    func testLogSumExpMatchesDoublePrecision() {
        var rng = RandomGenerator(seed: 7)
        for count in [1, 7, 8, 13, 49_157] {
            var row = (0..<count).map { _ in Float(rng.unit() * 40 - 30) }
            if count > 8 { row[3] = -.infinity; row[5] = -200 }
            let m = Double(row.max()!)
            let exact = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            let got = row.withUnsafeBufferPointer { Sampler.logSumExp($0) }
            XCTAssertEqual(Double(got), exact, accuracy: 1e-5 * max(1, abs(exact)), "row of \(count)")
        }
        let banned: [Float] = [-.infinity, -.infinity]
        XCTAssertEqual(banned.withUnsafeBufferPointer { Sampler.logSumExp($0) }, -.infinity)
    }

    func testCandidatesKeepTopOrdersTies() {
        var c = Candidates(capacity: 6)
        [1, 3, 3, 0, 2, 3].map(Float.init).withUnsafeBufferPointer { c.load($0) }
        c.keepTop(4)
        XCTAssertEqual(c.entries[0..<c.count].map(\.id), [1, 2, 5, 4])
    }

    /// The one-pass selection (`quill_top_k_f32`, AVX2 and scalar) against sorting the whole
    /// row: the k largest, largest first, equal values by id, NaNs never chosen; through
    /// `TopK` the same, and through `Candidates` the same as selecting on a copy (`keepTop`).
    func testTopKSelectionMatchesSorting() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return seed >> 33 }
        defer { quill_kernels_force_scalar(0) }
        for n in [1, 7, 8, 9, 100, 1000, 262_144] {
            // Few distinct values (ties everywhere), a few NaNs and infinities.
            let row: [Float] = (0..<n).map { _ in
                switch next() % 1000 {
                case 0: return .nan
                case 1: return .infinity
                case 2: return -.infinity
                default: return Float(next() % 97) * 0.25 - 12
                }
            }
            let order = row.indices.filter { !row[$0].isNaN }.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            // k beyond the row only for short rows: each entry is an insertion then.
            for k in [1, 2, 40, 256] + (n <= 1000 ? [n + 5] : []) {
                let expected = Array(order.prefix(k))
                for scalar: Int32 in [0, 1] {
                    quill_kernels_force_scalar(scalar)
                    var values = [Float](repeating: 0, count: k), ids = [Int32](repeating: -1, count: k)
                    let found = Int(quill_top_k_f32(row, Int64(n), Int64(k), &values, &ids))
                    XCTAssertEqual(ids.prefix(found).map(Int.init), expected, "n \(n), k \(k), scalar \(scalar)")
                    XCTAssertEqual(values.prefix(found), ArraySlice(expected.map { row[$0] }))
                }
                quill_kernels_force_scalar(0)
                XCTAssertEqual(row.withUnsafeBufferPointer { TopK.indices($0, count: k) }, expected)
                guard k <= Candidates.selectLimit else { continue }
                var selected = Candidates(capacity: n), copied = Candidates(capacity: n)
                row.withUnsafeBufferPointer { selected.load($0, top: k) }
                XCTAssertEqual(selected.entries[0..<selected.count].map { Int($0.id) }, expected)
                row.withUnsafeBufferPointer { copied.load($0) }
                copied.keepTop(k)
                if !row.contains(where: \.isNaN) {
                    XCTAssertEqual(selected.entries[0..<selected.count].map(\.id), copied.entries[0..<copied.count].map(\.id))
                }
            }
        }
    }

    func testStopStringsAreHeldBackAndCut() {
        var m = StopStringMatcher(["</end>", "STOP"])
        XCTAssertEqual(m.feed("Hello </e").emit, "Hello ")
        let r = m.feed("nd> tail")
        XCTAssertEqual(r.emit, "")
        XCTAssertTrue(r.stopped)
        var n = StopStringMatcher(["STOP"])
        XCTAssertEqual(n.feed("ST").emit, "")
        XCTAssertEqual(n.feed("AR").emit, "STAR")
        XCTAssertEqual(n.feed("S").emit, "")
        XCTAssertEqual(n.flush(), "S")
    }

    func testStreamDecoderNeverSplitsACharacter() {
        XCTAssertEqual(TokenStreamDecoder.completePrefixLength([0x41, 0xE2, 0x82]), 1)   // "A" + 2/3 of "€"
        XCTAssertEqual(TokenStreamDecoder.completePrefixLength([0x41, 0xE2, 0x82, 0xAC]), 4)
        XCTAssertEqual(TokenStreamDecoder.completePrefixLength([0xF0, 0x9F, 0x98]), 0)     // 3/4 of an emoji
        XCTAssertEqual(TokenStreamDecoder.completePrefixLength([0xF0, 0x9F, 0x98, 0x80]), 4)
        XCTAssertEqual(TokenStreamDecoder.completePrefixLength([0x80, 0x80, 0x80, 0x80, 0x80]), 5, "garbage is passed on, not held forever")
    }

    func testRandomGeneratorIsReproducible() {
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        for _ in 0..<1000 { XCTAssert((0..<1).contains(a.unit())) }
    }
}
