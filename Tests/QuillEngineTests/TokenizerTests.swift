import XCTest
@testable import QuillEngine

/// Exact agreement with llama.cpp's tokenizer on a varied corpus (English, code, numbers,
/// whitespace runs, emoji, CJK, special-token text), for the three tokenizer families the
/// real models use. Fixtures: `Fixtures/tokenizer/*.jsonl`, ids printed by llama.cpp; the
/// tokenizers come from the real model files in the local store (pulled on first use).
final class TokenizerTests: XCTestCase {
    static let catalogNames = ["gemma3": "gemma3-270m", "qwen2": "qwen2.5-coder-0.5b"]
    nonisolated(unsafe) private static var loaded: [String: Tokenizer] = [:]

    /// Each model's tokenizer, built once per run (the Gemma and Qwen vocabularies are large).
    private func tokenizer(_ name: String) throws -> Tokenizer {
        if let t = Self.loaded[name] { return t }
        let path = name == "smollm2" ? try TestModels.smolLM2Path() : try TestModels.catalogModel(Self.catalogNames[name]!)
        let t = try Tokenizer(file: try GGUFFile(path: path))
        Self.loaded[name] = t
        return t
    }

    /// Compares every corpus line, with special-token parsing on and off, and reports each mismatch.
    private func checkCorpus(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tok = try tokenizer(name)
        XCTAssertNil(tok.warning, file: file, line: line)
        let corpus = try TestModels.jsonLines("tokenizer/\(name).jsonl")
        XCTAssertGreaterThan(corpus.count, 50)
        var mismatches: [String] = []
        for entry in corpus {
            let text = try XCTUnwrap(entry["text"] as? String)
            for (key, parse) in [("ids", true), ("ids_nospecial", false)] {
                let expected = try XCTUnwrap(entry[key] as? [Int])
                let got = tok.encode(text, addSpecial: true, parseSpecial: parse)
                if got != expected { mismatches.append("\(key) \(text.debugDescription):\n  llama.cpp \(expected)\n  quill     \(got)") }
            }
        }
        XCTAssert(mismatches.isEmpty, "\(name): \(mismatches.count) mismatches\n" + mismatches.prefix(8).joined(separator: "\n"), file: file, line: line)
    }

    func testSmolLM2ByteLevelBPEWithSmolLMPreTokenizer() throws {
        try checkCorpus("smollm2")
        XCTAssertEqual(try tokenizer("smollm2").model, .bytePairEncoding(.smollm))
    }

    func testQwen2ByteLevelBPEWithQwen2PreTokenizer() throws {
        try checkCorpus("qwen2")
        XCTAssertEqual(try tokenizer("qwen2").model, .bytePairEncoding(.qwen2))
    }

    func testGemma3SentencePieceWithByteFallback() throws {
        try checkCorpus("gemma3")
        XCTAssertEqual(try tokenizer("gemma3").model, .sentencePiece)
    }

    /// Decoding gives back the text (for text without special tokens), on every corpus line.
    func testDecodeRoundTrips() throws {
        for name in ["smollm2", "qwen2", "gemma3"] {
            let tok = try tokenizer(name)
            for entry in try TestModels.jsonLines("tokenizer/\(name).jsonl") {
                let text = entry["text"] as! String
                let ids = tok.encode(text, addSpecial: false, parseSpecial: false)
                XCTAssertEqual(tok.decode(ids), text, "\(name): \(text.debugDescription)")
            }
        }
    }

    /// Streaming the tokens of emoji and CJK text one at a time never yields a broken character.
    func testStreamedPiecesAreWholeCharacters() throws {
        let tok = try tokenizer("gemma3")
        let text = "Emoji 👩‍👩‍👧‍👦 and 漢字 and 🇯🇵!"
        var decoder = TokenStreamDecoder(tokenizer: tok)
        var joined = ""
        for id in tok.encode(text, addSpecial: false) {
            let piece = decoder.append(id)
            XCTAssertFalse(piece.contains("\u{FFFD}"), "a piece split a character: \(piece.debugDescription)")
            joined += piece
        }
        joined += decoder.flush()
        XCTAssertEqual(joined, text)
    }

    func testSpecialTokensAndEndOfGeneration() throws {
        let tok = try tokenizer("smollm2")
        XCTAssertEqual(tok.encode("<|im_start|>", addSpecial: false), [1])
        XCTAssertEqual(tok.decode([1]), "", "control tokens are not rendered as text by default")
        XCTAssertEqual(tok.decode([1], renderSpecial: true), "<|im_start|>")
        XCTAssertTrue(tok.vocabulary.endOfGeneration.contains(2), "<|im_end|> ends a chat turn")
        XCTAssertFalse(tok.vocabulary.addBOS)
        XCTAssertTrue(try tokenizer("gemma3").vocabulary.addBOS)
    }

    func testPreTokenizerSplits() {
        XCTAssertEqual(PreTokenizer(style: .gpt2).split("Hello  world's 123!!\n\nok"),
                       ["Hello", " ", " world", "'s", " 123", "!!", "\n", "\n", "ok"])
        XCTAssertEqual(PreTokenizer(style: .smollm).split("in 2024, x"), ["in", " ", "2", "0", "2", "4", ",", " x"])
        XCTAssertEqual(PreTokenizer(style: .llama3).split("I'LL pay 12345 now\n\n  x"),
                       ["I", "'LL", " pay", " ", "123", "45", " now", "\n\n", " ", " x"])
        XCTAssertEqual(PreTokenizer(style: .qwen2).split("v1.25"), ["v", "1", ".", "2", "5"])
        XCTAssertEqual(PreTokenizer(style: .defaultBPE).split("Hello, world! 12345 a+b"),
                       ["Hello", ",", " world", "!", " ", "123", "45", " a", "+", "b"])
        XCTAssertEqual(PreTokenizer.style(forPre: "gpt-2").style, .gpt2)
        XCTAssertEqual(PreTokenizer.style(forPre: "llama-bpe").style, .llama3)
        XCTAssertFalse(PreTokenizer.style(forPre: "something-new").known)
    }
}
