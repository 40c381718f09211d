import Foundation
import Synchronization
import XCTest
@testable import QuillEngine

/// The matcher on byte strings: prefixes, rejections, split characters, tokens that span
/// rules, completion, copies, and the mask against one-token checks.
final class MatcherGrammarTests: XCTestCase {
    func testAcceptsByteByByteAndRejectsAtTheRightByte() throws {
        let grammar = try Grammar(gbnf: #"root ::= "id:" [0-9]{1,3} ("," [0-9]{1,3})*"#)
        let good = Array("id:12,345,6".utf8)
        var matcher = GrammarMatcher(grammar: grammar)
        for (i, byte) in good.enumerated() {
            XCTAssertTrue(matcher.allows([byte]), "byte \(i)")
            try matcher.accept([byte])
        }
        XCTAssertTrue(matcher.isComplete)
        XCTAssertTrue(matcher.canContinue)

        let bad = Array("id:12,3456".utf8)
        var other = GrammarMatcher(grammar: grammar)
        let firstRejected = bad.indices.first { i in
            defer { try? other.accept([bad[i]]) }
            return !other.allows([bad[i]])
        }
        XCTAssertEqual(firstRejected, 9, "the fourth digit after the comma")

        var whole = GrammarMatcher(grammar: grammar)
        XCTAssertThrowsError(try whole.accept(bad)) { error in
            XCTAssertEqual(error as? GrammarError, GrammarError(.input(offset: 9), "the grammar does not allow byte 0x36 ('6') here"))
        }
        XCTAssertEqual(whole.acceptedByteCount, 0, "a rejected token leaves the matcher as it was")
        XCTAssertTrue(whole.allows(Array("id:1".utf8)))
    }

    func testCharacterSplitAcrossTokens() throws {
        let grammar = try Grammar(gbnf: #"root ::= "caf" [é-ë] " " [一-龥]+"#)
        var matcher = GrammarMatcher(grammar: grammar)
        try matcher.accept(Array("caf".utf8) + [0xC3])  // "é" is C3 A9: the token ends inside it
        XCTAssertFalse(matcher.isComplete)
        XCTAssertTrue(matcher.canContinue)
        XCTAssertFalse(matcher.allows([0xA8]), "è (C3 A8) is outside [é-ë]")
        XCTAssertFalse(matcher.allows(Array("x".utf8)), "an unfinished character cannot be followed by ASCII")
        try matcher.accept([0xA9, 0x20])
        // 中 is E4 B8 AD, in three tokens.
        for piece in [[UInt8(0xE4)], [0xB8], [0xAD]] {
            XCTAssertFalse(matcher.isComplete)
            try matcher.accept(piece)
        }
        XCTAssertTrue(matcher.isComplete)
        XCTAssertTrue(matcher.allows([0xE4, 0xB8, 0x80]), "一 (U+4E00) is the class's first member")
        XCTAssertFalse(matcher.allows([0xE3, 0x81, 0x82]), "あ (U+3042) is outside it")
        XCTAssertFalse(matcher.allows([0xE3]), "no member starts with E3: rejected at the first byte")
    }

    func testInvalidUTF8IsNeverAllowed() throws {
        let grammar = try Grammar(gbnf: "root ::= .*")
        let matcher = GrammarMatcher(grammar: grammar)
        XCTAssertTrue(matcher.allows(Array("any text, ünïcödé, 😀".utf8)))
        XCTAssertFalse(matcher.allows([0xC0, 0x80]), "overlong NUL")
        XCTAssertFalse(matcher.allows([0xE0, 0x80]), "overlong three-byte start")
        XCTAssertFalse(matcher.allows([0xED, 0xA0, 0x80]), "a surrogate")
        XCTAssertFalse(matcher.allows([0xF4, 0x90]), "past U+10FFFF")
        XCTAssertFalse(matcher.allows([0x80]), "a continuation byte with no lead")
        XCTAssertFalse(matcher.allows([0xC3, 0x41]), "a lead byte followed by ASCII")
        XCTAssertTrue(matcher.allows([0xF0, 0x9F]), "a valid start of a four-byte character")
    }

    func testTokensSpanningRulesAndSchemaKeys() throws {
        let grammar = try Grammar.jsonSchema(.object([("type", .string("object")), ("properties", .object([
            ("a", .object([("type", .string("integer"))])),
        ])), ("required", .array([.string("a")]))]))
        var matcher = GrammarMatcher(grammar: grammar)
        XCTAssertFalse(matcher.allows(Array("{\"b".utf8)))
        try matcher.accept(Array("{\"a".utf8))
        try matcher.accept(Array("\": 4".utf8))
        XCTAssertFalse(matcher.isComplete)
        XCTAssertTrue(matcher.allows(Array("2}".utf8)))
        try matcher.accept(Array("2}".utf8))
        XCTAssertTrue(matcher.isComplete)
        XCTAssertFalse(matcher.canContinue)
    }

    func testCompleteButContinuableAndCopiesAreIndependent() throws {
        let grammar = try Grammar.choices(["yes", "yes please", "no"])
        var a = GrammarMatcher(grammar: grammar)
        try a.accept("yes")
        XCTAssertTrue(a.isComplete)
        XCTAssertTrue(a.canContinue)
        var b = a
        try b.accept(" please")
        XCTAssertTrue(b.isComplete)
        XCTAssertFalse(b.canContinue)
        XCTAssertTrue(a.allows(Array(" p".utf8)), "the copy's progress does not move the original")
        XCTAssertEqual(a.acceptedByteCount, 3)
    }

    func testMaskAgreesWithAllowsAtManyStates() throws {
        let schema = try JSONValue.parse(#"{"type":"object","properties":{"name":{"type":"string","maxLength":6},"n":{"type":"integer","minimum":0,"maximum":120},"tags":{"type":"array","items":{"type":"string"}}},"required":["name"]}"#)
        let grammars = [try Grammar.jsonSchema(schema), try Grammar(gbnf: GBNFGrammarTests.jsonGrammar),
                        try Grammar.regex(#"[A-Z]{3}-\d{4}"#), try Grammar(gbnf: #"root ::= "caf" [é-ë] [一-龥]+"#)]
        let trie = SyntheticVocabulary.trie
        var rng = SeededRandom(seed: 7)
        var checkedStates = 0
        for grammar in grammars {
            for _ in 0..<4 {
                var matcher = GrammarMatcher(grammar: grammar)
                var mask: [Bool] = []
                for _ in 0..<40 {
                    matcher.allowedTokens(trie, into: &mask)
                    for id in 0..<trie.vocabularySize {
                        XCTAssertEqual(mask[id], matcher.allows(token: id, in: trie), "token \(id) \(SyntheticVocabulary.pieces.indices.contains(id) ? String(decoding: SyntheticVocabulary.pieces[id], as: UTF8.self) : "EOG")")
                        if id < SyntheticVocabulary.pieces.count {
                            XCTAssertEqual(mask[id], matcher.allows(SyntheticVocabulary.pieces[id]))
                        }
                    }
                    XCTAssertEqual(mask[SyntheticVocabulary.endOfGeneration], matcher.isComplete)
                    checkedStates += 1
                    let allowed = (0..<SyntheticVocabulary.pieces.count).filter { mask[$0] }
                    guard let pick = allowed.randomElement(using: &rng) else { break }
                    try matcher.accept(SyntheticVocabulary.pieces[pick])
                }
            }
        }
        XCTAssertGreaterThan(checkedStates, 100)
    }

    func testOneGrammarMatchedFromSeveralThreads() throws {
        let grammar = try Grammar.jsonSchema(JSONSchemaGrammarTests.personSchema)
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var rng = SeededRandom(seed: UInt64(100 + i))
            for _ in 0..<5 {
                let text = GrammarWalk.run(grammar, rng: &rng).text
                results.withLock { $0.append(text) }
            }
        }
        let texts = results.withLock { $0 }
        XCTAssertEqual(texts.count, 40)
        for text in texts {
            let value = try JSONValue.parse(text)
            XCTAssertEqual(JSONSchemaValidator.validate(value, against: JSONSchemaGrammarTests.personSchema), [], text)
        }
    }

    func testAutomatonSharesStatesAcrossMatchersOfOneGrammar() throws {
        let grammar = try Grammar.regex("[a-z]{1,40}")
        var mask: [Bool] = []
        var first = GrammarMatcher(grammar: grammar)
        try first.accept("abc")
        first.allowedTokens(SyntheticVocabulary.trie, into: &mask)
        let before = grammar.automaton.statistics
        var second = GrammarMatcher(grammar: grammar)
        try second.accept("xyz")
        second.allowedTokens(SyntheticVocabulary.trie, into: &mask)
        XCTAssertEqual(grammar.automaton.statistics.states, before.states, "the same positions reuse the same states")
        XCTAssertEqual(mask.filter { $0 }.count, mask.indices.filter { second.allows(token: $0, in: SyntheticVocabulary.trie) }.count)
    }
}
