import XCTest
@testable import QuillEngine

/// The heap-ordered pair merging (`PairMerger`) against the plain definition it replaces:
/// rescan every adjacent pair, join the best, leftmost on ties; O(n²), so kept here as the
/// reference. Random texts over an alphabet rich in near-ties (runs of one character, repeated
/// pairs, spaces, multi-byte characters), on the real Gemma 3 (SentencePiece) and Qwen2.5 and
/// SmolLM2 (byte-level BPE) vocabularies. Agreement with llama.cpp itself, long texts included,
/// is `TokenizerTests`.
final class TokenizerMergeTests: XCTestCase {
    private let alphabet: [String] = ["a", "b", "ab", "e", "t", "th", "the", " ", " ", "  ", "\n", "\t", "0", "1", "9",
                                      "=", "-", ".", ",", "'", "é", "e\u{301}", "ß", "日", "本", "語", "🦙", "ing", "er", "Q"]

    private func randomTexts(count: Int, maxPieces: Int, seed: UInt64) -> [String] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let n = Int.random(in: 1...maxPieces, using: &random)
            // Runs: a piece is often repeated, which makes equal pairs side by side.
            var text = "", piece = alphabet[0]
            for _ in 0..<n {
                if Int.random(in: 0..<3, using: &random) > 0 { piece = alphabet.randomElement(using: &random)! }
                text += piece
            }
            return text
        }
    }

    func testSentencePieceMergesMatchTheQuadraticDefinition() throws {
        let tokenizer = try Tokenizer(file: try GGUFFile(path: try TestModels.catalogModel("gemma3-270m")))
        let vocabulary = tokenizer.vocabulary
        for text in randomTexts(count: 40, maxPieces: 600, seed: 7) {
            var got: [Int] = []
            tokenizer.encodeSentencePiece(text, into: &got)
            var symbols: [[UInt8]] = text.replacingOccurrences(of: " ", with: "\u{2581}").unicodeScalars.map { Array(String($0).utf8) }
            while symbols.count > 1 {
                var best = -1, bestScore = -Float.infinity
                for i in 0..<(symbols.count - 1) {
                    if let id = vocabulary.id(ofBytes: symbols[i] + symbols[i + 1]), vocabulary.scores[id] > bestScore {
                        best = i
                        bestScore = vocabulary.scores[id]
                    }
                }
                if best < 0 { break }
                symbols[best] += symbols[best + 1]
                symbols.remove(at: best + 1)
            }
            let expected = symbols.flatMap { s in
                vocabulary.id(ofBytes: s).map { [$0] } ?? s.map { vocabulary.id(of: String(format: "<0x%02X>", $0))! }
            }
            XCTAssertEqual(got, expected, text.debugDescription)
        }
    }

    func testBytePairMergesMatchTheQuadraticDefinition() throws {
        for path in [try TestModels.catalogModel("qwen2.5-coder-0.5b"), try TestModels.smolLM2Path()] {
            let file = try GGUFFile(path: path)
            let tokenizer = try Tokenizer(file: file)
            guard case .bytePairEncoding(let style) = tokenizer.model else { return XCTFail("\(path) is not BPE") }
            let vocabulary = tokenizer.vocabulary
            // Ranks by the pieces' text, as the merge list spells them.
            var ranks: [String: Int] = [:]
            for (rank, entry) in (file[GGUFKey.merges]?.array ?? []).enumerated() {
                if let text = entry.string, ranks[text] == nil { ranks[text] = rank }
            }
            for text in randomTexts(count: 40, maxPieces: 300, seed: 11) {
                var got: [Int] = []
                tokenizer.encodeBPE(text, into: &got)
                var expected: [Int] = []
                for word in PreTokenizer(style: style).split(text) {
                    var symbols = ByteLevel.encode(word.utf8).unicodeScalars.map { String($0) }.filter { vocabulary.id(of: $0) != nil }
                    while symbols.count > 1 {
                        var best = -1, bestRank = Int.max
                        for i in 0..<(symbols.count - 1) {
                            if let rank = ranks[symbols[i] + " " + symbols[i + 1]], rank < bestRank,
                               vocabulary.id(of: symbols[i] + symbols[i + 1]) != nil {
                                best = i
                                bestRank = rank
                            }
                        }
                        if best < 0 { break }
                        symbols[best] += symbols[best + 1]
                        symbols.remove(at: best + 1)
                    }
                    expected += symbols.map { vocabulary.id(of: $0)! }
                }
                XCTAssertEqual(got, expected, "\(path): \(text.debugDescription)")
            }
        }
    }

    /// Ties go to the leftmost pair: "aaaa" joins as (aa)(aa), never a(aa)a.
    func testTiesGoToTheLeftmostPair() {
        var merger = PairMerger()
        for i in 0..<5 { merger.append(start: i, length: 1, id: 0) }
        // Any two single symbols join with one priority; longer ones never.
        merger.merge { left, right in left.length == 1 && right.length == 1 ? (1, 1) : nil }
        var lengths: [Int32] = []
        merger.forEachSymbol { lengths.append($0.length) }
        XCTAssertEqual(lengths, [2, 2, 1])
    }
}
