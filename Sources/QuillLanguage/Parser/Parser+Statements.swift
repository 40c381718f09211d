/// Statements and blocks.
///
///     statement  = binding | function | if | while | for | break | continue | return
///                | try | throw | import | message | assignment | expression
///     binding    = ("let" | "var") NAME ["=" expr]        (only `var` may omit the value)
///     if         = "if" expr block {"else" "if" expr block} ["else" block]
///     while      = "while" expr block
///     for        = "for" NAME ["," NAME] "in" expr block
///     return     = "return" [expr]
///     try        = "try" block "catch" [NAME] block
///     throw      = "throw" expr
///     import     = "import" STRING ["as" NAME]
///     message    = ("system" | "user" | "assistant") expr      (inside a prompt body)
///     assignment = target ("=" | "+=" | "-=" | "*=" | "/=" | "//=" | "%=" | "??=") expr
///     block      = "{" {statement} "}"
///
/// Statements end at a newline, `;`, `}` or end of file.
extension Parser {
    /// Parses statements until end of file, or until `}` when `inBlock` (the `}` is left for
    /// the caller). Never throws: an error abandons one statement and parsing goes on.
    mutating func parseStatements(inBlock: Bool) -> [Stmt] {
        var statements: [Stmt] = []
        while !gaveUp {
            while at(.newline) || at(.semicolon) { advance() }
            if at(.eof) { break }
            // In a block, `catch` or `else` means its `}` is missing; `parseBlock` reports it.
            if inBlock && (at(.kwCatch) || at(.kwElse)) { break }
            if at(.rightBrace) {
                if inBlock { break }
                error("unexpected '}' with no matching '{'")
                advance()
                continue
            }
            let start = index
            do {
                let statement = try parseStatement()
                statements.append(statement)
                statementStart = start
                try expectStatementEnd()
            } catch {
                synchronize(from: start)
            }
            // Progress guard: whatever went wrong, never loop without consuming a token.
            if index == start && !at(.rightBrace) && !at(.eof) {
                errorFound("expected a statement")
                advance()
            }
        }
        return statements
    }

    /// After a statement: a newline, `;`, `}`, end of file, or (where the lexer dropped the
    /// newline because of an unclosed bracket) a token on a new line.
    @inline(never)
    mutating func expectStatementEnd() throws(ParseAbort) {
        switch current.kind {
        case .newline, .semicolon, .rightBrace, .eof:
            return
        default:
            if startsNewLine(index) { return }
            // A statement that ended with a block may be followed by another on the same line:
            // `if n < 2 { return n } return fib(n - 1)`.
            if index > 0, tokens[index - 1].kind == .rightBrace { return }
            let first = tokens[min(statementStart, tokens.count - 1)]
            if !inPrompt, index == statementStart + 1, first.kind == .identifier,
               ["system", "user", "assistant"].contains(first.text) {
                report("'\(first.text)' messages belong inside a 'prompt' declaration", at: first.location,
                       tokenIndex: index, length: first.text.count,
                       hint: "declare a template: prompt name(params) { \(first.text) ... }")
            } else if at(.equal) {
                error("'=' is assignment and cannot be used inside an expression")
            } else {
                errorFound("expected end of line or ';' after statement")
            }
            throw ParseAbort()
        }
    }

    /// `{ statements }`. `context` completes "expected '{' ...".
    mutating func parseBlock(_ context: String) throws(ParseAbort) -> [Stmt] {
        guard at(.leftBrace) else {
            try abortExpected("expected '{' \(context)")
        }
        let open = current
        try enterNesting()
        defer { depth -= 1 }
        advance()
        let body = parseStatements(inBlock: true)
        if consume(.rightBrace) { return body }
        if at(.kwCatch) || at(.kwElse) {
            // `try { ... catch e { }`: end the block here so the clause still parses.
            error("expected '}' to close '{' opened at line \(open.location.line)")
        } else {
            errorFound("expected '}' at end of block", hint: "to close '{' opened at line \(open.location.line)")
        }
        return body
    }

    /// One statement. Each form is parsed out of line so that this function, which is on
    /// the stack once per nested block, keeps a small frame.
    mutating func parseStatement() throws(ParseAbort) -> Stmt {
        statementStart = index
        switch tokens[index].kind {
        case .kwLet, .kwVar:
            return try parseBinding()
        case .kwFn, .kwPrompt:
            return try parseFunctionDeclaration()
        case .kwIf:
            return try parseIf()
        case .kwWhile:
            return try parseWhile()
        case .kwFor:
            return try parseFor()
        case .kwBreak, .kwContinue, .kwReturn, .kwThrow:
            return try parseJump()
        case .kwTry:
            return try parseTry()
        case .kwImport:
            return try parseImport()
        case .kwElse, .kwCatch:
            try abortMisplacedClause()
        case .identifier where isMessageStatement():
            return try parseMessage()
        default:
            return try parseExpressionStatement()
        }
    }

    /// `while cond { }`
    @inline(never)
    mutating func parseWhile() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        let condition = try parseCondition()
        let body = try parseBlock("after while condition")
        return Stmt(.whileLoop(condition: condition, body: body), at: keyword.location)
    }

    /// `break`, `continue`, `return [expr]`, `throw expr`.
    @inline(never)
    mutating func parseJump() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        switch keyword.kind {
        case .kwBreak:
            return Stmt(.breakLoop, at: keyword.location)
        case .kwContinue:
            return Stmt(.continueLoop, at: keyword.location)
        case .kwReturn:
            if atExpressionEnd() { return Stmt(.returnValue(nil), at: keyword.location) }
            return Stmt(.returnValue(try parseExpression()), at: keyword.location)
        default:
            if atExpressionEnd() { try abortExpected("expected an expression after 'throw'") }
            return Stmt(.throwError(try parseExpression()), at: keyword.location)
        }
    }

    /// `system e`, `user e`, `assistant e` in a prompt body.
    @inline(never)
    mutating func parseMessage() throws(ParseAbort) -> Stmt {
        let role = advance()
        let content = try parseExpression()
        return Stmt(.message(role: role.text, content: content), at: role.location)
    }

    @inline(never)
    mutating func abortMisplacedClause() throws(ParseAbort) -> Never {
        error(at(.kwElse) ? "'else' must follow the '}' of an 'if' block" : "'catch' must follow the '}' of a 'try' block")
        throw ParseAbort()
    }

    /// True at a token that ends a statement, so an optional expression is absent.
    func atExpressionEnd() -> Bool {
        switch current.kind {
        case .newline, .semicolon, .rightBrace, .eof: return true
        default: return startsNewLine(index)
        }
    }

    /// `let x = e`, `var x = e`, `var x`.
    @inline(never)
    mutating func parseBinding() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        let mutable = keyword.kind == .kwVar
        guard at(.identifier) else {
            if !mutable && atExpressionEnd() {
                error("'let' needs a value: let x = ...")
            } else {
                errorFound("expected a variable name after '\(keyword.text)'")
            }
            throw ParseAbort()
        }
        let name = advance().text
        if consume(.equal) {
            skipNewlinesBeforeOperand()
            let value = try parseExpression()
            return Stmt(.binding(name: name, mutable: mutable, value: value), at: keyword.location)
        }
        if atExpressionEnd() {
            if mutable { return Stmt(.binding(name: name, mutable: true, value: nil), at: keyword.location) }
            error("'let' needs a value: let x = ...")
        } else {
            errorFound("expected '=' after the variable name")
        }
        throw ParseAbort()
    }

    /// An `if`/`while` condition. `if x = 1` is reported, then parsed as if it were `==` so the
    /// block is still checked.
    @inline(never)
    mutating func parseCondition() throws(ParseAbort) -> Expr {
        let condition = try parseExpression()
        if at(.equal) {
            error("'=' is assignment; use '==' to compare")
            advance()
            _ = try parseExpression()
        }
        return condition
    }

    /// `if`/`else if`/`else`, parsed iteratively so long chains do not recurse; each `else if`
    /// becomes an `ifElse` nested in the previous one's `otherwise`.
    @inline(never)
    mutating func parseIf() throws(ParseAbort) -> Stmt {
        var clauses: [(condition: Expr, body: [Stmt], location: SourceLocation)] = []
        var otherwise: [Stmt]? = nil
        var location = advance().location
        while true {
            let condition = try parseCondition()
            let body = try parseBlock("after if condition")
            clauses.append((condition, body, location))
            // `}` and `else` may be on different lines.
            guard nextNonNewlineKind() == .kwElse else { break }
            skipNewlines()
            advance()
            if at(.kwIf) {
                location = advance().location
                continue
            }
            otherwise = try parseBlock("after 'else'")
            break
        }
        var result = Stmt(.breakLoop, at: location)
        for clause in clauses.reversed() {
            result = Stmt(.ifElse(condition: clause.condition, then: clause.body, otherwise: otherwise), at: clause.location)
            otherwise = [result]
        }
        return result
    }

    /// `for x in e { }` or `for k, v in e { }`.
    @inline(never)
    mutating func parseFor() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        var names: [String] = []
        guard at(.identifier) else {
            try abortExpected("expected a loop variable name after 'for'")
        }
        names.append(advance().text)
        if consume(.comma) {
            guard at(.identifier) else {
                try abortExpected("expected a second loop variable name after ','")
            }
            names.append(advance().text)
        }
        guard consume(.kwIn) else {
            try abortExpected("expected 'in' after the loop variable")
        }
        let iterable = try parseExpression()
        let body = try parseBlock("after the for-loop sequence")
        return Stmt(.forLoop(names: names, iterable: iterable, body: body), at: keyword.location)
    }

    /// `try { } catch e { }` or `try { } catch { }`.
    @inline(never)
    mutating func parseTry() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        let body = try parseBlock("after 'try'")
        guard nextNonNewlineKind() == .kwCatch else {
            try abortExpected("expected 'catch' after the 'try' block")
        }
        skipNewlines()
        advance()
        var name: String? = nil
        if at(.identifier) { name = advance().text }
        let handler = try parseBlock(name == nil ? "after 'catch'" : "after the error name")
        return Stmt(.tryCatch(body: body, errorName: name, handler: handler), at: keyword.location)
    }

    /// `import "path"` or `import "path" as name`. Without `as`, the module is bound to the
    /// last path component minus a `.quill` extension.
    @inline(never)
    mutating func parseImport() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        guard at(.string) else {
            if at(.interpolation) {
                error("the path of an import must be a plain string, without interpolation")
            } else {
                errorFound("expected a module path string after 'import'")
            }
            throw ParseAbort()
        }
        let pathToken = advance()
        let path = pathToken.text
        if consume(.kwAs) {
            guard at(.identifier) else {
                try abortExpected("expected a module name after 'as'")
            }
            return Stmt(.importModule(path: path, binding: advance().text), at: keyword.location)
        }
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.hasSuffix(".quill") { name = name.dropLast(6) }
        let binding = String(name)
        if !Self.isValidIdentifier(binding) {
            report("cannot name the module imported from '\(path)'; add 'as name'", at: pathToken.location,
                   tokenIndex: index - 1, length: Self.columns(of: pathToken, in: bytes))
        }
        return Stmt(.importModule(path: path, binding: binding), at: keyword.location)
    }

    static func isValidIdentifier(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard let first = utf8.first, Ascii.isIdentifierStart(first) else { return false }
        guard utf8.allSatisfy(Ascii.isIdentifierContinue) else { return false }
        return TokenKind.keywords[name] == nil
    }

    /// In a prompt body, `system`/`user`/`assistant` followed on the same line by the start of
    /// an expression (other than `(`, `[`, which make a call or subscript) is a message.
    func isMessageStatement() -> Bool {
        guard inPrompt else { return false }
        let token = current
        guard token.text == "system" || token.text == "user" || token.text == "assistant" else { return false }
        let next = peek()
        guard next.location.line == token.location.line else { return false }
        switch next.kind {
        case .leftParen, .leftBracket, .dot, .equal:
            return false
        default:
            return Self.assignmentOperator(next.kind) == nil && Self.canStartExpression(next.kind)
        }
    }

    /// An expression statement, or an assignment when an assignment operator follows.
    @inline(never)
    mutating func parseExpressionStatement() throws(ParseAbort) -> Stmt {
        let startIndex = index
        let start = current
        let target = try parseExpression()
        guard let op = Self.assignmentOperator(current.kind) else {
            return Stmt(.expression(target), at: start.location)
        }
        switch target.kind {
        case .variable, .member, .index:
            break
        default:
            report("cannot assign to this expression", at: start.location, tokenIndex: startIndex,
                   length: Self.columns(of: start, in: bytes))
        }
        advance()
        skipNewlinesBeforeOperand()
        let value = try parseExpression()
        return Stmt(.assign(target: target, op: op, value: value), at: start.location)
    }
}
