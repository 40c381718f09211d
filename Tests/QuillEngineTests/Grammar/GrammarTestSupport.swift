import XCTest
@testable import QuillEngine

/// A small deterministic random source (SplitMix64), so a failing walk can be replayed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A synthetic vocabulary shaped like a BPE tokenizer's: every single byte (so any text can
/// be spelled), a few hundred multi-byte pieces that span JSON punctuation, words, digits and
/// spaces, some non-ASCII pieces, and one end-of-generation token with no text.
enum SyntheticVocabulary {
    static let pieces: [[UInt8]] = {
        var out: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var text: [String] = ["{\"", "\":", "\": ", "\", \"", "\",\"", "\"}", "\"]", "\"}}", "}}", "]}", "[\"", "[{\"",
                              ", ", ",", ": ", "  ", "   ", " \"", "\"", "{", "}", "[", "]", "{}", "[]", "\\\"", "\\n", "\\u00e9",
                              "\\", "\\u", "true", "false", "null", "tr", "ue", "fal", "se", "nu", "ll", "-", "-1", ".5", "e+",
                              "\n", "\t", " \n", "\r\n"]
        text += ["name", "age", "tags", "address", "city", "zip", "active", "role", "admin", "user", "guest", "Ali", "ce",
                 "Bob", " the", " of", "hello", " world", "ABC", "XYZ", "Q", "-12", "34", "5678", "AB", "CD-", "-99"]
        text += (0..<100).map(String.init) + ["000", "120", "121", "999", "1000", "07"]
        text += ["é", "ü", "中", "文", "😀", "日本", " café", "naïve"]
        out += text.map { Array($0.utf8) }
        out += [[0xC3], [0xA9], [0xE4], [0xB8], [0xAD], [0xE4, 0xB8], [0xF0, 0x9F], [0x98, 0x80]]  // character fragments
        return out
    }()

    /// Token ids: `pieces` in order, then the end-of-generation token.
    static let endOfGeneration = pieces.count
    static let trie = TokenTrie(tokens: pieces + [[]], endOfGeneration: [endOfGeneration])
}

/// Random generation under a grammar over the synthetic vocabulary: what a sampler with a
/// mask would do, with token weights standing in for a model's preferences.
enum GrammarWalk {
    struct Result {
        var bytes: [UInt8]
        var complete: Bool
        var steps: Int
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Picks allowed tokens (weighted by `weight`) until the grammar cannot continue, or it is
    /// complete and a coin says stop, or `maxSteps` pass.
    static func run(_ grammar: Grammar, rng: inout SeededRandom, maxSteps: Int = 20_000,
                    weight: (Int) -> Double = defaultWeight) -> Result {
        var matcher = GrammarMatcher(grammar: grammar)
        var mask: [Bool] = []
        var bytes: [UInt8] = []
        var steps = 0
        while steps < maxSteps {
            if matcher.isComplete && (!matcher.canContinue || Double.random(in: 0..<1, using: &rng) < 0.3) { break }
            matcher.allowedTokens(SyntheticVocabulary.trie, into: &mask)
            let allowed = mask.indices.filter { mask[$0] && $0 != SyntheticVocabulary.endOfGeneration }
            guard !allowed.isEmpty else { break }
            let weights = allowed.map(weight)
            var pick = Double.random(in: 0..<weights.reduce(0, +), using: &rng)
            var chosen = allowed.last!
            for (id, w) in zip(allowed, weights) {
                if pick < w { chosen = id; break }
                pick -= w
            }
            let token = SyntheticVocabulary.pieces[chosen]
            try! matcher.accept(token)
            bytes += token
            steps += 1
        }
        return Result(bytes: bytes, complete: matcher.isComplete, steps: steps)
    }

    /// Structural pieces are likelier, so strings and arrays end in a few dozen steps.
    static func defaultWeight(_ id: Int) -> Double {
        let piece = SyntheticVocabulary.pieces[id]
        return piece.contains(where: { "\"{}[],:".utf8.contains($0) }) ? 25 : 1
    }
}

/// Whether `grammar` takes all of `text` and is complete after it.
func grammarMatches(_ grammar: Grammar, _ text: String) -> Bool {
    var matcher = GrammarMatcher(grammar: grammar)
    guard (try? matcher.accept(text)) != nil else { return false }
    return matcher.isComplete
}

/// The `GrammarError` `body` throws (fails the test when it throws something else or nothing).
func grammarError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> GrammarError? {
    do {
        _ = try body()
        XCTFail("expected a GrammarError", file: file, line: line)
    } catch let error as GrammarError {
        return error
    } catch {
        XCTFail("expected a GrammarError, got \(error)", file: file, line: line)
    }
    return nil
}
