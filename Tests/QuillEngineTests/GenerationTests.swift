import XCTest
@testable import QuillEngine

/// End to end on the real SmolLM2 file: chat generation, determinism across runs and thread
/// counts, batching invariance, and the errors a caller can cause.
final class GenerationTests: XCTestCase {
    static let prompts = [
        "What is the capital of France?",
        "Write a Python function that reverses a string.",
        "List three primary colors.",
        "What is 12 times 7?",
        "Tell me a short story about a robot who learns to paint.",
    ]

    func testChatAnswerIsSensible() throws {
        let model = try TestModels.sharedSmolLM2()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 24
        var streamed = ""
        let result = try model.generate(chat: [ChatMessage(role: "user", content: Self.prompts[0])], options: options) {
            streamed += $0.text
            return true
        }
        XCTAssertTrue(result.text.contains("Paris"), result.text)
        XCTAssertEqual(streamed, result.text, "the streamed pieces add up to the result")
        XCTAssertEqual(result.finishReason, .endOfSequence, "the model ends its short answer with <|im_end|>")
    }

    /// Greedy decoding of 32 tokens from five prompts gives the same tokens on every run and
    /// with one or two threads (row splits change which thread computes a row, not its sum).
    func testGreedyGenerationIsDeterministicAcrossRunsAndThreadCounts() throws {
        let path = try TestModels.smolLM2Path()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 32
        var runs: [[[Int]]] = []
        for threads in [1, 2, 2] {
            let model = try LocalModel(path: path, threads: threads)
            runs.append(try Self.prompts.map { prompt in
                try model.generate(chat: [ChatMessage(role: "user", content: prompt)], options: options).tokenIDs
            })
        }
        XCTAssertEqual(runs[0], runs[1])
        XCTAssertEqual(runs[1], runs[2])
        XCTAssertTrue(runs[0].allSatisfy { !$0.isEmpty })
    }

    func testSeededSamplingIsReproducible() throws {
        let model = try TestModels.sharedSmolLM2()
        var options = GenerationOptions()
        options.sampling.seed = 1234
        options.sampling.temperature = 1.0
        options.maxTokens = 20
        let a = try model.generate(prompt: "Once upon a time", options: options).tokenIDs
        let b = try model.generate(prompt: "Once upon a time", options: options).tokenIDs
        options.sampling.seed = 99
        let c = try model.generate(prompt: "Once upon a time", options: options).tokenIDs
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    /// A prompt evaluated in one batch or token by token leaves (almost) the same logits: the
    /// batched kernels compute the same sums in the same order per row.
    func testBatchedAndTokenByTokenEvaluationAgree() throws {
        let model = try TestModels.sharedSmolLM2()
        let tokens = model.tokenizer.encode("The quick brown fox jumps over the lazy dog because", addSpecial: true)
        let batched = model.transformer.makeState(contextLength: 64)
        try model.transformer.evaluate(tokens, state: batched)
        let stepped = model.transformer.makeState(contextLength: 64)
        for t in tokens { try model.transformer.evaluate([t], state: stepped) }
        var maxDiff: Float = 0
        for (a, b) in zip(batched.lastLogits, stepped.lastLogits) { maxDiff = max(maxDiff, abs(a - b)) }
        XCTAssertLessThan(maxDiff, 1e-3)
    }

    /// Several sequences decoded together in one forward pass give the same greedy tokens,
    /// and the same logits, as each decoded on its own.
    func testBatchedDecodingMatchesOneSequenceAtATime() throws {
        let model = try TestModels.sharedSmolLM2()
        let t = model.transformer
        let prompts = Self.prompts.map { model.tokenizer.encode(model.chatTemplate.render([ChatMessage(role: "user", content: $0)])) }
        func greedy(_ s: InferenceState) -> Int { TopK.indices(s.lastLogits, count: 1)[0] }

        var alone: [[Int]] = []
        var aloneLogits: [[Float]] = []
        for p in prompts {
            let s = t.makeState(contextLength: 128)
            try t.evaluate(p, state: s)
            var out: [Int] = []
            for _ in 0..<12 {
                out.append(greedy(s))
                try t.evaluate([out.last!], state: s)
            }
            alone.append(out)
            aloneLogits.append(Array(s.lastLogits))
        }

        // Different context sizes and prompt lengths in one batch.
        let states = prompts.enumerated().map { t.makeState(contextLength: 96 + 16 * $0.offset) }
        for (p, s) in zip(prompts, states) { try t.evaluate(p, state: s) }
        var together = [[Int]](repeating: [], count: prompts.count)
        for _ in 0..<12 {
            var step: [(token: Int, state: InferenceState)] = []
            for (i, s) in states.enumerated() {
                together[i].append(greedy(s))
                step.append((together[i].last!, s))
            }
            try t.evaluate(batch: step)
        }
        XCTAssertEqual(together, alone)
        for ((s, expected), prompt) in zip(zip(states, aloneLogits), prompts) {
            var maxDiff: Float = 0
            for (a, b) in zip(s.lastLogits, expected) { maxDiff = max(maxDiff, abs(a - b)) }
            XCTAssertLessThan(maxDiff, 1e-3)
            XCTAssertEqual(s.position, prompt.count + 12)
        }
        let dup = t.makeState(contextLength: 8)
        try t.evaluate([1], state: dup)
        XCTAssertThrowsError(try t.evaluate(batch: [(1, dup), (2, dup)])) {
            XCTAssertTrue("\($0)".contains("at most one run of tokens per sequence"), "\($0)")
        }
    }

    func testStopStringEndsGenerationWithoutReturningIt() throws {
        let model = try TestModels.sharedSmolLM2()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 40
        options.stop = ["Paris"]
        let result = try model.generate(chat: [ChatMessage(role: "user", content: Self.prompts[0])], options: options)
        XCTAssertEqual(result.finishReason, .stopString)
        XCTAssertFalse(result.text.contains("Paris"))
    }

    func testCallerErrorsAreClear() throws {
        let model = try TestModels.sharedSmolLM2()
        let state = model.transformer.makeState(contextLength: 4)
        XCTAssertThrowsError(try model.transformer.evaluate([49152], state: state)) {
            XCTAssertTrue("\($0)".contains("token id 49152 is out of range"), "\($0)")
        }
        XCTAssertThrowsError(try model.transformer.evaluate([1, 2, 3, 4, 5], state: state)) {
            XCTAssertTrue("\($0)".contains("context is full"), "\($0)")
        }
        XCTAssertThrowsError(try model.generate(tokens: [], options: GenerationOptions(), onPiece: { _ in true }))
    }

    func testCancellingFromTheCallbackStopsGeneration() throws {
        let model = try TestModels.sharedSmolLM2()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 50
        var pieces = 0
        let result = try model.generate(prompt: "Count: 1, 2, 3,", options: options) { _ in
            pieces += 1
            return pieces < 3
        }
        XCTAssertEqual(result.finishReason, .cancelled)
        XCTAssertEqual(pieces, 3)
    }
}

/// The Swift example at the top of docs/engine.md, as written there.
final class EngineDocsExampleTests: XCTestCase {
    func testEngineDocExample() throws {
        let model = try LocalModel(path: try TestModels.smolLM2Path(), threads: 2)
        var options = GenerationOptions()
        options.sampling.temperature = 0          // greedy
        options.maxTokens = 64
        var printed = ""
        let result = try model.generate(chat: [ChatMessage(role: "user", content: "Name a prime number.")],
                                        options: options) { piece in
            printed += piece.text
            return true
        }
        XCTAssertEqual(printed, result.text)
        XCTAssertFalse(result.tokens.isEmpty)
        XCTAssertTrue([.endOfSequence, .length].contains(result.finishReason))
    }
}
