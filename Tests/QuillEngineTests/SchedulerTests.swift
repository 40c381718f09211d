import Foundation
import Quill
import QuillEngine
import XCTest

/// The generation scheduler: concurrent requests decoded together give each the text it gets
/// alone, a shared prompt start is reused without changing results, cancellation and errors
/// reach the right request.
final class SchedulerTests: XCTestCase {
    func greedy(_ maxTokens: Int) -> GenerationOptions {
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = maxTokens
        return options
    }

    /// A prompt that starts like the previous one reuses its cache; the result is the same as
    /// on a model that has seen nothing before.
    func testReusedPromptPrefixGivesTheSameTokens() throws {
        let path = try TestModels.smolLM2Path()
        let warm = try LocalModel(path: path)
        let shared = "You are a careful assistant who answers questions about geography in one sentence. "
        _ = try warm.generate(prompt: shared + "What is the capital of Spain?", options: greedy(8))
        let reused = try warm.generate(prompt: shared + "What is the capital of Italy?", options: greedy(16))
        let fresh = try LocalModel(path: path).generate(prompt: shared + "What is the capital of Italy?", options: greedy(16))
        XCTAssertEqual(reused.tokenIDs, fresh.tokenIDs)
        XCTAssertEqual(reused.promptTokens, fresh.promptTokens)
        // The shared start is reported as cached; a fresh model has nothing to reuse.
        let sharedCount = warm.tokenizer.encode(shared).count
        XCTAssertGreaterThanOrEqual(reused.cachedPromptTokens, sharedCount - 2)
        XCTAssertLessThan(reused.cachedPromptTokens, reused.promptTokens)
        XCTAssertEqual(fresh.cachedPromptTokens, 0)
    }

    /// Several finished prompts are kept: requests alternating between two system prompts
    /// each reuse their own, and a follow-up turn reuses the whole previous exchange.
    func testSeveralPrefixesAreKept() throws {
        let model = try LocalModel(path: try TestModels.smolLM2Path())
        let a = "You are a poet. Answer every question with a short rhyme about the sea and its waves. "
        let b = "You are a chemist. Answer every question with one precise fact about the elements. "
        _ = try model.generate(prompt: a + "Tell me about salt.", options: greedy(4))
        _ = try model.generate(prompt: b + "Tell me about salt.", options: greedy(4))
        let again = try model.generate(prompt: a + "Tell me about wind.", options: greedy(4))
        XCTAssertGreaterThanOrEqual(again.cachedPromptTokens, model.tokenizer.encode(a).count - 2)
        let question = model.tokenizer.encode(b + "Name a metal.")
        let first = try model.generate(tokens: question, options: greedy(6)) { _ in true }
        let exchange = question + first.tokenIDs + model.tokenizer.encode(" And another one?", addSpecial: false)
        let followUp = try model.generate(tokens: exchange, options: greedy(4)) { _ in true }
        // The first request's cache holds its prompt and (at least) every generated token but the last.
        XCTAssertGreaterThanOrEqual(followUp.cachedPromptTokens, question.count + first.tokenIDs.count - 1)
        XCTAssertLessThan(followUp.cachedPromptTokens, exchange.count)
    }

    /// Requests submitted from several threads at once are decoded together; each gets the
    /// tokens it gets alone.
    func testConcurrentRequestsMatchSequentialOnes() throws {
        let model = try TestModels.sharedSmolLM2()
        let prompts = ["The sea is", "Bread is made from", "In winter, the", "Trains run on", "Music can", "The moon"]
        let alone = try prompts.map { try model.generate(prompt: $0, options: greedy(20)).tokenIDs }
        let results = Locked([[Int]](repeating: [], count: prompts.count))
        let options = greedy(20)
        DispatchQueue.concurrentPerform(iterations: prompts.count) { i in
            let ids = (try? model.generate(prompt: prompts[i], options: options).tokenIDs) ?? []
            results.withLock { $0[i] = ids }
        }
        XCTAssertEqual(results.value, alone)
    }

    func testCancellingOneRequestLeavesTheOthers() throws {
        let model = try TestModels.sharedSmolLM2()
        let expected = try model.generate(prompt: "Once upon a time", options: greedy(24)).tokenIDs
        let done = BlockingQueue<GenerationResult>()
        let cancelled = try model.scheduler.submit(tokens: model.tokenizer.encode("A long story:"), options: greedy(200)) { event in
            if case .finished(let r) = event { done.push(r) }
        }
        let other = BlockingQueue<GenerationResult>()
        try model.scheduler.submit(tokens: model.tokenizer.encode("Once upon a time"), options: greedy(24)) { event in
            if case .finished(let r) = event { other.push(r) }
        }
        cancelled.cancel()
        XCTAssertEqual(done.pop().finishReason, .cancelled)
        XCTAssertEqual(other.pop().tokenIDs, expected)
    }

    func testBadRequestsAreRefusedUpFront() throws {
        let model = try TestModels.sharedSmolLM2()
        XCTAssertThrowsError(try model.scheduler.submit(tokens: [], options: greedy(4)) { _ in }) {
            XCTAssertTrue("\($0)".contains("prompt is empty"), "\($0)")
        }
        XCTAssertThrowsError(try model.scheduler.submit(tokens: [1, 10_000_000], options: greedy(4)) { _ in }) {
            XCTAssertTrue("\($0)".contains("out of range"), "\($0)")
        }
        var tight = greedy(4)
        tight.contextLength = 3
        XCTAssertThrowsError(try model.scheduler.submit(tokens: [1, 2, 3, 4], options: tight) { _ in }) {
            XCTAssertTrue("\($0)".contains("the context holds 3"), "\($0)")
        }
    }
}
