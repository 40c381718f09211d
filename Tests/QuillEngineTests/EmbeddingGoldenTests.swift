import XCTest
@testable import QuillEngine

/// `Transformer.embedding(of:)` against llama.cpp's mean-pooled, L2-normalized embeddings of
/// the same texts on the same SmolLM2 file (`Fixtures/embeddings/`, made by its generate.sh).
final class EmbeddingGoldenTests: XCTestCase {
    func testMeanPooledEmbeddingsMatchLlamaCpp() throws {
        let model = try TestModels.sharedSmolLM2()
        let entries = try TestModels.jsonLines("embeddings/smollm2-q4_1.jsonl")
        XCTAssertEqual(entries.count, 5)
        for entry in entries {
            let text = try XCTUnwrap(entry["text"] as? String)
            let golden = try XCTUnwrap(entry["embedding"] as? [Double]).map(Float.init)
            // llama.cpp tokenizes with its special-token handling on; these texts hold no special-token text.
            let vector = try model.transformer.embedding(of: model.tokenizer.encode(text, addSpecial: true, parseSpecial: true))
            XCTAssertEqual(vector.count, golden.count, text)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-4, "unit length: \(text)")
            let cosine = zip(vector, golden).reduce(0) { $0 + $1.0 * $1.1 } / (norm * golden.reduce(0) { $0 + $1 * $1 }.squareRoot())
            print("embedding vs llama.cpp: cosine \(cosine) for \(text.prefix(40))")
            XCTAssertGreaterThanOrEqual(cosine, 0.999, text)
        }
    }

    /// The same text embeds the same in one pass or cut into passes, and different texts differ.
    func testEmbeddingIsIndependentOfPassSizeAndSeparatesTexts() throws {
        let model = try TestModels.sharedSmolLM2()
        let long = String(repeating: "Mean pooling reads every token of a long input. ", count: 40)
        let tokens = model.tokenizer.encode(long, addSpecial: true, parseSpecial: false)
        XCTAssertGreaterThan(tokens.count, model.transformer.maxBatch, "the input must take more than one pass")
        let whole = try model.transformer.embedding(of: tokens)
        let small = try Transformer(file: model.file, maxBatch: 64).embedding(of: tokens)
        let agreement = zip(whole, small).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertGreaterThan(agreement, 0.9999)
        let other = try model.transformer.embedding(of: model.tokenizer.encode("Paris is in France.", addSpecial: true, parseSpecial: false))
        XCTAssertLessThan(zip(whole, other).reduce(0) { $0 + $1.0 * $1.1 }, 0.99)
        XCTAssertThrowsError(try model.transformer.embedding(of: [])) { error in
            XCTAssertTrue("\(error)".contains("empty"), "\(error)")
        }
    }
}
