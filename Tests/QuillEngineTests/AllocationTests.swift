import CAllocationCounter
import QuillEngine
import XCTest

/// Decoding allocates nothing per token: the forward pass's scratch, KV cache and logits are
/// made when a sequence starts, and its parallel steps reach the pool as objects made once
/// (`ThreadPoolJob`), not as closures, which Swift wraps in an allocation on every run.
/// Counted with a malloc that counts its calls (`CAllocationCounter`), every thread included.
final class AllocationTests: XCTestCase {
    /// Decodes `tokens` greedily and returns the mallocs made meanwhile.
    private func allocations(decoding tokens: Int, _ transformer: Transformer, _ state: InferenceState) throws -> Int64 {
        // Written once before counting: a constant array literal can be a static object that
        // its first write copies.
        var next = [0]
        next[0] = state.position
        let before = quill_allocation_count()
        for _ in 0..<tokens {
            // The arg-max by hand: `TopK.indices` returns an array.
            let logits = state.lastLogits
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            next[0] = best
            try transformer.evaluate(next, state: state)
        }
        return quill_allocation_count() - before
    }

    func testDecodingATokenAllocatesNothing() throws {
        guard quill_allocation_counting() != 0 else { throw XCTSkip("malloc is not counted in this build (sanitizer)") }
        for threads in [1, 2] {
            let transformer = try Transformer(file: try GGUFFile(path: try TestModels.smolLM2Path()), threads: threads)
            let state = transformer.makeState(contextLength: 256)
            try transformer.evaluate([1, 2, 3, 4], state: state)
            _ = try allocations(decoding: 2, transformer, state)   // first runs: lazy one-time set-up
            // The fewest over three windows: another test's thread could allocate during one.
            let counts = try (0..<3).map { _ in try allocations(decoding: 32, transformer, state) }
            XCTAssertEqual(counts.min(), 0, "mallocs while decoding 32 tokens with \(threads) threads: \(counts)")
        }
    }

    /// The counter itself counts: arrays kept past the measurement are seen.
    func testTheCounterSeesAllocations() throws {
        guard quill_allocation_counting() != 0 else { throw XCTSkip("malloc is not counted in this build (sanitizer)") }
        let before = quill_allocation_count()
        kept = (0..<10).map { [Int](repeating: $0, count: 100 + $0) }
        XCTAssertGreaterThanOrEqual(quill_allocation_count() - before, 10)
        XCTAssertEqual(kept.count, 10)
    }

    private var kept: [[Int]] = []
}
