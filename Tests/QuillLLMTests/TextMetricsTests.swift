import QuillEngine
import QuillLLM
import XCTest

/// The string metrics of evaluations, on cases worked out by hand (SQuAD's own examples for
/// token F1 and normalisation).
final class TextMetricsTests: XCTestCase {
    func testExactMatchWithNormalisation() {
        XCTAssertTrue(TextMetrics.exactMatch("  Paris \n", "Paris"))
        XCTAssertFalse(TextMetrics.exactMatch("paris", "Paris"))
        XCTAssertTrue(TextMetrics.exactMatch("paris", "Paris", [.caseInsensitive]))
        XCTAssertTrue(TextMetrics.exactMatch("The Eiffel Tower!", "eiffel tower", .squad))
        XCTAssertEqual(TextMetrics.normalize("A cat, an owl — and THE dog.", .squad), "cat owl and dog")
    }

    func testContainsFamily() {
        XCTAssertTrue(TextMetrics.contains("label: billing", "billing"))
        XCTAssertFalse(TextMetrics.contains("Billing", "billing"))
        XCTAssertTrue(TextMetrics.contains("Billing", "billing", caseInsensitive: true))
        XCTAssertTrue(TextMetrics.containsAny("technical issue", ["billing", "technical"]))
        XCTAssertFalse(TextMetrics.containsAll("technical issue", ["billing", "technical"]))
        XCTAssertTrue(TextMetrics.startsWith("Yes, it is.", "yes", caseInsensitive: true))
    }

    func testTokenF1() {
        XCTAssertEqual(TextMetrics.tokenF1("the cat sat", "a cat sat down"), 0.8, accuracy: 1e-12)  // 2 of 2 vs 2 of 3
        XCTAssertEqual(TextMetrics.tokenF1("", ""), 1)
        XCTAssertEqual(TextMetrics.tokenF1("", "x"), 0)
        XCTAssertEqual(TextMetrics.tokenF1("x x y", "x y y"), 2.0 / 3.0, accuracy: 1e-12)
    }

    func testLevenshtein() {
        XCTAssertEqual(TextMetrics.levenshtein("kitten", "sitting"), 3)
        XCTAssertEqual(TextMetrics.levenshteinSimilarity("kitten", "sitting"), 1 - 3.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(TextMetrics.levenshteinSimilarity("", ""), 1)
        XCTAssertEqual(TextMetrics.levenshtein("café", "cafe"), 1)
    }

    func testNumbersAndJSON() {
        XCTAssertEqual(TextMetrics.firstNumber(in: "about 1,200.5 units"), 1200.5)
        XCTAssertEqual(TextMetrics.firstNumber(in: "it is -3e2 degrees"), -300)
        XCTAssertNil(TextMetrics.firstNumber(in: "no digits here."))
        XCTAssertTrue(TextMetrics.numericClose("The answer is 42.", 42))
        XCTAssertTrue(TextMetrics.numericClose("about 101", 100, relative: 0.02))
        XCTAssertFalse(TextMetrics.numericClose("about 103", 100, relative: 0.02))
        XCTAssertTrue(TextMetrics.jsonValid("{\"a\": [1, 2]}"))
        XCTAssertFalse(TextMetrics.jsonValid("{a: 1}"))
        let schema = try! JSONValue.parse(#"{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}"#)
        XCTAssertEqual(TextMetrics.schemaProblems("{\"n\": 3}", schema: schema), [])
        XCTAssertFalse(TextMetrics.schemaProblems("{\"n\": \"3\"}", schema: schema).isEmpty)
        XCTAssertEqual(TextMetrics.schemaProblems("nope", schema: schema), ["not valid JSON"])
    }
}
