import XCTest
@testable import QuillEngine

/// JSON Schema grammars: random generation always yields valid, compact, bounded JSON;
/// integer ranges are exact; errors name the schema path.
final class JSONSchemaGrammarTests: XCTestCase {
    static let personSchema = try! JSONValue.parse(#"""
    {"type": "object",
     "properties": {
       "name": {"type": "string", "minLength": 1, "maxLength": 20},
       "role": {"enum": ["admin", "user", "guest"]},
       "age": {"type": "integer", "minimum": 0, "maximum": 120},
       "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
       "address": {"type": "object",
                   "properties": {"city": {"type": "string"}, "active": {"type": "boolean"}},
                   "required": ["active"]},
       "score": {"type": ["number", "null"]}
     },
     "required": ["name", "role", "age", "tags"]}
    """#)

    func testRandomWalksProduceValidCompactJSON() throws {
        let grammar = try Grammar.jsonSchema(Self.personSchema)
        var rng = SeededRandom(seed: 2024)
        var sawOptional = Set<String>(), sawMissing = Set<String>()
        for walk in 0..<60 {
            let result = GrammarWalk.run(grammar, rng: &rng)
            XCTAssertTrue(result.complete, "walk \(walk) did not finish: \(result.text)")
            let value: JSONValue
            do { value = try JSONValue.parse(result.text) } catch {
                XCTFail("walk \(walk): \(error): \(result.text)")
                continue
            }
            XCTAssertEqual(JSONSchemaValidator.validate(value, against: Self.personSchema), [], result.text)
            assertCompact(result.bytes)
            for key in ["address", "score"] {
                if value[key] != nil { sawOptional.insert(key) } else { sawMissing.insert(key) }
            }
            XCTAssertLessThanOrEqual(value["address"]?["city"]?.stringValue?.unicodeScalars.count ?? 0, 512)
        }
        XCTAssertEqual(sawOptional, ["address", "score"], "optional members are sometimes written")
        XCTAssertEqual(sawMissing, ["address", "score"], "and sometimes left out")
    }

    func testAWalkThatPrefersSpacesStillEnds() throws {
        let grammar = try Grammar.jsonSchema(Self.personSchema)
        var rng = SeededRandom(seed: 5)
        let spaces = Set(SyntheticVocabulary.pieces.indices.filter { id in
            let piece = SyntheticVocabulary.pieces[id]
            return piece.contains(0x20) || piece.contains(0x0A) || piece.contains(0x09)
        })
        let result = GrammarWalk.run(grammar, rng: &rng, maxSteps: 10_000) { spaces.contains($0) ? 1_000_000 : 1 }
        XCTAssertTrue(result.complete, result.text)
        XCTAssertLessThan(result.steps, 3_000, "whitespace and string lengths are bounded")
        assertCompact(result.bytes)
        let value = try JSONValue.parse(result.text)
        XCTAssertEqual(JSONSchemaValidator.validate(value, against: Self.personSchema), [])
    }

    func testStringLengthsAreCapped() throws {
        let unbounded = try Grammar.jsonSchema(.object([("type", .string("string"))]))
        var matcher = GrammarMatcher(grammar: unbounded)
        try matcher.accept("\"" + String(repeating: "x", count: 512))
        XCTAssertFalse(matcher.allows(Array("x".utf8)), "the default cap is 512 characters")
        XCTAssertTrue(matcher.allows(Array("\"".utf8)))

        let short = try Grammar.jsonSchema(try JSONValue.parse(#"{"type":"string","minLength":2,"maxLength":3}"#))
        XCTAssertEqual(["\"a\"", "\"ab\"", "\"a\\n\"", "\"abc\"", "\"abcd\"", "\"é中\""].map { grammarMatches(short, $0) },
                       [false, true, true, true, false, true], "an escape or a multi-byte character is one character")
        let raw = try Grammar.jsonSchema(.object([("type", .string("string"))]))
        XCTAssertFalse(grammarMatches(raw, "\"a\nb\""), "raw control characters are excluded")
        XCTAssertTrue(grammarMatches(raw, #""\b\f\n\r\t\"\\\/é""#), "short escapes, other characters as themselves")
        XCTAssertFalse(grammarMatches(raw, #""\u001f""#), "no \\u escapes: a model can loop on them past max_tokens")
        XCTAssertFalse(grammarMatches(raw, #""\u00e9""#))
        XCTAssertFalse(grammarMatches(raw, #""\u0042""#))
        XCTAssertFalse(grammarMatches(raw, #""\ud800""#), "no surrogate escapes, so the output always decodes")
    }

    func testIntegerRangesAreExact() throws {
        for (low, high) in [(0, 120), (1, 5), (-50, 50), (100, 999), (37, 4321), (-1000, -7), (0, 0)] {
            let schema = JSONValue.object([("type", .string("integer")), ("minimum", .int(low)), ("maximum", .int(high))])
            let grammar = try Grammar.jsonSchema(schema)
            let accepted = ((low - 150)...(high + 150)).filter { grammarMatches(grammar, String($0)) }
            XCTAssertEqual(accepted, Array(low...high), "\(low)...\(high)")
            for text in ["-0", "007", "+5", "1.0", "1e2"] where grammarMatches(grammar, text) {
                XCTFail("\(low)...\(high) accepted \(text)")
            }
        }
        let exclusive = try Grammar.jsonSchema(try JSONValue.parse(#"{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}"#))
        XCTAssertEqual((-3...13).filter { grammarMatches(exclusive, String($0)) }, Array(1...9))
        let unbounded = try Grammar.jsonSchema(.object([("type", .string("integer"))]))
        XCTAssertTrue(grammarMatches(unbounded, "-999999999999999"))
        XCTAssertFalse(grammarMatches(unbounded, "1000000000000000"), "at most 15 digits")
    }

    func testNumbersBooleansNullEnumConstAndAnyOf() throws {
        let number = try Grammar.jsonSchema(.object([("type", .string("number"))]))
        for text in ["0", "-0.5", "3.14159", "1e10", "-2.5E-3", "12"] { XCTAssertTrue(grammarMatches(number, text), text) }
        for text in ["01", ".5", "1.", "1e", "1.12345678901", "NaN"] { XCTAssertFalse(grammarMatches(number, text), text) }
        let bounded = try Grammar.jsonSchema(try JSONValue.parse(#"{"type":"number","minimum":-1.5,"maximum":2}"#))
        for text in ["-1.5", "-1", "0", "2", "1.75", "-0.25"] { XCTAssertTrue(grammarMatches(bounded, text), text) }
        for text in ["3", "-2", "10", "2e0"] { XCTAssertFalse(grammarMatches(bounded, text), text) }

        let mixed = try Grammar.jsonSchema(try JSONValue.parse(#"""
            {"anyOf": [{"const": {"k": [1, "two"]}}, {"type": "boolean"}, {"enum": [null, 3.5, "x\"y"]}]}
            """#))
        for text in [#"{"k":[1,"two"]}"#, "true", "false", "null", "3.5", #""x\"y""#] { XCTAssertTrue(grammarMatches(mixed, text), text) }
        for text in [#"{"k": [1, "two"]}"#, "3", #""xy""#] { XCTAssertFalse(grammarMatches(mixed, text), text) }
    }

    func testObjectsArraysPatternsAndReferences() throws {
        let schema = try JSONValue.parse(##"""
            {"$defs": {"code": {"type": "string", "pattern": "^[A-Z]{2}\\d$"},
                       "node": {"type": "object", "properties": {"v": {"type": "integer"},
                                "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}}, "required": ["v", "next"]}},
             "type": "object",
             "properties": {"codes": {"type": "array", "items": {"$ref": "#/$defs/code"}, "maxItems": 2},
                            "list": {"$ref": "#/$defs/node"},
                            "extra": {"type": "object", "additionalProperties": {"type": "integer"}}},
             "required": ["codes"]}
            """##)
        let grammar = try Grammar.jsonSchema(schema)
        for text in [#"{"codes":[]}"#, #"{"codes": ["AB1", "XY9"]}"#, #"{"codes":["AB1"],"list":{"v":1,"next":{"v":2,"next":null}}}"#,
                     #"{"codes":[],"extra":{"a":1, "b c":2}}"#, #"{"codes":[],"extra":{}}"#] {
            XCTAssertTrue(grammarMatches(grammar, text), text)
            XCTAssertEqual(JSONSchemaValidator.validate(try JSONValue.parse(text), against: schema), [], text)
        }
        for text in [#"{"codes":["AB1","XY9","CD0"]}"#, #"{"codes":["ab1"]}"#, #"{"list":{"v":1,"next":null}}"#,
                     #"{"codes":[] }"#, #"{ "codes":[]}"#, #"{"codes":[],"other":1}"#, #"{"codes":[],  "extra":{}}"#,
                     #"{"extra":{},"codes":[]}"#] {
            XCTAssertFalse(grammarMatches(grammar, text), text)
        }
    }

    func testSchemaErrorsNameTheirPath() {
        func check(_ json: String, _ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            guard let error = grammarError({ try Grammar.jsonSchema(try JSONValue.parse(json)) }, file: file, line: line) else { return }
            XCTAssertEqual(error.location, .schema(path: path), error.description, file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), error.description, file: file, line: line)
        }
        check(#"{"type":"object","properties":{"age":{"type":"integer","minimum":"zero"}}}"#, "properties.age.minimum", "expected a number")
        check(#"{"type":"strin"}"#, "type", "unknown type 'strin'")
        check(#"{"type":"string","minLength":5,"maxLength":2}"#, "maxLength", "less than minLength")
        check(#"{"type":"array","items":{"type":"string","pattern":"[a-"}}"#, "items.pattern", "column 1: unterminated character class")
        check(#"{"enum":[]}"#, "enum", "non-empty array")
        check(#"{"anyOf":[{"type":"string"},{"not":{"type":"null"}}]}"#, "anyOf.1.not", "not supported")
        check(##"{"$ref":"#/$defs/missing","$defs":{"there":{}}}"##, "$ref", "no definition 'missing' in $defs (defined: there)")
        check(#"{"type":"integer","minimum":10,"maximum":5}"#, "", "no integer")
        check(#"{"properties":{"a":false}}"#, "properties.a", "accepts no value")
        let loop = grammarError { try Grammar.jsonSchema(try JSONValue.parse(##"{"$ref":"#/$defs/a","$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}}}"##)) }
        XCTAssertEqual(loop?.location, .schema(path: "$defs.a"))
        XCTAssertEqual(loop?.message.contains("left-recursive"), true, loop?.description ?? "")
    }

    func testSchemaGrammarWrittenAsGBNFReadsBackTheSame() throws {
        let schema = try JSONValue.parse(##"""
            {"$defs": {"my code": {"type": "string", "pattern": "[A-Z]{2}\\d"}},
             "type": "object", "properties": {"c": {"$ref": "#/$defs/my code"}, "p": JSONSCHEMA}}
            """##.replacingOccurrences(of: "JSONSCHEMA", with: Self.personSchema.serialized))
        let grammar = try Grammar.jsonSchema(schema)
        let again = try Grammar(gbnf: grammar.gbnf)
        XCTAssertTrue(grammar.gbnf.contains("def-my-code ::= "), grammar.gbnf)
        var rng = SeededRandom(seed: 99)
        for _ in 0..<10 {
            let text = GrammarWalk.run(grammar, rng: &rng).text
            XCTAssertTrue(grammarMatches(again, text), text)
            XCTAssertFalse(grammarMatches(again, text + " "))
        }
        XCTAssertTrue(grammarMatches(again, #"{"c":"AB1"}"#))
        XCTAssertFalse(grammarMatches(again, #"{"c":"AB"}"#))
    }

    func testCacheCompilesOnce() throws {
        let cache = GrammarCache(capacity: 2)
        var builds = 0
        for _ in 0..<3 {
            _ = try cache.grammar(forKey: "schema:x") { builds += 1; return try Grammar.jsonSchema(Self.personSchema) }
        }
        XCTAssertEqual(builds, 1)
        let a = try cache.regex("[a-z]+"), b = try cache.regex("[a-z]+")
        XCTAssertTrue(a.automaton === b.automaton, "the same compiled grammar comes back")
        _ = try cache.choices(["x"])
        XCTAssertEqual(cache.count, 2, "the oldest entry is dropped when full")
    }

    /// Outside strings, the only whitespace is one space right after ':' or ','.
    private func assertCompact(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        var inString = false, escaped = false
        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                continue
            }
            if b == 0x22 { inString = true; continue }
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D {
                let ok = b == 0x20 && i > 0 && (bytes[i - 1] == 0x3A || bytes[i - 1] == 0x2C)
                XCTAssertTrue(ok, "whitespace at byte \(i) of \(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
            }
        }
    }
}
