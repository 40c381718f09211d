import XCTest
@testable import QuillLanguage

final class LexerTests: XCTestCase {
    // MARK: - Helpers

    func lex(_ source: String) -> [Token] {
        var lexer = Lexer(file: SourceFile(name: "test", text: source))
        return lexer.tokenize()
    }

    func kinds(_ source: String) -> [TokenKind] {
        lex(source).map(\.kind)
    }

    /// Tokens as "kind:text" (text only for names, literals and errors), eof omitted.
    func summary(_ source: String) -> [String] {
        lex(source).filter { $0.kind != .eof }.map { token in
            switch token.kind {
            case .identifier, .int, .float, .string, .interpolation, .error:
                return "\(token.kind):\(token.text)"
            default:
                return "\(token.kind)"
            }
        }
    }

    func errors(_ source: String) -> [String] {
        lex(source).filter { $0.kind == .error }.map { "\($0.location): \($0.text)" }
    }

    func lines(_ lines: String...) -> String {
        lines.joined(separator: "\n")
    }

    // MARK: - Basics

    func testEmptyInputIsJustEOF() {
        XCTAssertEqual(kinds(""), [.eof])
        XCTAssertEqual(kinds("\n\n  # only a comment\n\n"), [.eof])
    }

    func testAlwaysEndsWithOneEOF() {
        for source in ["x", "x\n", "(", "\"abc", "\"\"\"\nabc", "\"a\\(b", "@", "1e"] {
            let tokens = lex(source)
            XCTAssertEqual(tokens.last?.kind, .eof, source)
            XCTAssertEqual(tokens.filter { $0.kind == .eof }.count, 1, source)
        }
    }

    func testKeywordsAndIdentifiers() {
        XCTAssertEqual(kinds("let var fn prompt if else while for in break continue return"),
                       [.kwLet, .kwVar, .kwFn, .kwPrompt, .kwIf, .kwElse, .kwWhile, .kwFor, .kwIn, .kwBreak,
                        .kwContinue, .kwReturn, .eof])
        XCTAssertEqual(kinds("try catch throw import as and or not true false nil"),
                       [.kwTry, .kwCatch, .kwThrow, .kwImport, .kwAs, .kwAnd, .kwOr, .kwNot, .kwTrue, .kwFalse,
                        .kwNil, .eof])
        XCTAssertEqual(summary("_x x1 letter nil_ Lets"),
                       ["identifier:_x", "identifier:x1", "identifier:letter", "identifier:nil_", "identifier:Lets"])
    }

    func testTokenLocationsOffsetsAndLengths() {
        let tokens = lex("let x = 10\n  foo(bar)")
        let expected: [(TokenKind, Int32, Int32, Int, Int)] = [
            (.kwLet, 1, 1, 0, 3), (.identifier, 1, 5, 4, 1), (.equal, 1, 7, 6, 1), (.int, 1, 9, 8, 2),
            (.newline, 1, 11, 10, 1), (.identifier, 2, 3, 13, 3), (.leftParen, 2, 6, 16, 1),
            (.identifier, 2, 7, 17, 3), (.rightParen, 2, 10, 20, 1), (.eof, 2, 11, 21, 0),
        ]
        XCTAssertEqual(tokens.count, expected.count)
        for (token, e) in zip(tokens, expected) {
            XCTAssertEqual(token.kind, e.0)
            XCTAssertEqual(token.location.line, e.1, "\(token.kind)")
            XCTAssertEqual(token.location.column, e.2, "\(token.kind)")
            XCTAssertEqual(token.offset, e.3, "\(token.kind)")
            XCTAssertEqual(token.length, e.4, "\(token.kind)")
        }
    }

    func testColumnsCountUnicodeScalars() {
        // "😀é" is 2 scalars but 6 bytes: x is in column 12 but at byte offset 15.
        let tokens = lex("s = \"😀é\" + x")
        let x = tokens.first { $0.kind == .identifier && $0.text == "x" }
        XCTAssertEqual(x?.location, SourceLocation(line: 1, column: 12))
        XCTAssertEqual(x?.offset, 15)
        let plus = tokens.first { $0.kind == .plus }
        XCTAssertEqual(plus?.location, SourceLocation(line: 1, column: 10))
    }

    func testNonASCIIIdentifierIsAnError() {
        XCTAssertEqual(summary("café = 1"), ["identifier:caf", "error:unexpected character 'é'", "equal", "int:1"])
        XCTAssertEqual(errors("x = é"), ["1:5: unexpected character 'é'"])
    }

    // MARK: - Numbers

    func testIntegers() {
        XCTAssertEqual(summary("0 42 1_000_000 0xFF_FF 0x1f 0b1010 0b1_0"),
                       ["int:0", "int:42", "int:1000000", "int:0xFFFF", "int:0x1f", "int:0b1010", "int:0b10"])
    }

    func testFloats() {
        XCTAssertEqual(summary("1.5 1e10 2.5E-3 1_000.25 3e+2 0.5"),
                       ["float:1.5", "float:1e10", "float:2.5E-3", "float:1000.25", "float:3e+2", "float:0.5"])
    }

    func testRangeIsNotAFloat() {
        XCTAssertEqual(summary("1..5"), ["int:1", "dotDot", "int:5"])
        XCTAssertEqual(summary("1..<5"), ["int:1", "dotDotLess", "int:5"])
        XCTAssertEqual(summary("1.5..2.5"), ["float:1.5", "dotDot", "float:2.5"])
        // A dot followed by a letter is member access on an int.
        XCTAssertEqual(summary("1.abs"), ["int:1", "dot", "identifier:abs"])
    }

    func testMalformedNumbers() {
        XCTAssertEqual(summary("0x"), ["error:expected digits after '0x'"])
        XCTAssertEqual(summary("0b"), ["error:expected digits after '0b'"])
        XCTAssertEqual(summary("1e"), ["error:invalid number '1e'"])
        XCTAssertEqual(summary("1_"), ["error:invalid number '1_'"])
        XCTAssertEqual(summary("12abc"), ["error:invalid number '12abc'"])
        XCTAssertEqual(summary("0b102"), ["error:invalid number '0b102'"])
        XCTAssertEqual(summary("0xFG"), ["error:invalid number '0xFG'"])
        // Lexing goes on after the error.
        XCTAssertEqual(summary("x = 12abc + 1"), ["identifier:x", "equal", "error:invalid number '12abc'", "plus", "int:1"])
    }

    // MARK: - Operators

    func testOperators() {
        XCTAssertEqual(kinds("( ) { } [ ] , . : ; => .. ..<"),
                       [.leftParen, .rightParen, .leftBrace, .rightBrace, .leftBracket, .rightBracket, .comma, .dot,
                        .colon, .semicolon, .arrow, .dotDot, .dotDotLess, .eof])
        XCTAssertEqual(kinds("+ - * / // % ** = == != < <= > >="),
                       [.plus, .minus, .star, .slash, .slashSlash, .percent, .starStar, .equal, .equalEqual,
                        .bangEqual, .less, .lessEqual, .greater, .greaterEqual, .eof])
        XCTAssertEqual(kinds("+= -= *= /= //= %= ??= ??"),
                       [.plusEqual, .minusEqual, .starEqual, .slashEqual, .slashSlashEqual, .percentEqual,
                        .questionQuestionEqual, .questionQuestion, .eof])
        XCTAssertEqual(kinds("a//b"), [.identifier, .slashSlash, .identifier, .eof])
        XCTAssertEqual(kinds("a**-b"), [.identifier, .starStar, .minus, .identifier, .eof])
    }

    func testReservedOperatorsAreErrors() {
        XCTAssertEqual(errors("!x"), ["1:1: unexpected '!'; use 'not' for negation"])
        XCTAssertEqual(errors("a ? b"), ["1:3: unexpected '?'; did you mean '??'"])
        XCTAssertEqual(errors("a && b"), ["1:3: unexpected '&&'; use 'and'"])
        XCTAssertEqual(errors("a || b"), ["1:3: unexpected '||'; use 'or'"])
        XCTAssertEqual(errors("a $ b"), ["1:3: unexpected character '$'"])
        XCTAssertEqual(kinds("a != b"), [.identifier, .bangEqual, .identifier, .eof])
    }

    // MARK: - Strings

    func testEscapes() {
        let tokens = lex(#""a\n\t\r\0\\\"\'\u{1F600}\u{41}""#)
        XCTAssertEqual(tokens.map(\.kind), [.string, .eof])
        XCTAssertEqual(tokens[0].text, "a\n\t\r\0\\\"'😀A")
        XCTAssertEqual(tokens[0].length, 32)
    }

    func testInvalidEscapeIsReportedAndLexingContinues() {
        XCTAssertEqual(summary(#""a\qb" + x"#), [#"error:invalid escape sequence '\q'"#, "string:ab", "plus", "identifier:x"])
        XCTAssertEqual(errors(#"x = "a\qb""#), [#"1:7: invalid escape sequence '\q'"#])
        XCTAssertEqual(errors(#""\u{110000}""#).count, 1)
        XCTAssertEqual(errors(#""\u{}""#).count, 1)
        XCTAssertEqual(errors(#""\u41""#).count, 1)
    }

    func testPlainStringIsOneToken() {
        XCTAssertEqual(summary(#""hello" "" "a'b""#), ["string:hello", "string:", "string:a'b"])
    }

    func testInterpolation() {
        XCTAssertEqual(summary(#""a\(x)b""#), ["interpolation:a", "identifier:x", "string:b"])
        XCTAssertEqual(summary(#""\(x)""#), ["interpolation:", "identifier:x", "string:"])
        XCTAssertEqual(summary(#""\(x)\(y)!""#),
                       ["interpolation:", "identifier:x", "interpolation:", "identifier:y", "string:!"])
        // Parentheses inside the interpolation nest.
        XCTAssertEqual(summary(#""=\((1 + 2) * f(3))""#),
                       ["interpolation:=", "leftParen", "int:1", "plus", "int:2", "rightParen", "star",
                        "identifier:f", "leftParen", "int:3", "rightParen", "string:"])
    }

    func testNestedInterpolation() {
        XCTAssertEqual(summary(#""a\(f("b\(c)"))d""#),
                       ["interpolation:a", "identifier:f", "leftParen", "interpolation:b", "identifier:c", "string:",
                        "rightParen", "string:d"])
    }

    func testNewlinesInsideInterpolationAreDropped() {
        let source = lines(#"s = """"#, #"  \(a +"#, #"     b)"#, #"  """"#)
        XCTAssertEqual(kinds(source), [.identifier, .equal, .interpolation, .identifier, .plus, .identifier, .string, .eof])
    }

    func testSingleLineStringCannotSpanLinesInAnInterpolation() {
        // As in Swift: the literal is unterminated, and the next line lexes normally.
        let source = lines(#"s = "a\(f(x"#, "let y = 1")
        XCTAssertEqual(errors(source), ["1:5: unterminated string literal"])
        XCTAssertEqual(Array(kinds(source).suffix(5)), [.kwLet, .identifier, .equal, .int, .eof])
    }

    func testUnterminatedString() {
        let source = lines(#"let s = "abc"#, "let t = 1")
        XCTAssertEqual(errors(source), ["1:9: unterminated string literal"])
        // Lexing resumes on the next line, which still starts a new statement.
        let tokens = lex(source)
        XCTAssertTrue(tokens.contains { $0.kind == .newline })
        XCTAssertEqual(tokens.first { $0.kind == .kwLet && $0.location.line == 2 }?.location.column, 1)
        XCTAssertEqual(errors(#"x = "abc"#), ["1:5: unterminated string literal"])
        XCTAssertEqual(errors("x = \"a\\(b"), ["1:5: unterminated string literal"])
    }

    // MARK: - Multi-line strings

    func testMultilineStripsClosingIndentation() {
        let source = lines(
            #"let s = """"#,
            "    Hello,",
            "      indented",
            "",
            "    end",
            #"    """"#,
            "x")
        let tokens = lex(source)
        XCTAssertEqual(tokens.map(\.kind), [.kwLet, .identifier, .equal, .string, .newline, .identifier, .eof])
        XCTAssertEqual(tokens[3].text, "Hello,\n  indented\n\nend")
        XCTAssertEqual(tokens[3].location, SourceLocation(line: 1, column: 9))
        XCTAssertEqual(tokens[5].location, SourceLocation(line: 7, column: 1))
    }

    func testMultilineEmptyAndBlankLines() {
        XCTAssertEqual(lex(lines(#"""""#, #"""""#))[0].text, "")
        // A whitespace-only line may be less indented; it becomes empty.
        XCTAssertEqual(lex(lines(#"""""#, "    a", "  ", "    b", #"    """"#))[0].text, "a\n\nb")
        // Trailing newline kept when there is an empty last line.
        XCTAssertEqual(lex(lines(#"""""#, "  a", "", #"  """"#))[0].text, "a\n")
    }

    func testMultilineEscapesAndContinuation() {
        let source = lines(#"""""#, ##"  a\tb \"quoted\" \""""##, #"  one \"#, #"  two"#, #"  """"#)
        XCTAssertEqual(lex(source)[0].text, "a\tb \"quoted\" \"\"\"\none two")
    }

    func testMultilineInterpolation() {
        let source = lines(#"s = """"#, #"    Hi \(name),"#, #"    \(greeting)"#, #"    """"#)
        XCTAssertEqual(summary(source),
                       ["identifier:s", "equal", "interpolation:Hi ", "identifier:name", "interpolation:,\n",
                        "identifier:greeting", "string:"])
    }

    func testMultilineNestedInInterpolation() {
        let source = lines(#"s = """"#, ##"  a \(f(""""##, #"      inner"#, #"      """)) b"#, #"  """"#)
        XCTAssertEqual(summary(source),
                       ["identifier:s", "equal", "interpolation:a ", "identifier:f", "leftParen", "string:inner",
                        "rightParen", "string: b"])
    }

    func testMultilineInsufficientIndentation() {
        let source = lines(#"let t = """"#, "    ok", "  bad", "    fine", #"    """"#, "let u = 1")
        XCTAssertEqual(errors(source), ["3:1: insufficient indentation of line in multi-line string"])
        XCTAssertTrue(lex(source).contains { $0.kind == .kwLet && $0.location.line == 6 })
    }

    func testMultilineOpeningMustEndTheLine() {
        XCTAssertEqual(errors(#"s = """abc""""#), ["1:5: multi-line string content must begin on a new line"])
        XCTAssertEqual(errors(lines(#"s = """"#, #"  abc""""#)),
                       ["2:6: multi-line string literal closing delimiter must begin on a new line"])
    }

    func testUnterminatedMultiline() {
        XCTAssertEqual(errors(lines(#"s = """"#, "abc")), ["1:5: unterminated multi-line string literal"])
    }

    // MARK: - Newlines

    func testNewlinesAreCollapsedAndNeverFirst() {
        let source = "\n\n# comment\na\n\n   \n# another\n\nb\n"
        XCTAssertEqual(kinds(source), [.identifier, .newline, .identifier, .newline, .eof])
        XCTAssertEqual(lex(source)[1].location, SourceLocation(line: 4, column: 2))
    }

    func testShebangIsAComment() {
        XCTAssertEqual(kinds("#!/usr/bin/env quill\nprint(1)"), [.identifier, .leftParen, .int, .rightParen, .eof])
    }

    func testNoNewlinesInsideParenthesesOrBrackets() {
        XCTAssertEqual(kinds("f(1,\n  2)\n[3,\n 4]"),
                       [.identifier, .leftParen, .int, .comma, .int, .rightParen, .newline,
                        .leftBracket, .int, .comma, .int, .rightBracket, .eof])
    }

    func testNewlinesInsideBraces() {
        XCTAssertEqual(kinds("f({\n a: 1\n})"),
                       [.identifier, .leftParen, .leftBrace, .newline, .identifier, .colon, .int, .newline,
                        .rightBrace, .rightParen, .eof])
    }

    func testMethodChainContinuation() {
        XCTAssertEqual(kinds("xs\n  .map(f)\n  # comment\n\n  ._private"),
                       [.identifier, .dot, .identifier, .leftParen, .identifier, .rightParen, .dot, .identifier, .eof])
        // `..` on the next line is not a continuation.
        XCTAssertEqual(kinds("a\n..b"), [.identifier, .newline, .dotDot, .identifier, .eof])
        // Nor is a dot followed by a digit.
        XCTAssertEqual(kinds("a\n.5"), [.identifier, .newline, .dot, .int, .eof])
    }
}
