import XCTest
@testable import QuillEngine

/// The forward pass against llama.cpp's logits on the same files, teacher forcing: five
/// prompts and llama.cpp's own greedy continuations are fed token by token, and every
/// position's next-token logits are compared with llama.cpp's top 20 (`Fixtures/logits/*.jsonl`,
/// produced by Benchmarks/engine/llama-logits.cpp). SmolLM2 (llama), Qwen2.5-Coder 0.5B
/// (qwen2) and Gemma 3 270M (gemma3, with a prompt longer than its sliding window).
final class LogitsGoldenTests: XCTestCase {
    struct Comparison {
        var positions = 0, top1Agreements = 0
        var absoluteDifferenceSum: Double = 0, compared = 0
        var maxDifference: Float = 0
        var meanAbsoluteDifference: Double { absoluteDifferenceSum / Double(max(compared, 1)) }
        var top1Rate: Double { Double(top1Agreements) / Double(max(positions, 1)) }
    }

    private func compare(_ model: LocalModel, fixture: String) throws -> Comparison {
        var result = Comparison()
        for entry in try TestModels.jsonLines(fixture) {
            let tokens = try XCTUnwrap(entry["tokens"] as? [Int])
            let golden = try XCTUnwrap(entry["top"] as? [[[Double]]])
            // Long prompts keep only their last positions ("first" on).
            let first = entry["first"] as? Int ?? 0
            XCTAssertEqual(golden.count, tokens.count - first)
            let state = model.transformer.makeState(contextLength: tokens.count)
            try model.transformer.evaluate(tokens, state: state) { position, logits in
                guard position >= first else { return }
                let expected = golden[position - first]
                result.positions += 1
                if TopK.indices(logits, count: 1).first == Int(expected[0][0]) { result.top1Agreements += 1 }
                for pair in expected {
                    let diff = abs(logits[Int(pair[0])] - Float(pair[1]))
                    result.absoluteDifferenceSum += Double(diff)
                    result.compared += 1
                    result.maxDifference = max(result.maxDifference, diff)
                }
            }
        }
        return result
    }

    /// Compares a model with a fixture and prints the figures under `label`.
    private func measure(_ label: String, _ model: LocalModel, fixture: String) throws -> Comparison {
        let c = try compare(model, fixture: fixture)
        print("\(label): \(c.positions) positions, top-1 \(c.top1Agreements)/\(c.positions), mean |Δ| \(c.meanAbsoluteDifference), max |Δ| \(c.maxDifference)")
        return c
    }

    /// The quantized path (8-bit activations, as llama.cpp): top-1 agrees on at least `top1` of
    /// the positions and the mean absolute logit difference is ≤ 0.25.
    private func checkQuantized(_ label: String, _ model: LocalModel, fixture: String, top1: Double = 0.98) throws {
        let c = try measure(label, model, fixture: fixture)
        XCTAssertGreaterThanOrEqual(c.positions, 200)
        XCTAssertGreaterThanOrEqual(c.top1Rate, top1)
        XCTAssertLessThanOrEqual(c.meanAbsoluteDifference, 0.25)
    }

    /// SmolLM2 Q4_1 (llama).
    func testQuantizedPathMatchesLlamaCpp() throws {
        try checkQuantized("quantized path vs llama.cpp", try TestModels.sharedSmolLM2(), fixture: "logits/smollm2-q4_1.jsonl")
    }

    /// Qwen2.5-Coder 0.5B (q/k/v biases, NEOX rope, separate output; Q5_0, Q8_0, Q4_K, Q6_K).
    func testQwen2MatchesLlamaCpp() throws {
        let model = try LocalModel(path: try TestModels.catalogModel("qwen2.5-coder-0.5b"))
        try checkQuantized("qwen2 vs llama.cpp", model, fixture: "logits/qwen2.5-coder-0.5b.jsonl")
    }

    /// Gemma 3 270M (scaled embeddings, per-head q/k norms, post-block norms, GeGLU, windowed
    /// and global layers with their own rope bases, 262k tied output), including positions
    /// past its 512-token window. 360 of 370 (97.3%) agree, short of the 98% aimed for: every
    /// miss is a near tie (llama.cpp's two best 0.02–0.35 apart), and the exact path below
    /// agrees everywhere, so the misses are 8-bit activation noise rather than a wrong block.
    /// llama.cpp against itself shows the same noise: the fixture is its default run (flash
    /// attention on); with flash attention off it agrees with it at 363 of 370 positions, mean
    /// |Δ| 0.20, and with an f32 KV cache as well, at 356, mean |Δ| 0.216 (measured 2026-12-07).
    func testGemma3MatchesLlamaCpp() throws {
        let model = try LocalModel(path: try TestModels.catalogModel("gemma3-270m"))
        try checkQuantized("gemma3 vs llama.cpp", model, fixture: "logits/gemma3-270m-q4_k_m.jsonl", top1: 0.96)
    }

    /// A half-precision KV cache (`KVCacheType.f16`) on the quantized path: the cache's
    /// rounding moves the near ties (measured 2026-12-07: SmolLM2 283/288, Qwen2.5 317/326,
    /// Gemma 3 361/370, against 283, 322 and 360 with the f32 cache), so it is held to the
    /// mean difference and to 96%.
    func testHalfPrecisionCacheMatchesLlamaCpp() throws {
        let models = [(try TestModels.smolLM2Path(), "logits/smollm2-q4_1.jsonl"),
                      (try TestModels.catalogModel("qwen2.5-coder-0.5b"), "logits/qwen2.5-coder-0.5b.jsonl"),
                      (try TestModels.catalogModel("gemma3-270m"), "logits/gemma3-270m-q4_k_m.jsonl")]
        for (path, fixture) in models {
            let model = try LocalModel(path: path, cacheType: .f16)
            try checkQuantized("f16 cache, \(fixture)", model, fixture: fixture, top1: 0.96)
        }
    }

    /// The exact path (weights dequantized to f32, f32 activations) against llama.cpp's run
    /// of the same weights requantized to F32: within 1e-3 everywhere.
    func testExactF32PathMatchesLlamaCppF32() throws {
        let model = try LocalModel(path: try TestModels.smolLM2Path(), exactF32: true)
        let c = try measure("exact f32 path vs llama.cpp F32", model, fixture: "logits/smollm2-f32.jsonl")
        XCTAssertEqual(c.top1Agreements, c.positions)
        XCTAssertLessThanOrEqual(c.maxDifference, 1e-3)
    }

    /// Gemma 3's exact path against llama.cpp's run of the file requantized to F32 (f32 KV
    /// cache, flash attention off); GELU is ggml's half-precision table on both sides.
    func testGemma3ExactF32PathMatchesLlamaCppF32() throws {
        let model = try LocalModel(path: try TestModels.catalogModel("gemma3-270m"), exactF32: true)
        let c = try measure("gemma3 exact f32 path vs llama.cpp F32", model, fixture: "logits/gemma3-270m-f32.jsonl")
        XCTAssertEqual(c.top1Agreements, c.positions)
        XCTAssertLessThanOrEqual(c.meanAbsoluteDifference, 0.003)
        XCTAssertLessThanOrEqual(c.maxDifference, 0.025)
    }
}
