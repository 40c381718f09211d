import XCTest
@testable import QuillEngine

/// JSONValue: strict parsing with byte offsets, compact serialization that reads back equal,
/// and the schema validator's messages and paths.
final class JSONValueGrammarTests: XCTestCase {
    func testParsesAndSerializesRoundTrip() throws {
        let text = #"{"b":[1,-2,3.5,1e-07,true,false,null],"a":{"nested":"q\"\\\/\n\t\u00e9\ud83d\ude00"},"":-0.0,"big":12345678901234567890}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value["b"], .array([.int(1), .int(-2), .double(3.5), .double(1e-7), .bool(true), .bool(false), .null]))
        XCTAssertEqual(value["a"]?["nested"], .string("q\"\\/\n\té😀"))
        XCTAssertEqual(value["big"], .double(12345678901234567890), "integers past Int become doubles")
        if case .object(let members) = value { XCTAssertEqual(members.map(\.key), ["b", "a", "", "big"], "keys keep their order") }
        XCTAssertEqual(try JSONValue.parse(value.serialized), value)
        XCTAssertEqual(JSONValue.string("a\u{1}\"").serialized, #""a\u0001\"""#)
        XCTAssertEqual(JSONValue.double(0.1).serialized, "0.1")
        XCTAssertEqual(JSONValue.double(.nan).serialized, "null")
        XCTAssertEqual(try JSONValue.parse(" [ 1 , { } ] \n"), .array([.int(1), .object([])]))
    }

    func testEqualityIsStructuralAndOrdered() {
        XCTAssertNotEqual(JSONValue.object([("a", .int(1)), ("b", .int(2))]), .object([("b", .int(2)), ("a", .int(1))]))
        XCTAssertNotEqual(JSONValue.int(1), .double(1))
        XCTAssertTrue(JSONSchemaValidator.same(.object([("a", .int(1)), ("b", .int(2))]), .object([("b", .double(2)), ("a", .int(1))])))
    }

    func testParseErrorsNameTheByteAndTheExpectation() {
        let cases: [(String, Int, String)] = [
            (#"{"a" 1}"#, 5, "expected ':' after the member name"),
            ("[1,]", 3, "expected a value"),
            ("01", 1, "leading zero"),
            ("[1 2]", 3, "expected ',' or ']'"),
            ("{\"a\":1,}", 7, "member name in double quotes"),
            ("\"tab\there\"", 4, "control character"),
            (#""\x""#, 1, #"invalid escape '\x'"#),
            (#""\ud800x""#, 1, "unpaired surrogate"),
            ("\"open", 0, "unterminated string"),
            ("1 2", 2, "expected the end of the text"),
            ("-", 1, "expected a digit after '-'"),
            ("1.", 2, "expected a digit after the decimal point"),
            ("nul", 0, "expected 'null'"),
            ("", 0, "expected a value"),
            (String(repeating: "[", count: 600), 512, "nesting deeper than 512"),
        ]
        for (text, offset, fragment) in cases {
            do {
                _ = try JSONValue.parse(text)
                XCTFail("parsed \(text)")
            } catch let error as JSONParseError {
                XCTAssertEqual(error.offset, offset, "\(text): \(error)")
                XCTAssertTrue(error.message.contains(fragment), "\(text): \(error)")
            } catch {
                XCTFail("\(error)")
            }
        }
    }

    func testValidatorReportsViolationsWithPaths() throws {
        let schema = JSONSchemaGrammarTests.personSchema
        let value = try JSONValue.parse(#"""
            {"name": "", "role": "root", "age": 130, "tags": ["a", "b", 5, "d"],
             "address": {"city": 7}, "score": "high", "extra key": true}
            """#)
        XCTAssertEqual(JSONSchemaValidator.validate(value, against: schema), [
            "$.name: string has 0 characters, fewer than minLength 1",
            #"$.role: "root" is not one of "admin", "user", "guest""#,
            "$.age: 130 is greater than the maximum 120",
            "$.tags: array has 4 items, more than maxItems 3",
            "$.tags[2]: expected a string, found an integer",
            "$.address: missing required property 'active'",
            "$.address.city: expected a string, found an integer",
            "$.score: expected a number or null, found a string",
        ])
        let strict = try JSONValue.parse(#"{"type":"object","properties":{"a":{"type":"integer","multipleOf":5}},"additionalProperties":false,"required":["a","b"]}"#)
        XCTAssertEqual(JSONSchemaValidator.validate(try JSONValue.parse(#"{"a": 12.0, "c d": 1}"#), against: strict), [
            "$: missing required property 'b'",
            "$.a: 12 is not a multiple of 5",
            #"$["c d"]: property not allowed (additionalProperties is false)"#,
        ])
        let combinators = try JSONValue.parse(#"{"oneOf":[{"type":"integer"},{"type":"number"}],"not":{"const":7}}"#)
        XCTAssertEqual(JSONSchemaValidator.validate(.int(3), against: combinators), ["$: matches 2 of the oneOf schemas, expected exactly 1"])
        XCTAssertEqual(JSONSchemaValidator.validate(.double(2.5), against: combinators), [])
        let pattern = try JSONValue.parse(#"{"type":"string","pattern":"^[a-z]+$"}"#)
        XCTAssertEqual(JSONSchemaValidator.validate(.string("abc"), against: pattern), [])
        XCTAssertEqual(JSONSchemaValidator.validate(.string("ab1"), against: pattern), [#"$: "ab1" does not match the pattern ^[a-z]+$"#])
        XCTAssertEqual(JSONSchemaValidator.validate(.double(4.0), against: .object([("type", .string("integer"))])), [], "4.0 is an integer")
    }
}
