import XCTest
@testable import QuillEngine

/// Gemma 3's windowed layers keep their cache in a mirrored ring once the context is long
/// (`InferenceState`): every window is still one run of rows, read in the same order, so a
/// prompt long enough to wrap the ring several times, and the decoding after it, must give
/// the same logits bit for bit as one row per position. A prefix is lent from a ring only
/// while the ring still holds the window behind its end.
final class SlidingWindowRingTests: XCTestCase {
    /// Passes of 64 tokens make the ring 512 + 64 = 576 rows, so 1,250 tokens wrap it twice.
    private static let maxBatch = 64, context = 1400, length = 1250

    nonisolated(unsafe) private static var shared: Transformer?

    private func gemma() throws -> Transformer {
        if let t = Self.shared { return t }
        let t = try Transformer(file: try GGUFFile(path: try TestModels.catalogModel("gemma3-270m")), threads: 2, maxBatch: Self.maxBatch)
        Self.shared = t
        return t
    }

    private func prompt(_ vocabulary: Int) -> [Int] { (0..<Self.length).map { ($0 * 7919 + 104_729) % vocabulary } }

    private func assertSameBits(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(differing, 0, "\(what): \(differing) of \(a.count) logits differ", file: file, line: line)
    }

    /// Takes `count` positions from `source`, reads the rest of `tokens`, and checks that the
    /// logits are `reference`'s after the same tokens; returns the new state.
    @discardableResult
    private func assertContinues(_ model: Transformer, from source: InferenceState, count: Int, tokens: [Int],
                                 as reference: InferenceState, _ what: String, line: UInt = #line) throws -> InferenceState {
        let taker = model.makeState(contextLength: Self.context)
        taker.copyPrefix(from: source, count: count)
        try model.evaluate(Array(tokens[count...]), state: taker)
        assertSameBits(taker.lastLogits, reference.lastLogits, what, line: line)
        return taker
    }

    func testRingGivesTheSameLogitsAsOneRowPerPosition() throws {
        let model = try gemma()
        defer { model.slidingWindowRings = true }
        let tokens = prompt(model.config.vocabularySize)
        model.slidingWindowRings = true
        let ring = model.makeState(contextLength: Self.context)
        model.slidingWindowRings = false
        let full = model.makeState(contextLength: Self.context)
        // 15 of 18 layers windowed: 3 × 1,400 + 15 × 1,152 rows against 18 × 1,400.
        XCTAssertEqual(ring.cacheBytes * 18 * Self.context, full.cacheBytes * (3 * Self.context + 15 * 2 * 576))

        for state in [ring, full] { try model.evaluate(tokens, state: state) }
        assertSameBits(ring.lastLogits, full.lastLogits, "after the prompt")
        XCTAssertLessThan(ring.filledCacheBytes, full.filledCacheBytes)
        for step in 0..<3 {
            for state in [ring, full] { try model.evaluate([(step * 31 + 5) % model.config.vocabularySize], state: state) }
            assertSameBits(ring.lastLogits, full.lastLogits, "decoding step \(step)")
        }
    }

    func testPrefixIsLentOnlyWhileTheRingHoldsItsWindow() throws {
        let model = try gemma()
        let tokens = prompt(model.config.vocabularySize)
        let donor = model.makeState(contextLength: Self.context)
        try model.evaluate(tokens, state: donor)
        // The ring holds the last 576 positions; a continuation at n reads from n − 511.
        XCTAssertTrue(donor.canLend(prefix: Self.length))
        XCTAssertTrue(donor.canLend(prefix: Self.length - 65))
        XCTAssertFalse(donor.canLend(prefix: Self.length - 66))
        XCTAssertFalse(donor.canLend(prefix: 600))

        // Taking 1,200 positions and reading the last 50 tokens again leaves the donor's logits.
        try assertContinues(model, from: donor, count: 1200, tokens: tokens, as: donor, "continued from a lent prefix")

        // The prefix cache passes over an entry that can no longer lend the shared start.
        var cache = PrefixCache(capacity: 4, byteBudget: .max)
        cache.insert(tokens: tokens, state: donor)
        XCTAssertNil(cache.longestMatch(for: Array(tokens[..<600]) + [1, 2, 3], limit: 1000))
        XCTAssertEqual(cache.longestMatch(for: Array(tokens[..<1220]) + [1, 2, 3], limit: 2000)?.count, 1220)
    }

    /// A copied prefix brings a windowed layer only the rows its window reaches: the copy can
    /// lend that prefix and longer ones, never a shorter one whose window reaches rows it never
    /// got (with or without a ring of its own). A checkpoint copies every row the donor holds,
    /// so it lends as much as the donor could at that moment, and gives the same logits.
    func testCopiesLendOnlyRowsTheyHold() throws {
        let model = try gemma()
        defer { model.slidingWindowRings = true }
        let tokens = prompt(model.config.vocabularySize)
        let donor = model.makeState(contextLength: Self.context)
        try model.evaluate(tokens, state: donor)
        XCTAssertEqual(donor.lendable, (Self.length - 576 + 511)..<(Self.length + 1))

        model.slidingWindowRings = false
        let flat = model.makeState(contextLength: Self.context)
        model.slidingWindowRings = true
        let ring = model.makeState(contextLength: Self.context)
        for taker in [flat, ring] {
            taker.copyPrefix(from: donor, count: 1220)
            XCTAssertEqual(taker.lendable, 1220..<1221, "rows below 1220 − 511 were never copied")
            XCTAssertFalse(taker.canLend(prefix: 1190))
        }

        model.slidingWindowRings = false
        let checkpoint = model.makeState(contextLength: Self.length)
        checkpoint.copyPrefix(from: donor, count: Self.length, everything: true)
        XCTAssertEqual(checkpoint.lendable, donor.lendable)
        model.slidingWindowRings = true
        let taker = try assertContinues(model, from: checkpoint, count: 1190, tokens: tokens, as: donor, "continued from a checkpoint")

        // A checkpoint stays in the prefix cache when the sequence that extends it has moved its
        // ring past what the checkpoint can lend.
        var cache = PrefixCache(capacity: 4, byteBudget: .max)
        cache.insert(tokens: tokens, state: checkpoint)
        let extra = (0..<140).map { ($0 * 31 + 7) % model.config.vocabularySize }
        try model.evaluate(extra, state: donor)
        cache.insert(tokens: tokens + extra, state: donor)
        XCTAssertEqual(cache.entries.count, 2)
        XCTAssertEqual(cache.longestMatch(for: Array(tokens[..<1200]) + [1, 2, 3], limit: 2000)?.count, 1200)
        // The taker holds the same tokens but lends from 1,190 on, the checkpoint from 1,185.
        cache.insert(tokens: tokens, state: taker)
        XCTAssertEqual(cache.entries.count, 3, "an entry that lends fewer prefixes does not replace the checkpoint")
    }

    /// A request whose answer runs its rings past its prompt leaves a checkpoint of the prompt,
    /// so the next request sharing most of it still starts from the cache, and gets the tokens
    /// a fresh model gives.
    func testSchedulerKeepsAPromptItsRingsRunPast() throws {
        let path = try TestModels.catalogModel("gemma3-270m")
        let model = try LocalModel(path: path)
        var options = GenerationOptions()
        options.sampling = .greedy
        options.contextLength = 2048  // above 2 × (512 + 256): rings
        options.maxTokens = 300
        // Counting: a continuation that does not stop early.
        let text = (1...260).map(String.init).joined(separator: ", ")
        let counting = model.tokenizer.encode(text)
        let first = try model.generate(tokens: counting, options: options) { _ in true }
        XCTAssertEqual(first.tokens.count, 300, "the answer runs 300 tokens past the prompt, wrapping the rings")

        let shared = counting.count - 20
        let next = Array(counting[..<shared]) + model.tokenizer.encode(" and then", addSpecial: false)
        options.maxTokens = 8
        let reused = try model.generate(tokens: next, options: options) { _ in true }
        XCTAssertEqual(reused.cachedPromptTokens, shared)
        let fresh = try LocalModel(path: path).generate(tokens: next, options: options) { _ in true }
        XCTAssertEqual(fresh.cachedPromptTokens, 0)
        XCTAssertEqual(reused.tokenIDs, fresh.tokenIDs)
        print(String(format: "time to first token of %d tokens, %d shared: %.1f ms from the checkpoint, %.1f ms fresh",
                     next.count, shared, reused.promptSeconds * 1000, fresh.promptSeconds * 1000))
    }
}
