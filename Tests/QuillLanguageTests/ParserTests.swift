import XCTest
@testable import QuillLanguage

/// Prints syntax trees as S-expressions so tests can state the expected structure compactly.
enum SExpr {
    static func print(_ statements: [Stmt]) -> String {
        statements.map(print).joined(separator: " ")
    }

    static func block(_ statements: [Stmt]) -> String {
        "(" + print(statements) + ")"
    }

    static func print(_ s: Stmt) -> String {
        switch s.kind {
        case .expression(let e):
            return print(e)
        case .binding(let name, let mutable, let value):
            let keyword = mutable ? "var" : "let"
            if let value { return "(\(keyword) \(name) \(print(value)))" }
            return "(\(keyword) \(name))"
        case .assign(let target, let op, let value):
            return "(\(symbol(op)) \(print(target)) \(print(value)))"
        case .function(let decl):
            return "(\(decl.isPrompt ? "prompt" : "fn") \(decl.name ?? "_") \(parameters(decl.parameters)) \(block(decl.body)))"
        case .message(let role, let content):
            return "(\(role) \(print(content)))"
        case .ifElse(let condition, let then, let otherwise):
            if let otherwise { return "(if \(print(condition)) \(block(then)) \(block(otherwise)))" }
            return "(if \(print(condition)) \(block(then)))"
        case .whileLoop(let condition, let body):
            return "(while \(print(condition)) \(block(body)))"
        case .forLoop(let names, let iterable, let body):
            return "(for (\(names.joined(separator: " "))) \(print(iterable)) \(block(body)))"
        case .breakLoop:
            return "(break)"
        case .continueLoop:
            return "(continue)"
        case .returnValue(let value):
            return value.map { "(return \(print($0)))" } ?? "(return)"
        case .tryCatch(let body, let name, let handler):
            return "(try \(block(body)) \(name ?? "_") \(block(handler)))"
        case .throwError(let e):
            return "(throw \(print(e)))"
        case .importModule(let path, let binding):
            return "(import \(path.debugDescription) \(binding))"
        }
    }

    static func parameters(_ ps: [Parameter]) -> String {
        "(" + ps.map { p in p.defaultValue.map { "\(p.name):\(print($0))" } ?? p.name }.joined(separator: " ") + ")"
    }

    static func print(_ e: Expr) -> String {
        switch e.kind {
        case .nilLiteral: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return s.debugDescription
        case .interpolated(let parts):
            let inner = parts.map { part -> String in
                switch part {
                case .text(let t): return t.debugDescription
                case .expr(let e): return print(e)
                }
            }
            return "(str " + inner.joined(separator: " ") + ")"
        case .variable(let name): return name
        case .list(let items): return "(list" + items.map { " " + print($0) }.joined() + ")"
        case .map(let entries): return "(map" + entries.map { " (\(print($0.key)) \(print($0.value)))" }.joined() + ")"
        case .unary(let op, let operand): return "(\(op == .negate ? "neg" : "not") \(print(operand)))"
        case .binary(let op, let l, let r): return "(\(symbol(op)) \(print(l)) \(print(r)))"
        case .logical(let op, let l, let r):
            let name: String
            switch op {
            case .and: name = "and"
            case .or: name = "or"
            case .coalesce: name = "??"
            }
            return "(\(name) \(print(l)) \(print(r)))"
        case .range(let l, let r, let inclusive): return "(\(inclusive ? ".." : "..<") \(print(l)) \(print(r)))"
        case .call(let callee, let args):
            return "(call \(print(callee))" + args.map { a in " " + (a.name.map { "\($0):" } ?? "") + print(a.value) }.joined() + ")"
        case .member(let object, let name): return "(. \(print(object)) \(name))"
        case .index(let object, let index): return "(index \(print(object)) \(print(index)))"
        case .slice(let object, let lo, let hi):
            return "(slice \(print(object)) \(lo.map(print) ?? "_") \(hi.map(print) ?? "_"))"
        case .lambda(let decl): return "(lambda \(parameters(decl.parameters)) \(block(decl.body)))"
        }
    }

    static func symbol(_ op: BinaryOp) -> String {
        switch op {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .floorDivide: return "//"
        case .modulo: return "%"
        case .power: return "**"
        case .equal: return "=="
        case .notEqual: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .contains: return "in"
        case .notContains: return "not-in"
        }
    }

    static func symbol(_ op: AssignOp) -> String {
        switch op {
        case .assign: return "="
        case .compound(let b): return symbol(b) + "="
        case .coalesce: return "??="
        }
    }
}

final class ParserTests: XCTestCase {
    // MARK: - Helpers

    /// Parses `source`, failing the test on any diagnostic, and prints the tree.
    func tree(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        var parser = Parser(file: SourceFile(name: "test", text: source))
        let statements = parser.parse()
        XCTAssertEqual(parser.diagnostics.map(\.description), [], "unexpected errors", file: file, line: line)
        return SExpr.print(statements)
    }

    func parse(_ source: String) -> (statements: [Stmt], diagnostics: [Diagnostic]) {
        var parser = Parser(file: SourceFile(name: "test", text: source))
        let statements = parser.parse()
        return (statements, parser.diagnostics)
    }

    /// Diagnostics as "line:col: message".
    func errors(_ source: String) -> [String] {
        parse(source).diagnostics.map { "\($0.location): \($0.message)" }
    }

    func lines(_ lines: String...) -> String {
        lines.joined(separator: "\n")
    }

    // MARK: - Precedence

    func testArithmeticPrecedence() {
        XCTAssertEqual(tree("1 + 2 * 3 - 4"), "(- (+ 1 (* 2 3)) 4)")
        XCTAssertEqual(tree("a - b - c"), "(- (- a b) c)")
        XCTAssertEqual(tree("a / b // c % d"), "(% (// (/ a b) c) d)")
        XCTAssertEqual(tree("a + b * c ** d"), "(+ a (* b (** c d)))")
        XCTAssertEqual(tree("(a + b) * c"), "(* (+ a b) c)")
    }

    func testPowerAndPrefixMinus() {
        XCTAssertEqual(tree("2 ** 3 ** 2"), "(** 2 (** 3 2))")
        XCTAssertEqual(tree("-2 ** 2"), "(neg (** 2 2))")
        XCTAssertEqual(tree("-a ** 2"), "(neg (** a 2))")
        XCTAssertEqual(tree("2 ** -x"), "(** 2 (neg x))")
        XCTAssertEqual(tree("-2 ** -2"), "(neg (** 2 -2))")
        XCTAssertEqual(tree("- -x"), "(neg (neg x))")
        XCTAssertEqual(tree("-a.b"), "(neg (. a b))")
        XCTAssertEqual(tree("1 - -1"), "(- 1 -1)")
    }

    func testNegativeLiteralsAreFolded() {
        XCTAssertEqual(tree("-5"), "-5")
        XCTAssertEqual(tree("-1.5"), "-1.5")
        XCTAssertEqual(tree("-9223372036854775808"), "-9223372036854775808")
        XCTAssertEqual(tree("-0x8000000000000000"), "-9223372036854775808")
        // Not when a postfix operator binds to the literal first.
        XCTAssertEqual(tree("-1.abs()"), "(neg (call (. 1 abs)))")
    }

    func testLogicalAndComparisonPrecedence() {
        XCTAssertEqual(tree("a or b and not c == d"), "(or a (and b (not (== c d))))")
        XCTAssertEqual(tree("not a or b"), "(or (not a) b)")
        XCTAssertEqual(tree("a or not b"), "(or a (not b))")
        XCTAssertEqual(tree("not not a"), "(not (not a))")
        XCTAssertEqual(tree("not a < b"), "(not (< a b))")
        XCTAssertEqual(tree("a in b and c not in d or e"), "(or (and (in a b) (not-in c d)) e)")
        XCTAssertEqual(tree("a != b"), "(!= a b)")
        XCTAssertEqual(tree("a <= b"), "(<= a b)")
        XCTAssertEqual(tree("a >= b"), "(>= a b)")
    }

    func testCoalesceAndRange() {
        XCTAssertEqual(tree("a ?? b ?? c"), "(?? a (?? b c))")
        XCTAssertEqual(tree("a ?? b == c"), "(== (?? a b) c)")
        XCTAssertEqual(tree("a == b ?? c"), "(== a (?? b c))")
        XCTAssertEqual(tree("a..b ?? c"), "(?? (.. a b) c)")
        XCTAssertEqual(tree("1 + 2..3 * 4"), "(.. (+ 1 2) (* 3 4))")
        XCTAssertEqual(tree("0..<n"), "(..< 0 n)")
        XCTAssertEqual(tree("x in 1..5"), "(in x (.. 1 5))")
    }

    func testNonAssociativeOperators() {
        XCTAssertEqual(errors("a < b < c"), ["1:7: comparison operators cannot be chained; use 'and'"])
        XCTAssertEqual(errors("a == b == c"), ["1:8: comparison operators cannot be chained; use 'and'"])
        XCTAssertEqual(errors("a..b..c"), ["1:5: range operators cannot be chained; use parentheses"])
        XCTAssertEqual(tree("a < b and b < c"), "(and (< a b) (< b c))")
    }

    func testPostfixOperators() {
        XCTAssertEqual(tree("f(x)(y)[0].z"), "(. (index (call (call f x) y) 0) z)")
        XCTAssertEqual(tree("x.y.z(1)[2]"), "(index (call (. (. x y) z) 1) 2)")
        XCTAssertEqual(tree("xs\n  .map(f)\n  .count"), "(. (call (. xs map) f) count)")
    }

    func testLineBreakAfterBinaryOperator() {
        XCTAssertEqual(tree("x = a +\n  b"), "(= x (+ a b))")
        XCTAssertEqual(tree("x = a and\n  b"), "(= x (and a b))")
    }

    // MARK: - Literals

    func testNumbers() {
        XCTAssertEqual(tree("x = 0xFF + 0b11 + 0o17 + 1_000"), "(= x (+ (+ (+ 255 3) 15) 1000))")
        XCTAssertEqual(tree("9223372036854775807"), "9223372036854775807")
        XCTAssertEqual(tree("1.5e3"), "1500.0")
        XCTAssertEqual(errors("x = 9223372036854775808"),
                       ["1:5: integer literal '9223372036854775808' is too large for a 64-bit integer"])
        XCTAssertEqual(errors("x = 0xFFFFFFFFFFFFFFFF"),
                       ["1:5: integer literal '0xFFFFFFFFFFFFFFFF' is too large for a 64-bit integer"])
    }

    func testSimpleLiterals() {
        XCTAssertEqual(tree("nil; true; false; x"), "nil true false x")
    }

    func testStrings() {
        XCTAssertEqual(tree(#""hello""#), #""hello""#)
        XCTAssertEqual(tree(#""""#), #""""#)
        XCTAssertEqual(tree(#""a\(x)b\(y)""#), #"(str "a" x "b" y)"#)
        XCTAssertEqual(tree(#""\(x)""#), "(str x)")
        XCTAssertEqual(tree(#""a\(1 + 2)b""#), #"(str "a" (+ 1 2) "b")"#)
        XCTAssertEqual(tree(#""a\(f("b\(c)"))d""#), #"(str "a" (call f (str "b" c)) "d")"#)
        XCTAssertEqual(tree(lines(#"s = """"#, #"  Hi \(name)!"#, #"  """"#)), #"(= s (str "Hi " name "!"))"#)
    }

    func testLists() {
        XCTAssertEqual(tree("[]"), "(list)")
        XCTAssertEqual(tree("[1, 2, 3]"), "(list 1 2 3)")
        XCTAssertEqual(tree("[\n  1,\n  2,\n]"), "(list 1 2)")
        XCTAssertEqual(tree("[[1], [2, [3]]]"), "(list (list 1) (list 2 (list 3)))")
    }

    func testMaps() {
        XCTAssertEqual(tree("{}"), "(map)")
        XCTAssertEqual(tree(#"{a: 1, "b c": 2, 3: x, [k]: v}"#), #"(map ("a" 1) ("b c" 2) (3 x) (k v))"#)
        XCTAssertEqual(tree("x = {\n  a: 1,\n\n  b:\n    2,\n}"), #"(= x (map ("a" 1) ("b" 2)))"#)
        XCTAssertEqual(tree("{a: {b: []}}"), #"(map ("a" (map ("b" (list)))))"#)
    }

    func testSubscriptsAndSlices() {
        XCTAssertEqual(tree("a[i]"), "(index a i)")
        XCTAssertEqual(tree("a[lo:hi]"), "(slice a lo hi)")
        XCTAssertEqual(tree("a[:hi]"), "(slice a _ hi)")
        XCTAssertEqual(tree("a[lo:]"), "(slice a lo _)")
        XCTAssertEqual(tree("a[:]"), "(slice a _ _)")
        XCTAssertEqual(tree("a[1 + 1:-1]"), "(slice a (+ 1 1) -1)")
    }

    func testLambdas() {
        XCTAssertEqual(tree("f = fn(x) => x * 2"), "(= f (lambda (x) ((return (* x 2)))))")
        XCTAssertEqual(tree("f = fn() => 1"), "(= f (lambda () ((return 1))))")
        XCTAssertEqual(tree("f = fn(a, b: 2,) {\n  return a + b\n}"), "(= f (lambda (a b:2) ((return (+ a b)))))")
        XCTAssertEqual(tree("map(xs, fn(x) => x + 1)"), "(call map xs (lambda (x) ((return (+ x 1)))))")
        XCTAssertEqual(tree("f = fn(x) => fn(y) => x + y"), "(= f (lambda (x) ((return (lambda (y) ((return (+ x y))))))))")
        // At the start of a statement, `fn` always declares a function.
        XCTAssertEqual(errors("fn (x) {}"), ["1:4: expected a function name after 'fn'"])
    }

    func testCallArguments() {
        XCTAssertEqual(tree("f()"), "(call f)")
        XCTAssertEqual(tree("f(a, b: 1, c: 2,)"), "(call f a b:1 c:2)")
        XCTAssertEqual(tree("f(\n  a,\n  b: 2,\n)"), "(call f a b:2)")
        XCTAssertEqual(errors("f(b: 1, a)"), ["1:9: positional argument cannot follow a named argument"])
        XCTAssertEqual(errors("f(a: 1, a: 2)"), ["1:9: duplicate argument 'a'"])
    }

    // MARK: - Statements

    func testBindings() {
        XCTAssertEqual(tree("let a = 1\nvar b = 2\nvar c"), "(let a 1) (var b 2) (var c)")
        XCTAssertEqual(errors("let x"), ["1:6: 'let' needs a value: let x = ..."])
        XCTAssertEqual(errors("let"), ["1:4: 'let' needs a value: let x = ..."])
        XCTAssertEqual(errors("let 5 = 3"), ["1:5: expected a variable name after 'let', found '5'"])
    }

    func testAssignments() {
        XCTAssertEqual(tree("x = 1; x += 1; x -= 1; x *= 2; x /= 2; x //= 2; x %= 2; x ??= 0"),
                       "(= x 1) (+= x 1) (-= x 1) (*= x 2) (/= x 2) (//= x 2) (%= x 2) (??= x 0)")
        XCTAssertEqual(tree("obj.field = 1\nobj[0] ??= 2"), "(= (. obj field) 1) (??= (index obj 0) 2)")
        XCTAssertEqual(errors("f(x) = 3"), ["1:1: cannot assign to this expression"])
        XCTAssertEqual(errors("1 + 2 += 3"), ["1:1: cannot assign to this expression"])
    }

    func testFunctions() {
        XCTAssertEqual(tree("fn add(x, y: 1) {\n  return x + y\n}"), "(fn add (x y:1) ((return (+ x y))))")
        XCTAssertEqual(tree("fn f(\n  a,\n  b,\n) {}"), "(fn f (a b) ())")
        XCTAssertEqual(tree("fn f(a: 1, b) {}"), "(fn f (a:1 b) ())")
        XCTAssertEqual(errors("fn f(a, a) {}"), ["1:9: duplicate parameter 'a'"])
    }

    func testIfElseChains() {
        XCTAssertEqual(tree("if a { x }"), "(if a (x))")
        XCTAssertEqual(tree("if a { x } else { y }"), "(if a (x) (y))")
        XCTAssertEqual(tree("if a { x } else if b { y } else if c { z } else { w }"),
                       "(if a (x) ((if b (y) ((if c (z) (w))))))")
        XCTAssertEqual(tree("if a {\n  x\n}\nelse {\n  y\n}"), "(if a (x) (y))")
    }

    func testLoopsAndJumps() {
        XCTAssertEqual(tree("while a < 3 { a += 1; continue }"), "(while (< a 3) ((+= a 1) (continue)))")
        XCTAssertEqual(tree("for x in 1..<10 { break }"), "(for (x) (..< 1 10) ((break)))")
        XCTAssertEqual(tree("for k, v in m {\n  print(k, v)\n}"), "(for (k v) m ((call print k v)))")
        XCTAssertEqual(tree("fn f() { return }"), "(fn f () ((return)))")
        XCTAssertEqual(tree("fn f() {\n  return\n  x\n}"), "(fn f () ((return) x))")
        XCTAssertEqual(tree("return 1; throw err"), "(return 1) (throw err)")
    }

    func testTryCatch() {
        XCTAssertEqual(tree("try { risky() } catch e { print(e) }"), "(try ((call risky)) e ((call print e)))")
        XCTAssertEqual(tree("try {\n  x()\n}\ncatch {\n}"), "(try ((call x)) _ ())")
        XCTAssertEqual(errors("try { x() }\ny()"), ["1:12: expected 'catch' after the 'try' block, found end of line"])
    }

    func testImports() {
        XCTAssertEqual(tree(#"import "lib/util.quill""#), #"(import "lib/util.quill" util)"#)
        XCTAssertEqual(tree(#"import "json""#), #"(import "json" json)"#)
        XCTAssertEqual(tree(#"import "lib/my-util.quill" as util"#), #"(import "lib/my-util.quill" util)"#)
        XCTAssertEqual(errors(#"import "lib/my-util.quill""#),
                       ["1:8: cannot name the module imported from 'lib/my-util.quill'; add 'as name'"])
    }

    func testSemicolonsSeparateStatements() {
        XCTAssertEqual(tree("a; b;; c;\n"), "a b c")
        XCTAssertEqual(errors("a b"), ["1:3: expected end of line or ';' after statement, found 'b'"])
    }

    // MARK: - Prompts

    func testPromptMessages() {
        let source = lines(
            #"prompt greet(name, tone: "warm") {"#,
            #"  system "You are \(tone).""#,
            #"  if name == "bob" {"#,
            #"    user "Hi \(name)""#,
            #"  } else {"#,
            #"    assistant name"#,
            #"  }"#,
            #"  user("call")"#,
            #"  user = 3"#,
            #"  system.field"#,
            #"  user[0]"#,
            #"  let f = fn(x) { return x }"#,
            #"}"#)
        XCTAssertEqual(tree(source), #"(prompt greet (name tone:"warm") ((system (str "You are " tone ".")) "#
                       + #"(if (== name "bob") ((user (str "Hi " name))) ((assistant name))) (call user "call") "#
                       + #"(= user 3) (. system field) (index user 0) (let f (lambda (x) ((return x))))))"#)
    }

    func testRoleNamesAreOrdinaryOutsidePrompts() {
        XCTAssertEqual(errors(#"user "hi""#), ["1:1: 'user' messages belong inside a 'prompt' declaration"])
        XCTAssertEqual(errors("prompt p() {\n  f = fn() { user \"x\" }\n}").count, 1)
        XCTAssertEqual(tree("fn f() { system = 1 }"), "(fn f () ((= system 1)))")
    }

    func testPromptSource() {
        let declaration = lines("prompt ask(q) {", "  # comment", #"  user "Q: \(q)""#, "}")
        let (statements, diagnostics) = parse("let x = 1\n" + declaration + "\nlet y = 2")
        XCTAssertEqual(diagnostics.count, 0)
        guard statements.count == 3, case .function(let decl) = statements[1].kind else {
            return XCTFail("expected a prompt declaration")
        }
        XCTAssertEqual(decl.promptSource, declaration)
        XCTAssertTrue(decl.isPrompt)
        XCTAssertEqual(decl.name, "ask")
    }

    func testFunctionsAreNotPrompts() {
        guard case .function(let decl)? = parse("fn f() {}").statements.first?.kind else {
            return XCTFail("expected a function")
        }
        XCTAssertNil(decl.promptSource)
    }

    // MARK: - Locations

    func testNodeLocations() {
        let (statements, _) = parse("x = 1\n  let y = a + b * c")
        XCTAssertEqual(statements.map(\.location), [SourceLocation(line: 1, column: 1), SourceLocation(line: 2, column: 3)])
        guard case .binding(_, _, let value?) = statements[1].kind, case .binary(.add, let lhs, let rhs) = value.kind else {
            return XCTFail("unexpected tree")
        }
        XCTAssertEqual(value.location, SourceLocation(line: 2, column: 13))  // the '+'
        XCTAssertEqual(lhs.location, SourceLocation(line: 2, column: 11))
        XCTAssertEqual(rhs.location, SourceLocation(line: 2, column: 17))  // the '*'
    }

    // MARK: - Errors and recovery

    func testConditionAssignmentIsReported() {
        XCTAssertEqual(errors("if x = 1 {\n  y\n}"), ["1:6: '=' is assignment; use '==' to compare"])
        XCTAssertEqual(errors("while x = 1 { }"), ["1:9: '=' is assignment; use '==' to compare"])
    }

    func testThreeErrorsOnThreeLines() {
        let source = lines(
            "let a = 1 +",
            "let ok = 1",
            "let b = foo(1 2)",
            "let ok2 = 2",
            "if x { let = 3 }",
            "print(a)")
        XCTAssertEqual(errors(source), [
            "1:12: expected an expression, found end of line",
            "3:15: expected ',' between arguments, found '2'",
            "5:12: expected a variable name after 'let', found '='",
        ])
        // Everything else still parses.
        XCTAssertEqual(SExpr.print(parse(source).statements), "(let ok 1) (let b (call foo 1)) (let ok2 2) (if x ()) (call print a)")
    }

    func testAnEarlyErrorDoesNotHideLaterOnes() {
        let source = lines("x = (1 +", "y = 2", "z = 3", "w = [1, 2", "v = )")
        // The unclosed '(' let `1 +` run on into line 2: the parser backs up to line 2.
        XCTAssertEqual(errors(source), [
            "1:9: expected ')' after the expression, found end of line",
            "4:10: expected ']' after the list elements, found end of line",
            "5:5: expected an expression, found ')'",
        ])
        XCTAssertEqual(SExpr.print(parse(source).statements), "(= y 2) (= z 3)")
    }

    func testErrorsInsideAnUnclosedParenthesis() {
        // The lexer drops every newline after the unclosed '(', yet each line is still checked.
        let source = lines(
            "let a = (1 +",
            "let b = 2",
            "let c = ]",
            "print(b)",
            "fn (x) {}")
        XCTAssertEqual(errors(source), [
            "1:13: expected an expression, found end of line",
            "3:9: expected an expression, found ']'",
            "5:4: expected a function name after 'fn'",
        ])
        XCTAssertEqual(SExpr.print(parse(source).statements), "(let b 2) (call print b)")
    }

    func testMissingBraceBeforeCatchOrElse() {
        XCTAssertEqual(errors("try {\n  print(1)\ncatch e {\n}"), ["3:1: expected '}' to close '{' opened at line 1"])
        XCTAssertEqual(SExpr.print(parse("try {\n  print(1)\ncatch e {\n}").statements), "(try ((call print 1)) e ())")
        XCTAssertEqual(errors("if x {\n  a\nelse {\n  b\n}"), ["3:1: expected '}' to close '{' opened at line 1"])
    }

    func testUnclosedBraceHint() {
        let (_, diagnostics) = parse("fn f() {\n  return 1\n")
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics.first?.message, "expected '}' at end of block, found end of file")
        XCTAssertEqual(diagnostics.first?.hint, "to close '{' opened at line 1")
        XCTAssertEqual(diagnostics.first?.location, SourceLocation(line: 3, column: 1))
    }

    func testUnclosedParenthesisDoesNotSwallowTheRest() {
        let source = lines("let x = foo(1, 2", "let y = 3", "print(foo(y)", "z = 4", "print(y +)")
        let (statements, diagnostics) = parse(source)
        XCTAssertEqual(diagnostics.map(\.description), [
            "1:17: error: expected ')' after arguments, found end of line",
            "3:13: error: expected ')' after arguments, found end of line",
            "5:10: error: expected an expression after '+', found ')'",
        ])
        XCTAssertEqual(diagnostics.first?.hint, "to close '(' opened at line 1")
        // The bad argument is dropped; the call itself survives.
        XCTAssertEqual(SExpr.print(statements), "(let y 3) (= z 4) (call print)")
    }

    func testUnclosedBracketBeforeAStatementKeyword() {
        XCTAssertEqual(errors("f(a, 1 return 2"), ["1:8: expected ')' after arguments, found 'return'"])
        XCTAssertEqual(errors("let m = {a: 1\nlet n = 2"), ["1:14: expected '}' after the map entries, found end of line"])
        XCTAssertEqual(SExpr.print(parse("f(a, 1 return 2").statements), "(return 2)")
        // A keyword inside brackets closed later on the line is just a misplaced word.
        XCTAssertEqual(errors("f(a, return 1)\nx = (return 2)\ny = 3"),
                       ["1:6: expected an expression, found 'return'", "2:6: expected an expression, found 'return'"])
        XCTAssertEqual(SExpr.print(parse("f(a, return 1)\nx = (return 2)\ny = 3").statements), "(call f a) (= y 3)")
    }

    func testLexerErrorsAreReportedOnce() {
        XCTAssertEqual(errors(#"let s = "bad \q escape""#), [#"1:14: invalid escape sequence '\q'"#])
        XCTAssertEqual(errors("let n = 12abc"), ["1:9: invalid number '12abc'"])
        XCTAssertEqual(errors("if !x { y }"), ["1:4: unexpected '!'; use 'not' for negation"])
        XCTAssertEqual(errors("let s = \"abc\nlet t = 1"), ["1:9: unterminated string literal"])
        XCTAssertEqual(errors("a && b\nc || d"), ["1:3: unexpected '&&'; use 'and'", "2:3: unexpected '||'; use 'or'"])
    }

    func testMisplacedClauses() {
        XCTAssertEqual(errors("else { }"), ["1:1: 'else' must follow the '}' of an 'if' block"])
        XCTAssertEqual(errors("}"), ["1:1: unexpected '}' with no matching '{'"])
    }

    func testErrorsAreCappedAtOneHundred() {
        let source = String(repeating: "let = 1\n", count: 300)
        XCTAssertEqual(parse(source).diagnostics.count, 100)
    }

    func testDeepNestingIsReportedNotFatal() {
        for source in [String(repeating: "(", count: 10_000),
                       String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
                       "x = " + String(repeating: "{a: ", count: 10_000),
                       String(repeating: "if x {\n", count: 10_000) + String(repeating: "}\n", count: 10_000),
                       String(repeating: "f(", count: 10_000),
                       String(repeating: "-", count: 10_000) + "x",
                       String(repeating: "not ", count: 10_000) + "x",
                       String(repeating: "2 ** ", count: 10_000) + "x",
                       String(repeating: "\"\\(", count: 10_000)] {
            let messages = parse(source).diagnostics.map(\.message)
            XCTAssertEqual(messages.filter { $0 == "expression nested too deeply" }.count, 1, String(source.prefix(12)))
        }
        // Moderate nesting is fine.
        let nested = "x = " + String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        XCTAssertEqual(tree(nested), "(= x 1)")
    }

    func testRandomInputNeverHangsOrCrashes() {
        var generator = SplitMix64(seed: 42)  // the VM's seedable generator, for reproducibility
        let pieces = ["let", "var", "fn", "prompt", "if", "else", "for", "in", "while", "return", "try", "catch", "import",
                      "not", "and", "x", "user", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "=>", "..", "+", "-",
                      "**", "=", "==", "??", "\n", " ", "\"a\\(", "\"", "\"\"\"\n", "1", "2.5", "0x", "#c\n", "!", "é"]
        for i in 0..<3000 {
            var text = ""
            if i.isMultiple(of: 2) {
                var bytes: [UInt8] = []
                for _ in 0..<Int.random(in: 0..<200, using: &generator) {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int.random(in: 0..<120, using: &generator) {
                    text += pieces[Int.random(in: 0..<pieces.count, using: &generator)] + " "
                }
            }
            let (_, diagnostics) = parse(text)
            XCTAssertLessThanOrEqual(diagnostics.count, 100)
            XCTAssertTrue(diagnostics.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 })
        }
    }

    func testStaticParseThrowsAllErrors() {
        XCTAssertNoThrow(try Parser.parse(SourceFile(name: "ok", text: "let x = 1")))
        do {
            _ = try Parser.parse(SourceFile(name: "bad", text: "let = 1\nlet = 2"))
            XCTFail("expected a CompileError")
        } catch {
            XCTAssertEqual(error.diagnostics.count, 2)
            XCTAssertEqual(error.file.name, "bad")
        }
    }
}
