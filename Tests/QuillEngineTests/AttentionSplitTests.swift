import XCTest
@testable import QuillEngine

/// One token over a long context splits its attention over positions between the threads
/// (`Transformer.splitAttention`); with one thread, or a short context, the same attention
/// is split by query head. The scores, maxima and weights are computed alike either way, so
/// the logits must agree bit for bit (only the sum of the exponentials is added in parts,
/// in Double, which does not move the Float result here).
final class AttentionSplitTests: XCTestCase {
    /// Decodes `steps` tokens after a prompt of `length` tokens with 2 threads and with 1, and
    /// compares every step's logits.
    private func assertSplitMatchesOneThread(_ path: String, length: Int, steps: Int, cacheType: KVCacheType = .f32,
                                             file: StaticString = #filePath, line: UInt = #line) throws {
        let split = try LocalModel(path: path, threads: 2, cacheType: cacheType).transformer
        let single = try LocalModel(path: path, threads: 1, cacheType: cacheType).transformer
        let vocabulary = split.config.vocabularySize
        let prompt = (0..<length).map { ($0 * 7919 + 13) % vocabulary }
        XCTAssertGreaterThanOrEqual(length, Transformer.splitAttentionMinimum, "the prompt must be long enough to split", file: file, line: line)
        let a = split.makeState(contextLength: length + steps), b = single.makeState(contextLength: length + steps)
        try split.evaluate(prompt, state: a)
        try single.evaluate(prompt, state: b)
        var token = 1
        for step in 0..<steps {
            try split.evaluate([token], state: a)
            try single.evaluate([token], state: b)
            let differing = zip(a.lastLogits, b.lastLogits).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "step \(step): \(differing) of \(vocabulary) logits differ", file: file, line: line)
            token = TopK.indices(a.lastLogits, count: 1)[0]
        }
    }

    func testSmolLM2LongContextDecodeMatchesOneThread() throws {
        try assertSplitMatchesOneThread(try TestModels.smolLM2Path(), length: 300, steps: 4)
    }

    /// The same over a half-precision cache (the f16 kernels in both ways of splitting).
    func testHalfPrecisionCacheLongContextDecodeMatchesOneThread() throws {
        try assertSplitMatchesOneThread(try TestModels.smolLM2Path(), length: 300, steps: 3, cacheType: .f16)
    }

    /// Gemma 3: one KV head for four query heads, 256-element heads (eight slices of the
    /// values step), and windowed layers whose 512 positions start after the first.
    func testGemma3WindowedLongContextDecodeMatchesOneThread() throws {
        try assertSplitMatchesOneThread(try TestModels.catalogModel("gemma3-270m"), length: 530, steps: 3)
    }
}
