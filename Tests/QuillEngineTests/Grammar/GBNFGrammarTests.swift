import XCTest
@testable import QuillEngine

/// GBNF notation: whole grammars, each construct's meaning, and every error with its position.
final class GBNFGrammarTests: XCTestCase {
    /// JSON in GBNF, written for these tests (recursive values, escapes, optional whitespace).
    static let jsonGrammar = #"""
    # A JSON text.
    root   ::= ws value ws
    value  ::= object | array | string | number | ("true" | "false" | "null")
    object ::= "{" ws ( member ( ws "," ws member )* )? ws "}"
    member ::= string ws ":" ws value
    array  ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
    string ::= "\"" ( [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
    number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
    ws     ::= [ \t\n]{0,8}
    """#

    func testJSONGrammarAcceptsJSONAndRejectsTheRest() throws {
        let grammar = try Grammar(gbnf: Self.jsonGrammar)
        for text in [#"{"a": [1, -2.5e3, true, null, "x\"y\u00e9"]}"#, "[]", " 0 ", #"{"k":{"n":[{}]}}"#, #""中文""#] {
            XCTAssertTrue(grammarMatches(grammar, text), text)
        }
        for text in [#"{"a" 1}"#, "[1,]", "01", "\"tab\tinside\"", "{", "tru"] {
            XCTAssertFalse(grammarMatches(grammar, text), text)
        }
        var matcher = GrammarMatcher(grammar: grammar)
        XCTAssertThrowsError(try matcher.accept(#"{"a" 1}"#)) { error in
            XCTAssertEqual((error as? GrammarError)?.location, .input(offset: 5))
        }
    }

    func testArithmeticGrammar() throws {
        let grammar = try Grammar(gbnf: """
            root   ::= expr
            expr   ::= term (("+" | "-") term)*
            term   ::= factor (("*" | "/") factor)*
            factor ::= number | "(" expr ")"
            number ::= [0-9]+
            """)
        for text in ["1", "1+2*(3-4)", "((7))", "12/4-3*2"] { XCTAssertTrue(grammarMatches(grammar, text), text) }
        for text in ["", "1+", "(1", "1+*2", "a"] { XCTAssertFalse(grammarMatches(grammar, text), text) }
        var matcher = GrammarMatcher(grammar: grammar)
        try matcher.accept("1+")
        XCTAssertFalse(matcher.allows(Array("*".utf8)))
        XCTAssertTrue(matcher.allows(Array("(".utf8)))
        XCTAssertFalse(matcher.isComplete)
    }

    func testRepetitionBoundsAndWholeLiteralRepeats() throws {
        let bounded = try Grammar(gbnf: #"root ::= "a"{2,4}"#)
        XCTAssertEqual((0...6).filter { grammarMatches(bounded, String(repeating: "a", count: $0)) }, [2, 3, 4])
        let exact = try Grammar(gbnf: #"root ::= "ab"{2} [0-9]{1,} "x"?"#)
        XCTAssertTrue(grammarMatches(exact, "abab7"))
        XCTAssertTrue(grammarMatches(exact, "abab123x"))
        XCTAssertFalse(grammarMatches(exact, "ab7"))
        XCTAssertFalse(grammarMatches(exact, "abab"))
        let atLeast = try Grammar(gbnf: #"root ::= [a-c]{3,}"#)
        XCTAssertFalse(grammarMatches(atLeast, "ab"))
        XCTAssertTrue(grammarMatches(atLeast, String(repeating: "abc", count: 50)))
    }

    func testClassesEscapesAnyCharacterAndEmptyAlternatives() throws {
        let grammar = try Grammar(gbnf: #"""
            root ::= "<" body ">" tail
            body ::= [^<>\\]*  # anything but the delimiters and backslash
            tail ::= "\x41\u00e9" | "." . |
            """#)
        XCTAssertTrue(grammarMatches(grammar, "<hé 中>"))
        XCTAssertTrue(grammarMatches(grammar, "<>Aé"))
        XCTAssertTrue(grammarMatches(grammar, "<x>.😀"), "'.' takes any character, a four-byte one too")
        XCTAssertTrue(grammarMatches(grammar, "<x>"), "the empty alternative matches nothing")
        XCTAssertFalse(grammarMatches(grammar, "<a\\b>"))
        XCTAssertFalse(grammarMatches(grammar, "<x>."))
    }

    func testRulesRunAcrossLinesAndContinueWithBars() throws {
        let grammar = try Grammar(gbnf: """
            root ::= "a"
                   | "b"   # a second alternative on its own line
                   | (
                       "c"
                       "d"
                     )
            other ::= "z"
            """)
        for text in ["a", "b", "cd"] { XCTAssertTrue(grammarMatches(grammar, text), text) }
        XCTAssertFalse(grammarMatches(grammar, "z"))
        XCTAssertTrue(grammarMatches(try Grammar(gbnf: "x ::= \"z\"\nroot ::= x", root: "x"), "z"))
    }

    func testWrittenOutGrammarReadsBackTheSame() throws {
        let original = try Grammar(gbnf: Self.jsonGrammar)
        let again = try Grammar(gbnf: original.gbnf)
        for text in [#"{"a": [1, -2.5e3, true, null, "x\"y"]}"#, "[1,]", #""\u12""#, " [ ] "] {
            XCTAssertEqual(grammarMatches(original, text), grammarMatches(again, text), text)
        }
        XCTAssertTrue(original.gbnf.hasPrefix("root ::= ws value ws\n"), original.gbnf)
    }

    func testErrorsNamePositionAndRemedy() {
        func check(_ text: String, line: Int, column: Int, _ fragment: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
            guard let error = grammarError({ try Grammar(gbnf: text) }, file: file, line: lineNumber) else { return }
            XCTAssertEqual(error.location, .gbnf(line: line, column: column), error.description, file: file, line: lineNumber)
            XCTAssertTrue(error.message.contains(fragment), error.description, file: file, line: lineNumber)
        }
        check("root ::= value\nvalue ::= \"1\" | vaule", line: 2, column: 17, "undefined rule 'vaule'; did you mean 'value'?")
        check("root ::= \"a\"\n\nroot ::= \"b\"", line: 3, column: 1, "defined twice (first at 1:1)")
        check("root = \"a\"", line: 1, column: 6, "expected '::=' after the rule name 'root'")
        check("root ::= \"abc\n", line: 1, column: 10, "unterminated string literal")
        check("root ::= [a-z", line: 1, column: 10, "unterminated character class")
        check("root ::= [z-a]", line: 1, column: 11, "range is backwards")
        check("root ::= \"a\"{3,1}", line: 1, column: 13, "the maximum is less than the minimum")
        check("root ::= * \"a\"", line: 1, column: 10, "'*' has nothing to repeat")
        check("root ::= \"\\q\"", line: 1, column: 11, "unknown escape '\\q'")
        check("root ::= (\"a\" \"b\"\nnext ::= \"c\"", line: 2, column: 1, "expected ')' to close '(' at 1:10")
        check("root ::= \"a\" ;", line: 1, column: 14, "unexpected ';'")
        check("root ::= \"a\"{99999}", line: 1, column: 13, "above the limit 4096")
    }

    func testMissingRootAndLeftRecursionAreReported() {
        let missing = grammarError { try Grammar(gbnf: #"start ::= "a""#) }
        XCTAssertEqual(missing?.location, GrammarError.Location.none)
        XCTAssertEqual(missing?.message.contains("no rule named 'root'"), true)

        let direct = grammarError { try Grammar(gbnf: "root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]") }
        XCTAssertEqual(direct?.location, .gbnf(line: 2, column: 1))
        XCTAssertEqual(direct?.message.hasPrefix("rule 'expr' is left-recursive (expr → expr"), true, direct?.message ?? "")

        // Through a rule that can match nothing: `b?` may read nothing, so `a` reaches itself.
        let hidden = grammarError { try Grammar(gbnf: "root ::= a\na ::= b? a \"x\" | \"y\"\nb ::= \"b\"") }
        XCTAssertEqual(hidden?.location, .gbnf(line: 2, column: 1))
        XCTAssertEqual(hidden?.message.contains("left-recursive"), true)

        // A repeated item that can match nothing: the position is the repetition's.
        let emptyItem = grammarError { try Grammar(gbnf: "root ::= \"<\" (\"a\"?)* \">\"") }
        XCTAssertEqual(emptyItem?.location, .gbnf(line: 1, column: 20))
        XCTAssertEqual(emptyItem?.message.contains("can match the empty string"), true, emptyItem?.description ?? "")

        // Indirect: a → c → a.
        let indirect = grammarError { try Grammar(gbnf: "root ::= a\na ::= c \"1\" | \"2\"\nc ::= a \"3\"") }
        XCTAssertEqual(indirect?.message.contains("a → c → a"), true, indirect?.message ?? "")
    }

    func testGrammarErrorDescriptionIsOneLine() {
        let error = GrammarError(.gbnf(line: 2, column: 17), "undefined rule 'vaule'; did you mean 'value'?")
        XCTAssertEqual(error.description, "grammar:2:17: error: undefined rule 'vaule'; did you mean 'value'?")
        XCTAssertEqual(GrammarError(.schema(path: "properties.age.minimum"), "expected a number").description,
                       "schema: error at properties.age.minimum: expected a number")
    }
}
