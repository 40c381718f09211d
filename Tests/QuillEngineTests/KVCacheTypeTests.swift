import XCTest
@testable import QuillEngine

/// The half-precision KV cache (`KVCacheType.f16`): half the bytes, close to the f32 cache's
/// logits, and the engine's guarantees kept (batched decoding, prefix reuse), with the
/// environment variable and the CLI choosing it. Its agreement with llama.cpp is checked in
/// `LogitsGoldenTests`, its kernels in `QuantFormatTests`.
final class KVCacheTypeTests: XCTestCase {
    private static let half: LocalModel? = try? LocalModel(path: TestModels.smolLM2Path(), cacheType: .f16)

    private func halfModel() throws -> LocalModel { try XCTUnwrap(Self.half, "SmolLM2 did not load") }

    func testHalfCacheTakesHalfTheBytes() throws {
        let f32 = try TestModels.sharedSmolLM2().transformer.makeState(contextLength: 100)
        let f16 = try halfModel().transformer.makeState(contextLength: 100)
        XCTAssertEqual(f16.cacheType, .f16)
        XCTAssertEqual(f16.cacheBytes * 2, f32.cacheBytes)
        // 30 layers, keys and values of 3 KV heads of 64, 2 bytes each.
        XCTAssertEqual(f16.cacheBytes, 100 * 30 * 2 * 192 * 2)
    }

    /// The rounded cache changes the logits about as much as the 8-bit activations do
    /// (mean |Δ| 0.13 here, where llama.cpp's and Quill's differ by 0.19), not the answer.
    func testHalfCacheLogitsStayCloseToF32() throws {
        let exact = try TestModels.sharedSmolLM2(), half = try halfModel()
        let tokens = exact.tokenizer.encode("The capital of France is Paris. The capital of Italy is", addSpecial: true)
        let a = exact.transformer.makeState(contextLength: 64), b = half.transformer.makeState(contextLength: 64)
        try exact.transformer.evaluate(tokens, state: a)
        try half.transformer.evaluate(tokens, state: b)
        let diffs = zip(a.lastLogits, b.lastLogits).map { abs($0 - $1) }
        let mean = diffs.reduce(0, +) / Float(diffs.count)
        XCTAssertGreaterThan(diffs.max()!, 0, "the f16 cache must round something")
        XCTAssertLessThan(mean, 0.25, "max |Δ| \(diffs.max()!)")
        XCTAssertEqual(TopK.indices(a.lastLogits, count: 1), TopK.indices(b.lastLogits, count: 1))
    }

    /// Sequences decoded together over f16 caches get what each gets alone.
    func testHalfCacheBatchedDecodingMatchesOneSequenceAtATime() throws {
        let model = try halfModel(), t = model.transformer
        let prompts = ["Name a colour.", "Count to five:", "Write a haiku about rain."].map {
            model.tokenizer.encode(model.chatTemplate.render([ChatMessage(role: "user", content: $0)]))
        }
        func greedy(_ s: InferenceState) -> Int { TopK.indices(s.lastLogits, count: 1)[0] }
        var alone: [[Float]] = []
        for p in prompts {
            let s = t.makeState(contextLength: 80)
            try t.evaluate(p, state: s)
            for _ in 0..<6 { try t.evaluate([greedy(s)], state: s) }
            alone.append(Array(s.lastLogits))
        }
        let states = prompts.map { _ in t.makeState(contextLength: 80) }
        for (p, s) in zip(prompts, states) { try t.evaluate(p, state: s) }
        for _ in 0..<6 { try t.evaluate(batch: states.map { (greedy($0), $0) }) }
        for (s, expected) in zip(states, alone) {
            let differing = zip(s.lastLogits, expected).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0)
        }
    }

    /// A reused prefix is copied in the cache's own type: the same tokens as a fresh model.
    func testHalfCachePrefixReuseGivesTheSameTokens() throws {
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 12
        let warm = try LocalModel(path: try TestModels.smolLM2Path(), cacheType: .f16)
        let shared = "You are a careful assistant who answers questions about rivers in one sentence. "
        _ = try warm.generate(prompt: shared + "Which river flows through Paris?", options: options)
        let reused = try warm.generate(prompt: shared + "Which river flows through Rome?", options: options)
        let fresh = try halfModel().generate(prompt: shared + "Which river flows through Rome?", options: options)
        XCTAssertGreaterThan(reused.cachedPromptTokens, 10)
        XCTAssertEqual(reused.tokenIDs, fresh.tokenIDs)
    }

    func testEnvironmentChoosesTheType() throws {
        XCTAssertEqual(try KVCacheType.fromEnvironment([:]), .f32)
        XCTAssertEqual(try KVCacheType.fromEnvironment(["QUILL_KV_CACHE_TYPE": ""]), .f32)
        XCTAssertEqual(try KVCacheType.fromEnvironment(["QUILL_KV_CACHE_TYPE": "F16"]), .f16)
        XCTAssertThrowsError(try KVCacheType.fromEnvironment(["QUILL_KV_CACHE_TYPE": "q8_0"])) {
            XCTAssertEqual("\($0)", "QUILL_KV_CACHE_TYPE='q8_0' is not a KV cache type: use f32 or f16")
        }
    }
}
