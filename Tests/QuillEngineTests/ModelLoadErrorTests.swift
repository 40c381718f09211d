import XCTest
@testable import QuillEngine

/// Loading small synthetic llama files: a valid one runs; an unsupported architecture or
/// tensor type, a missing tensor and a wrong shape are errors that name the problem and,
/// where there is a list, what is supported.
final class ModelLoadErrorTests: XCTestCase {
    static let d = 256, ffn = 512, vocab = 40

    /// A one-layer llama model: 2 heads of 128, 1 KV head, F32 weights with small values.
    private func tinyModel(architecture: String = "llama", override: (inout [String: (shape: [Int], type: GGMLType)]) -> Void = { _ in })
        -> [UInt8] {
        var b = GGUFBuilder()
        b.add("general.architecture", .string(architecture))
        let a = architecture
        b.add("\(a).embedding_length", .uint32(UInt32(Self.d)))
        b.add("\(a).block_count", .uint32(1))
        b.add("\(a).feed_forward_length", .uint32(UInt32(Self.ffn)))
        b.add("\(a).attention.head_count", .uint32(2))
        b.add("\(a).attention.head_count_kv", .uint32(1))
        b.add("\(a).context_length", .uint32(64))
        b.add("tokenizer.ggml.model", .string("gpt2"))
        b.add("tokenizer.ggml.tokens", .array(.string, (0..<Self.vocab).map { .string("t\($0)") }))
        var tensors: [String: (shape: [Int], type: GGMLType)] = [
            "token_embd.weight": ([Self.d, Self.vocab], .f32), "output_norm.weight": ([Self.d], .f32),
            "blk.0.attn_norm.weight": ([Self.d], .f32), "blk.0.ffn_norm.weight": ([Self.d], .f32),
            "blk.0.attn_q.weight": ([Self.d, Self.d], .f32), "blk.0.attn_k.weight": ([Self.d, 128], .f32),
            "blk.0.attn_v.weight": ([Self.d, 128], .f32), "blk.0.attn_output.weight": ([Self.d, Self.d], .f32),
            "blk.0.ffn_gate.weight": ([Self.d, Self.ffn], .f32), "blk.0.ffn_up.weight": ([Self.d, Self.ffn], .f32),
            "blk.0.ffn_down.weight": ([Self.ffn, Self.d], .f32),
        ]
        override(&tensors)
        for (name, t) in tensors.sorted(by: { $0.key < $1.key }) {
            let elements = t.shape.reduce(1, *)
            if t.type == .f32 {
                let base: Float = name.hasSuffix("norm.weight") ? 1 : 0
                let values: [Float] = (0..<elements).map { i in
                    let step = Float((i * 7919) % 97)
                    return base + step / 970 - 0.05
                }
                b.addTensor(name, shape: t.shape, type: .f32, data: values.withUnsafeBytes { Array($0) })
            } else {
                b.addPatternTensor(name, shape: t.shape, type: t.type)
            }
        }
        return b.build().bytes
    }

    private func load(_ bytes: [UInt8]) throws -> [Float] {
        try bytes.withUnsafeBytes { raw in
            let transformer = try Transformer(file: try GGUFFile(unownedBytes: raw), threads: 2)
            let state = transformer.makeState(contextLength: 16)
            try transformer.evaluate([1, 5, 9], state: state)
            try transformer.evaluate([3], state: state)
            return Array(state.lastLogits)
        }
    }

    private func assertError(_ bytes: [UInt8], contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(bytes), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
        }
    }

    func testTinyModelRuns() throws {
        let logits = try load(tinyModel())
        XCTAssertEqual(logits.count, Self.vocab)
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
    }

    func testUnsupportedArchitectureListsTheSupportedOnes() {
        assertError(tinyModel(architecture: "mamba"), contains: "architecture 'mamba' is not supported (supported: llama, qwen2, gemma3)")
    }

    func testUnsupportedTensorTypeListsTheSupportedOnes() {
        assertError(tinyModel { $0["blk.0.attn_q.weight"]!.type = .iq2_xxs },
                    contains: "tensor 'blk.0.attn_q.weight' has type IQ2_XXS, which is not supported (supported: F32, F16, BF16, Q4_0")
    }

    func testMissingTensorAndWrongShape() {
        assertError(tinyModel { $0["blk.0.ffn_up.weight"] = nil }, contains: "tensor 'blk.0.ffn_up.weight' is missing")
        assertError(tinyModel { $0["blk.0.attn_k.weight"]!.shape = [Self.d, 256] },
                    contains: "tensor 'blk.0.attn_k.weight' has shape [256, 256], expected [256, 128]")
    }

    /// Every supported quantized format runs through the whole forward pass (weights are
    /// arbitrary bytes, so only finiteness is checked where the format keeps values finite).
    func testEveryWeightFormatRunsTheForwardPass() throws {
        for type in [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .f16, .bf16] {
            let bytes = tinyModel { tensors in
                for name in ["blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight"] { tensors[name]!.type = type }
            }
            XCTAssertEqual(try load(bytes).count, Self.vocab, "\(type.name)")
        }
    }
}
