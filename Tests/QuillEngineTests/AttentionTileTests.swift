import CQuillKernels
import XCTest
@testable import QuillEngine

/// A prompt's attention in tiles of eight tokens (attention_tile.c,
/// Transformer+PromptAttention.swift) against the one-query kernels it replaces: each lane's
/// scores, softmax and weighted values must be theirs bit for bit, and a model's prompt must
/// leave the same logits and cache with tiles as without.
final class AttentionTileTests: XCTestCase {
    private let lanes = Int(QUILL_ATTENTION_TILE)

    override func tearDown() { quill_kernels_force_scalar(0) }

    /// Lane ranges within `count` rows: the causal staircase of a prompt's tile (all from 0),
    /// a sliding window's (starts 1 apart, so not aligned mod 4), and a short last tile whose
    /// spare lanes repeat the last token.
    private func rangeSets(count: Int) -> [(first: [Int64], end: [Int64])] {
        let end = (0..<lanes).map { Int64(count - lanes + 1 + $0) }
        return [
            (first: [Int64](repeating: 0, count: lanes), end: end),
            (first: (0..<lanes).map { Int64($0) }, end: end),
            (first: [Int64](repeating: 0, count: lanes), end: (0..<lanes).map { Int64(count - 2 + min($0, 2)) }),
        ]
    }

    func testTileKernelsEqualOneQueryKernels() {
        var rng = RandomGenerator(seed: 0x711E)
        func normal() -> Float { Float(Double(rng.next() >> 11) / Double(1 << 53) * 6 - 3) }
        for path in QuantFormatTests.paths {
            quill_kernels_force_scalar(path)
            for half in [false, true] {
                for n in [64, 96, 256] {
                    for count in [9, 70, 200] {
                        let stride = 2 * n + 8
                        let keys = (0..<count * stride).map { _ in normal() }, values = (0..<count * stride).map { _ in normal() }
                        let queries = (0..<lanes).map { _ in (0..<n).map { _ in normal() } }
                        for (first, end) in rangeSets(count: count) {
                            assertTileMatchesOneQuery(queries: queries, keys: keys, values: values, half: half, stride: stride, n: n,
                                                      count: count, first: first, end: end,
                                                      context: "scalar=\(path) half=\(half) n=\(n) count=\(count) first=\(first)")
                        }
                    }
                }
            }
        }
    }

    /// The tile kernels over rows of f32, or (`half`) of the same values rounded to f16, against
    /// the one-query kernels of that cache type, lane by lane.
    private func assertTileMatchesOneQuery(queries: [[Float]], keys: [Float], values: [Float], half: Bool, stride: Int, n: Int,
                                           count: Int, first: [Int64], end: [Int64], context: String) {
        let halfKeys = keys.map { quill_f32_to_f16($0) }, halfValues = values.map { quill_f32_to_f16($0) }
        /// Calls `body` with the keys and the values as the cache holds them.
        func rows<R>(_ body: (UnsafeRawPointer, UnsafeRawPointer) -> R) -> R {
            if half { return halfKeys.withUnsafeBytes { k in halfValues.withUnsafeBytes { v in body(k.baseAddress!, v.baseAddress!) } } }
            return keys.withUnsafeBytes { k in values.withUnsafeBytes { v in body(k.baseAddress!, v.baseAddress!) } }
        }
        let element = half ? 2 : 4, flag: Int32 = half ? 1 : 0
        var transposed = [Float](repeating: 0, count: n * lanes)
        for t in 0..<lanes { for e in 0..<n { transposed[e * lanes + t] = queries[t][e] } }
        var tile = [Float](repeating: .nan, count: count * lanes)
        var out = [Float](repeating: .nan, count: lanes * n)
        rows { k, v in
            quill_attention_tile_scores(transposed, k, flag, Int64(stride), Int64(count), Int64(n), 0.125, &tile)
            quill_attention_tile_softmax(&tile, Int64(count), first, end)
            quill_attention_tile_values(tile, v, flag, Int64(stride), Int64(count), Int64(n), &out, Int64(n), Int32(lanes))
        }
        for t in 0..<lanes {
            // The one-query path over lane t's range.
            let lo = Int(first[t]), m = Int(end[t] - first[t])
            var row = [Float](repeating: 0, count: m), expected = [Float](repeating: 0, count: n)
            rows { k, v in
                let k0 = k + lo * stride * element, v0 = v + lo * stride * element
                if half {
                    quill_attention_scores_f16(queries[t], 1, 1, k0.assumingMemoryBound(to: UInt16.self), Int64(stride), Int64(m), Int64(n),
                                               0.125, &row, Int64(m))
                } else {
                    quill_attention_scores(queries[t], 1, 1, k0.assumingMemoryBound(to: Float.self), Int64(stride), Int64(m), Int64(n),
                                           0.125, &row, Int64(m))
                }
                quill_softmax_f32(&row, Int64(m))
                if half {
                    quill_attention_values_f16(row, 1, 1, Int64(m), nil, v0.assumingMemoryBound(to: UInt16.self), Int64(stride), Int64(m),
                                               Int64(n), 0, Int64(n), &expected, Int64(n))
                } else {
                    quill_attention_values(row, 1, 1, Int64(m), nil, v0.assumingMemoryBound(to: Float.self), Int64(stride), Int64(m),
                                           Int64(n), 0, Int64(n), &expected, Int64(n))
                }
            }
            for j in 0..<count {
                let weight = j >= lo && j < lo + m ? row[j - lo] : 0
                XCTAssertEqual(tile[j * lanes + t].bitPattern, weight.bitPattern, "\(context) lane \(t) weight \(j)")
            }
            for e in 0..<n {
                XCTAssertEqual(out[t * n + e].bitPattern, expected[e].bitPattern, "\(context) lane \(t) element \(e)")
            }
        }
    }

    /// Evaluates a prompt with and without tiles, then decodes `steps` tokens (which read the
    /// whole cache), comparing every step's logits bit for bit.
    private func assertTilesMatchTokenUnits(_ path: String, length: Int, steps: Int, cacheType: KVCacheType = .f32,
                                            file: StaticString = #filePath, line: UInt = #line) throws {
        let tiled = try LocalModel(path: path, threads: 2, cacheType: cacheType).transformer
        let untiled = try LocalModel(path: path, threads: 2, cacheType: cacheType).transformer
        untiled.attentionTiles = false
        let vocabulary = tiled.config.vocabularySize
        let prompt = (0..<length).map { ($0 * 7919 + 13) % vocabulary }
        let a = tiled.makeState(contextLength: length + steps), b = untiled.makeState(contextLength: length + steps)
        try tiled.evaluate(prompt, state: a)
        try untiled.evaluate(prompt, state: b)
        var token = 0
        for step in 0...steps {
            let differing = zip(a.lastLogits, b.lastLogits).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "step \(step): \(differing) of \(vocabulary) logits differ", file: file, line: line)
            token = TopK.indices(a.lastLogits, count: 1)[0]
            if step < steps {
                try tiled.evaluate([token], state: a)
                try untiled.evaluate([token], state: b)
            }
        }
    }

    /// Batched serving: prompt chunks of two sequences (runs of 21 and 13 tokens, tiled) and a
    /// decoding step of a third (one token) in one pass, with and without tiles.
    func testBatchedPassWithPromptChunksMatchesTokenUnits() throws {
        let path = try TestModels.smolLM2Path()
        let tiled = try LocalModel(path: path, threads: 2).transformer
        let untiled = try LocalModel(path: path, threads: 2).transformer
        untiled.attentionTiles = false
        let vocabulary = tiled.config.vocabularySize
        func ids(_ count: Int, _ seed: Int) -> [Int] { (0..<count).map { ($0 * 7919 + seed * 104_729 + 13) % vocabulary } }
        var logits: [[[Float]]] = []
        for transformer in [tiled, untiled] {
            let states = (0..<3).map { _ in transformer.makeState(contextLength: 64) }
            try transformer.evaluate(ids(5, 1), state: states[2])
            try transformer.evaluate(ids(3, 2), state: states[0])
            try transformer.evaluate(segments: [(ids(21, 3), states[0]), (ids(13, 4), states[1]), ([7], states[2])])
            try transformer.evaluate(segments: [(ids(9, 5), states[0]), ([11], states[1]), ([12], states[2])])
            logits.append(states.map { Array($0.lastLogits) })
        }
        for i in 0..<3 {
            let differing = zip(logits[0][i], logits[1][i]).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "sequence \(i): \(differing) of \(vocabulary) logits differ")
            XCTAssertTrue(logits[0][i].contains { $0 != 0 }, "sequence \(i) has logits")
        }
    }

    /// SmolLM2: three query heads per KV head, 64-element heads, a last tile of 3 tokens.
    func testSmolLM2PromptWithTilesMatchesTokenUnits() throws {
        try assertTilesMatchTokenUnits(try TestModels.smolLM2Path(), length: 99, steps: 2)
    }

    /// The same over a half-precision cache.
    func testHalfPrecisionCachePromptWithTilesMatchesTokenUnits() throws {
        try assertTilesMatchTokenUnits(try TestModels.smolLM2Path(), length: 75, steps: 2, cacheType: .f16)
    }

    /// Gemma 3: 256-element heads, and windowed layers whose tiles past 512 tokens have lanes
    /// starting one position apart.
    func testGemma3WindowedPromptWithTilesMatchesTokenUnits() throws {
        try assertTilesMatchTokenUnits(try TestModels.catalogModel("gemma3-270m"), length: 530, steps: 2)
    }
}
