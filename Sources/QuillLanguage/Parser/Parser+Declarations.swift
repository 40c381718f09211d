/// Functions: declarations, prompt templates, lambdas, and their parameter lists.
///
///     function   = "fn" NAME parameters block
///     prompt     = "prompt" NAME parameters block
///     lambda     = "fn" parameters ("=>" expr | block)
///     parameters = "(" [parameter {"," parameter} [","]] ")"
///     parameter  = NAME [":" expr]
extension Parser {
    /// `fn name(...) { }` or `prompt name(...) { }` (the current token is the keyword).
    @inline(never)
    mutating func parseFunctionDeclaration() throws(ParseAbort) -> Stmt {
        let keyword = advance()
        let isPrompt = keyword.kind == .kwPrompt
        let what = isPrompt ? "prompt" : "function"
        guard at(.identifier) else {
            // A lambda cannot stand alone as a statement, so `fn (x) {}` is a nameless declaration.
            error("expected a \(what) name after '\(keyword.text)'")
            throw ParseAbort()
        }
        let name = advance()
        guard at(.leftParen) else {
            try abortExpected("expected '(' after the \(what) name")
        }
        let parameters = try parseParameters()

        // Message statements belong to the prompt's own body, not to functions inside it.
        let outerInPrompt = inPrompt
        inPrompt = isPrompt
        defer { inPrompt = outerInPrompt }
        let body = try parseBlock("to start the body of '\(name.text)'")

        var promptSource: String? = nil
        if isPrompt {
            // The exact text from `prompt` through the closing `}`.
            let last = previous
            let end = min(max(last.offset + last.length, keyword.offset), bytes.count)
            promptSource = String(decoding: bytes[keyword.offset..<end], as: UTF8.self)
        }
        let decl = FunctionDecl(name: name.text, parameters: parameters, body: body,
                                location: keyword.location, promptSource: promptSource)
        return Stmt(.function(decl), at: keyword.location)
    }

    /// `fn(x) => e` or `fn(x) { ... }` (the current token is `fn`).
    @inline(never)
    mutating func parseLambda() throws(ParseAbort) -> Expr {
        let keyword = advance()
        guard at(.leftParen) else {
            try abortExpected("expected '(' after 'fn' in a function expression")
        }
        let parameters = try parseParameters()
        let outerInPrompt = inPrompt
        inPrompt = false
        defer { inPrompt = outerInPrompt }

        let body: [Stmt]
        if at(.arrow) {
            advance()
            skipNewlinesBeforeOperand()
            let value = try parseExpression()
            body = [Stmt(.returnValue(value), at: value.location)]
        } else if at(.leftBrace) {
            body = try parseBlock("")
        } else {
            try abortExpected("expected '=>' or '{' after the parameters of a function expression")
        }
        let decl = FunctionDecl(name: nil, parameters: parameters, body: body, location: keyword.location)
        return Expr(.lambda(decl), at: keyword.location)
    }

    /// `(a, b: default, ...)`; the current token is `(`. Duplicate names are reported.
    @inline(never)
    mutating func parseParameters() throws(ParseAbort) -> [Parameter] {
        let open = advance()
        var parameters: [Parameter] = []
        var seen = Set<String>()
        while true {
            let iterationStart = index
            if consume(.rightParen) { break }
            guard at(.identifier) else {
                errorFound("expected a parameter name")
                if try skipInList(closer: .rightParen, separators: true, from: iterationStart) { break }
                continue
            }
            let name = advance()
            if !seen.insert(name.text).inserted {
                report("duplicate parameter '\(name.text)'", at: name.location, tokenIndex: index - 1,
                       length: Self.columns(of: name, in: bytes))
            }
            var defaultValue: Expr? = nil
            if consume(.colon) {
                do {
                    defaultValue = try parseExpression()
                } catch {
                    if try skipInList(closer: .rightParen, separators: true, from: iterationStart) { break }
                    continue
                }
            } else if at(.equal) {
                error("a parameter's default value is written 'name: value'")
                if try skipInList(closer: .rightParen, separators: true, from: iterationStart) { break }
                continue
            }
            parameters.append(Parameter(name: name.text, defaultValue: defaultValue, location: name.location))
            if consume(.comma) { continue }
            if consume(.rightParen) { break }
            if try recoverInList(closer: .rightParen, open: open, what: "after parameters", items: "parameters") { break }
            if index == iterationStart { advance() }
        }
        return parameters
    }
}
