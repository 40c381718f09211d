import XCTest
@testable import QuillEngine

/// The forward pass against llama.cpp's logits on the same SmolLM2 file, teacher forcing:
/// five ChatML prompts and llama.cpp's own greedy continuations are fed token by token, and
/// every position's next-token logits are compared with llama.cpp's top 20
/// (`Fixtures/logits/*.jsonl`, produced by Benchmarks/engine/llama-logits.cpp).
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
            XCTAssertEqual(golden.count, tokens.count)
            let state = model.transformer.makeState(contextLength: tokens.count)
            try model.transformer.evaluate(tokens, state: state) { position, logits in
                let expected = golden[position]
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

    /// The quantized path (8-bit activations, as llama.cpp): top-1 agrees on ≥ 98% of
    /// positions and the mean absolute logit difference is ≤ 0.25.
    func testQuantizedPathMatchesLlamaCpp() throws {
        let c = try compare(try TestModels.sharedSmolLM2(), fixture: "logits/smollm2-q4_1.jsonl")
        print("quantized path vs llama.cpp: \(c.positions) positions, top-1 \(c.top1Agreements)/\(c.positions), mean |Δ| \(c.meanAbsoluteDifference), max |Δ| \(c.maxDifference)")
        XCTAssertEqual(c.positions, 288)
        XCTAssertGreaterThanOrEqual(c.top1Rate, 0.98)
        XCTAssertLessThanOrEqual(c.meanAbsoluteDifference, 0.25)
    }

    /// The exact path (weights dequantized to f32, f32 activations) against llama.cpp's run
    /// of the same weights requantized to F32: within 1e-3 everywhere.
    func testExactF32PathMatchesLlamaCppF32() throws {
        let model = try LocalModel(path: try TestModels.smolLM2Path(), exactF32: true)
        let c = try compare(model, fixture: "logits/smollm2-f32.jsonl")
        print("exact f32 path vs llama.cpp F32: \(c.positions) positions, top-1 \(c.top1Agreements)/\(c.positions), mean |Δ| \(c.meanAbsoluteDifference), max |Δ| \(c.maxDifference)")
        XCTAssertEqual(c.top1Agreements, c.positions)
        XCTAssertLessThanOrEqual(c.maxDifference, 1e-3)
    }
}
