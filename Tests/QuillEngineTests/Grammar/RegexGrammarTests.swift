import XCTest
@testable import QuillEngine

/// Regex and choice grammars: random walks match, each construct means what it says, errors
/// name the column.
final class RegexGrammarTests: XCTestCase {
    func testWalksAlwaysMatchTheRegex() throws {
        let grammar = try Grammar.regex("^[A-Z]{3}-[0-9]{4}$")
        let check = try Regex("[A-Z]{3}-[0-9]{4}")
        var rng = SeededRandom(seed: 11)
        var outputs = Set<String>()
        for _ in 0..<40 {
            let result = GrammarWalk.run(grammar, rng: &rng)
            XCTAssertTrue(result.complete)
            XCTAssertNotNil(try check.wholeMatch(in: result.text), result.text)
            outputs.insert(result.text)
        }
        XCTAssertGreaterThan(outputs.count, 30, "walks differ")
        XCTAssertTrue(grammarMatches(grammar, "ABC-1234"))
        for text in ["AB-1234", "ABC-123", "abc-1234", "ABC-12345", "ABC1234"] { XCTAssertFalse(grammarMatches(grammar, text), text) }
    }

    func testWalksProduceExactlyOneChoice() throws {
        let options = ["red", "green", "blue", "blue-green", "ünïcode ✓"]
        let grammar = try Grammar.choices(options)
        var rng = SeededRandom(seed: 3)
        var seen = Set<String>()
        for _ in 0..<60 {
            let result = GrammarWalk.run(grammar, rng: &rng)
            XCTAssertTrue(result.complete)
            XCTAssertTrue(options.contains(result.text), result.text)
            seen.insert(result.text)
        }
        XCTAssertEqual(seen, Set(options))
        XCTAssertEqual(grammarError { try Grammar.choices([]) }?.location, GrammarError.Location.none)
    }

    func testConstructs() throws {
        let cases: [(String, [String], [String])] = [
            (#"\d{2,3}"#, ["12", "123"], ["1", "1234", "ab"]),
            (#"\w+@\w+\.com"#, ["a_b@x1.com"], ["a@b.org", "@x.com"]),
            (#"(?:ab|cd)*e?"#, ["", "abcd", "cdabe", "e"], ["abc", "ee"]),
            (#"(?<word>[^\s,]+)(, (?P<more>[^\s,]+))*"#, ["a", "a, b, c"], ["a,b", "a, "]),
            (#"[\-+]?\d+(\.\d+)?"#, ["-1", "+2.50", "3"], ["1.", "--1"]),
            (#"a.c"#, ["abc", "a😀c"], ["a\nc", "ac"]),
            (#"\S\s\D\W"#, ["x\ta!"], ["x a1", "  a!"]),
            (#"[^a-c\d]{2}"#, ["zz", "!?"], ["az", "1z"]),
            (#"x{,2}y{3}z{2,}"#, ["yyyzz", "xxyyyzzz"], ["xxxyyyzz", "yyz"]),
            (#"\u00e9\x41\{\}"#, ["éA{}"], ["éA"]),
            (#"a*?b+?"#, ["b", "aab"], ["a"]),
            (#"{"a":\d}"#, [#"{"a":1}"#], [#"{"a":}"#]),
            (#"(a|)b"#, ["ab", "b"], ["aab"]),
        ]
        for (pattern, good, bad) in cases {
            let grammar = try Grammar.regex(pattern)
            for text in good { XCTAssertTrue(grammarMatches(grammar, text), "\(pattern) should match \(text)") }
            for text in bad { XCTAssertFalse(grammarMatches(grammar, text), "\(pattern) should not match \(text)") }
        }
    }

    func testUnboundedRepetitionIsCapped() throws {
        let grammar = try Grammar.regex("a*b+")
        XCTAssertTrue(grammarMatches(grammar, String(repeating: "a", count: 256) + "b"))
        XCTAssertFalse(grammarMatches(grammar, String(repeating: "a", count: 257) + "b"))
        XCTAssertFalse(grammarMatches(grammar, "a" + String(repeating: "b", count: 257)))
    }

    func testErrorsNameTheColumn() {
        func check(_ pattern: String, _ column: Int, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            guard let error = grammarError({ try Grammar.regex(pattern) }, file: file, line: line) else { return }
            XCTAssertEqual(error.location, .regex(column: column), error.description, file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), error.description, file: file, line: line)
        }
        check("ab)", 3, "unbalanced ')'")
        check("(ab", 1, "unclosed '('")
        check("a|*", 3, "'*' has nothing to repeat")
        check("[b-a]", 2, "range is backwards")
        check("x[abc", 2, "unterminated character class")
        check(#"\bword"#, 1, "not supported")
        check(#"(a)\1"#, 4, "backreferences")
        check("(?=a)", 1, "not supported")
        check("a$b", 2, "'$' is only accepted at the end")
        check("a^", 2, "'^' is only accepted at the start")
        check("a{3,1}", 2, "the maximum is less than the minimum")
        check("a{5000}", 1, "above the limit 4096")
        check(#"\q"#, 1, "unknown escape")
    }
}
