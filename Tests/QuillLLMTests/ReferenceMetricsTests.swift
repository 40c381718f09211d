import Foundation
import QuillEngine
import QuillLLM
import XCTest

/// BLEU and ROUGE against the reference implementations: `Tests/Fixtures/eval/reference.json`
/// holds sacrebleu's and rouge-score's results on a fixed corpus (regenerate with
/// `Tests/Fixtures/eval/make_reference.py`); Quill's must agree to 1e-6.
final class ReferenceMetricsTests: XCTestCase {
    static let fixture: JSONValue = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/eval/reference.json").standardized.path
        return try! JSONValue.parse(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self))
    }()

    var pairs: [JSONValue] { Self.fixture["pairs"]!.arrayValue! }

    func testTokenizer13aMatchesSacrebleu() {
        for pair in pairs {
            XCTAssertEqual(Tokenizer13a.tokenize(pair["hypothesis"]!.stringValue!), pair["tokens_13a"]!.stringValue!)
        }
    }

    func testSentenceAndCorpusBLEUMatchSacrebleu() {
        for smoothing in BLEU.Smoothing.allCases {
            for pair in pairs {
                let expected = pair["sentence_bleu"]![smoothing.rawValue]!.numberValue!
                let actual = BLEU.sentence(pair["hypothesis"]!.stringValue!, pair["reference"]!.stringValue!, smoothing: smoothing)
                XCTAssertEqual(actual, expected, accuracy: 1e-6, "\(smoothing) \(pair["hypothesis"]!)")
            }
            let corpus = BLEU.corpus(pairs.map { $0["hypothesis"]!.stringValue! }, pairs.map { $0["reference"]!.stringValue! },
                                     smoothing: smoothing)
            XCTAssertEqual(corpus, Self.fixture["corpus_bleu"]![smoothing.rawValue]!.numberValue!, accuracy: 1e-6, "\(smoothing)")
        }
    }

    func testROUGEMatchesRougeScore() {
        for pair in pairs {
            let h = pair["hypothesis"]!.stringValue!, r = pair["reference"]!.stringValue!
            let scores = ["rouge1": ROUGE.n(1, prediction: h, reference: r), "rouge2": ROUGE.n(2, prediction: h, reference: r),
                          "rougeL": ROUGE.l(prediction: h, reference: r)]
            for (name, score) in scores {
                let expected = pair["rouge"]![name]!
                XCTAssertEqual(score.precision, expected["precision"]!.numberValue!, accuracy: 1e-6, "\(name) \(h)")
                XCTAssertEqual(score.recall, expected["recall"]!.numberValue!, accuracy: 1e-6, "\(name) \(h)")
                XCTAssertEqual(score.fmeasure, expected["fmeasure"]!.numberValue!, accuracy: 1e-6, "\(name) \(h)")
            }
        }
    }
}
