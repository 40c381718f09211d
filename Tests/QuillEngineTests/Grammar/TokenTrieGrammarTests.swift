import Foundation
import XCTest
@testable import QuillEngine

/// The token trie's layout, and masks over a real vocabulary when a model is in the store.
final class TokenTrieGrammarTests: XCTestCase {
    func testTrieLayoutSharesPrefixesAndKeepsDuplicates() {
        let trie = TokenTrie(tokens: [Array("ab".utf8), Array("a".utf8), [], Array("abc".utf8), Array("b".utf8), Array("ab".utf8), [0xFF]],
                             endOfGeneration: [6])
        XCTAssertEqual(trie.nodeCount, 4, "a, ab, abc, b")
        XCTAssertEqual(trie.nodeBytes, Array("abcb".utf8))
        XCTAssertEqual(trie.nodeDepths, [1, 2, 3, 1])
        XCTAssertEqual(trie.subtreeEnds, [3, 3, 3, 4])
        XCTAssertEqual(trie.maxDepth, 3)
        // Tokens per node: a → [1]; ab → [0, 5]; abc → [3]; b → [4].
        let tokensAt = (0..<4).map { Set(trie.tokenIDs[Int(trie.tokenStarts[$0])..<Int(trie.tokenStarts[$0 + 1])]) }
        XCTAssertEqual(tokensAt, [[1], [0, 5], [3], [4]])
        XCTAssertEqual(Array(trie.bytes(of: 3)), Array("abc".utf8))
        XCTAssertTrue(trie.bytes(of: 6).isEmpty, "end-of-generation tokens carry no text")

        let grammar = try! Grammar.choices(["ab", "b"])
        var matcher = GrammarMatcher(grammar: grammar)
        var mask: [Bool] = []
        matcher.allowedTokens(trie, into: &mask)
        XCTAssertEqual(mask, [true, true, false, false, true, true, false])
        try! matcher.accept("b")
        matcher.allowedTokens(trie, into: &mask)
        XCTAssertEqual(mask, [false, false, false, false, false, false, true], "only the end of generation once complete")
    }

    /// SmolLM2's vocabulary (when the model is in the local store; nothing is downloaded).
    func testMaskInsideAJSONStringOnTheRealVocabulary() throws {
        guard let path = ModelStore().localPath(for: "smollm2") else {
            throw XCTSkip("SmolLM2 is not in the local model store")
        }
        let tokenizer = try Tokenizer(file: try GGUFFile(path: path))
        var start = MonotonicClock.now()
        let trie = TokenTrie(tokenizer: tokenizer)
        let buildSeconds = MonotonicClock.now() - start
        let schema = try JSONValue.parse(#"{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}"#)
        var matcher = GrammarMatcher(grammar: try Grammar.jsonSchema(schema))
        try matcher.accept(Array(#"{"name": "Ali"#.utf8))

        var mask: [Bool] = []
        var times: [Double] = []
        for _ in 0..<3 {
            start = MonotonicClock.now()
            matcher.allowedTokens(trie, into: &mask)
            times.append(MonotonicClock.now() - start)
        }
        // As in generation: each mask at a new position in the string, after one more token.
        var fresh: [Double] = []
        for _ in 0..<8 {
            var next = matcher
            try next.accept(Array("abc".utf8))
            start = MonotonicClock.now()
            next.allowedTokens(trie, into: &mask)
            fresh.append(MonotonicClock.now() - start)
            matcher = next
        }
        matcher.allowedTokens(trie, into: &mask)
        let allowed = mask.indices.filter { mask[$0] }
        print(String(format: "TokenTrie: %d tokens, %d nodes, built in %.1f ms; mask inside a JSON string: first %.2f ms, same position again %.2f ms, next positions %.2f ms (mean of 8); %d tokens allowed",
                     trie.vocabularySize, trie.nodeCount, buildSeconds * 1000, times[0] * 1000, times.dropFirst().min()! * 1000,
                     fresh.reduce(0, +) / Double(fresh.count) * 1000, allowed.count))
        XCTAssertGreaterThan(allowed.count, 30_000, "almost every token may appear inside a string")
        for id in mask.indices {
            let bytes = tokenizer.bytes(of: id)
            if bytes.contains(0x0A) || bytes.contains(0x09) { XCTAssertFalse(mask[id], "token \(id) holds a raw control character") }
            if tokenizer.vocabulary.endOfGeneration.contains(id) { XCTAssertFalse(mask[id], "the text is not complete") }
        }
        for id in stride(from: 0, to: mask.count, by: 7) {
            XCTAssertEqual(mask[id], matcher.allows(token: id, in: trie), "token \(id)")
        }
        // A token that closes the string and starts the next member is one step.
        if let close = tokenizer.vocabulary.id(ofBytes: Array("\",".utf8)) { XCTAssertTrue(mask[close]) }
    }
}
