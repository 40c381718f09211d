/// Expressions, by precedence from lowest to highest (Swift's order):
///
///     or                      left
///     and                     left
///     not                     prefix
///     == != < <= > >= in      non-associative (`not in` is two tokens)
///     ??                      right
///     .. ..<                  non-associative
///     + -                     left
///     * / // %                left
///     -                       prefix
///     **                      right, binds tighter than prefix `-`: `-2 ** 2` is `-(2 ** 2)`
///     call, member, subscript postfix
///
/// The binary levels are parsed by precedence climbing (`parseBinary`), which keeps the stack
/// shallow: one `parseBinary` frame per nesting level rather than one per precedence level.
extension Parser {
    /// Binary operator precedences.
    enum Precedence {
        static let or = 1, and = 2, not = 3, comparison = 4, coalesce = 5, range = 6, additive = 7, multiplicative = 8
    }

    enum Infix {
        case binary(BinaryOp), logical(LogicalOp), range(inclusive: Bool)
    }

    /// The binary operator at the current token: the operator, its precedence, and how many
    /// tokens it spans (`not in` is two).
    @inline(never)
    func infixOperator() -> (op: Infix, precedence: Int, width: Int)? {
        switch current.kind {
        case .kwOr: return (.logical(.or), Precedence.or, 1)
        case .kwAnd: return (.logical(.and), Precedence.and, 1)
        case .equalEqual: return (.binary(.equal), Precedence.comparison, 1)
        case .bangEqual: return (.binary(.notEqual), Precedence.comparison, 1)
        case .less: return (.binary(.less), Precedence.comparison, 1)
        case .lessEqual: return (.binary(.lessEqual), Precedence.comparison, 1)
        case .greater: return (.binary(.greater), Precedence.comparison, 1)
        case .greaterEqual: return (.binary(.greaterEqual), Precedence.comparison, 1)
        case .kwIn: return (.binary(.contains), Precedence.comparison, 1)
        case .kwNot where peek().kind == .kwIn: return (.binary(.notContains), Precedence.comparison, 2)
        case .questionQuestion: return (.logical(.coalesce), Precedence.coalesce, 1)
        case .dotDot: return (.range(inclusive: true), Precedence.range, 1)
        case .dotDotLess: return (.range(inclusive: false), Precedence.range, 1)
        case .plus: return (.binary(.add), Precedence.additive, 1)
        case .minus: return (.binary(.subtract), Precedence.additive, 1)
        case .star: return (.binary(.multiply), Precedence.multiplicative, 1)
        case .slash: return (.binary(.divide), Precedence.multiplicative, 1)
        case .slashSlash: return (.binary(.floorDivide), Precedence.multiplicative, 1)
        case .percent: return (.binary(.modulo), Precedence.multiplicative, 1)
        default: return nil
        }
    }

    /// A full expression.
    mutating func parseExpression() throws(ParseAbort) -> Expr {
        try parseBinary(Precedence.or)
    }

    /// Parses operators of precedence `minPrecedence` and above.
    mutating func parseBinary(_ minPrecedence: Int) throws(ParseAbort) -> Expr {
        try enterNesting()
        defer { depth -= 1 }

        var lhs: Expr
        if at(.kwNot) && minPrecedence <= Precedence.not {
            let notLocation = tokens[index].location
            advance()
            // `not` binds looser than comparisons (`not a == b` is `not (a == b)`) and may repeat.
            let operand = try parseBinary(at(.kwNot) && peek().kind != .kwIn ? Precedence.not : Precedence.comparison)
            lhs = Expr(.unary(.not, operand), at: notLocation)
        } else {
            lhs = try parseUnary()
        }

        // Comparisons and ranges do not associate: `a < b < c` is reported (once per chain)
        // and then parsed on as if left-associative.
        var previousNonAssociative: Int? = nil
        var reportedChain = false
        var chain = 0
        while let (op, precedence, width) = infixOperator(), precedence >= minPrecedence {
            let opLocation = tokens[index].location
            if previousNonAssociative == precedence && !reportedChain {
                reportedChain = true
                reportChained(comparison: precedence == Precedence.comparison)
            }
            chain += 1
            if chain > Self.maxChain { try abortTooLong() }
            for _ in 0..<width { advance() }
            skipNewlinesBeforeOperand()
            let rightAssociative = precedence == Precedence.coalesce
            let rhs = try parseBinary(rightAssociative ? precedence : precedence + 1)
            switch op {
            case .binary(let b): lhs = Expr(.binary(b, lhs, rhs), at: opLocation)
            case .logical(let l): lhs = Expr(.logical(l, lhs, rhs), at: opLocation)
            case .range(let inclusive): lhs = Expr(.range(lhs, rhs, inclusive: inclusive), at: opLocation)
            }
            let nonAssociative = precedence == Precedence.comparison || precedence == Precedence.range
            previousNonAssociative = nonAssociative ? precedence : nil
        }
        return lhs
    }

    /// After a binary operator (or `=`), a line break may come before the operand: `a +\n b`.
    /// The newline is kept when the next line cannot start an operand, so the error points at
    /// the end of the line rather than at the next statement.
    @inline(never)
    mutating func skipNewlinesBeforeOperand() {
        guard at(.newline) else { return }
        var i = index
        while i < tokens.count - 1, tokens[i].kind == .newline { i += 1 }
        if Self.canStartExpression(tokens[i].kind) && !isStatementKeyword(i) { index = i }
    }

    /// Prefix `-`, then `**`. A `-` directly before a number literal is folded into it (so
    /// `-9223372036854775808` works), unless `**` or a postfix operator follows the literal.
    mutating func parseUnary() throws(ParseAbort) -> Expr {
        guard at(.minus) else { return try parsePower() }
        if let folded = foldNegativeLiteral() { return folded }
        let location = tokens[index].location
        advance()
        try enterNesting()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expr(.unary(.negate, operand), at: location)
    }

    /// At `-`: the negative literal if a number follows that is not the operand of `**` or
    /// of a postfix operator (`-2 ** 2` is `-(2 ** 2)`, `-1.abs()` is `-(1.abs())`).
    @inline(never)
    mutating func foldNegativeLiteral() -> Expr? {
        let literal = peek(1)
        guard literal.kind == .int || literal.kind == .float else { return nil }
        switch peek(2).kind {
        case .starStar, .dot, .leftParen, .leftBracket:
            return nil
        default:
            let minus = advance()
            advance()
            return numberLiteral(literal, negative: true, at: minus.location, tokenIndex: index - 1)
        }
    }

    /// `base ** exponent`, right-associative; the exponent may itself be negated (`2 ** -1`).
    mutating func parsePower() throws(ParseAbort) -> Expr {
        let base = try parsePostfix()
        guard at(.starStar) else { return base }
        let opLocation = tokens[index].location
        advance()
        skipNewlinesBeforeOperand()
        try enterNesting()
        defer { depth -= 1 }
        let exponent = try parseUnary()
        return Expr(.binary(.power, base, exponent), at: opLocation)
    }

    /// Calls, member access, subscripts and slices. Postfix operators must be on the same
    /// line as their operand (the lexer emits the newline otherwise), except for a leading
    /// `.name` on the next line.
    mutating func parsePostfix() throws(ParseAbort) -> Expr {
        var expr = try parsePrimary()
        var chain = 0
        while true {
            chain += 1
            if chain > Self.maxChain { try abortTooLong() }
            switch current.kind {
            case .leftParen:
                expr = try parseCall(expr)
            case .leftBracket:
                expr = try parseSubscript(expr)
            case .dot:
                expr = try parseMember(expr)
            default:
                return expr
            }
        }
    }

    /// `callee(arguments)`
    @inline(never)
    mutating func parseCall(_ callee: Expr) throws(ParseAbort) -> Expr {
        let open = advance()
        let arguments = try parseArguments(open: open)
        return Expr(.call(callee, arguments), at: open.location)
    }

    /// `object.name`; any name may follow the dot, including a keyword.
    @inline(never)
    mutating func parseMember(_ object: Expr) throws(ParseAbort) -> Expr {
        let dot = advance()
        let name = current
        guard name.kind == .identifier || TokenKind.keywords[name.text] == name.kind else {
            try abortExpected("expected a member name after '.'")
        }
        advance()
        return Expr(.member(object, name.text), at: dot.location)
    }

    /// `base[index]`, or a slice `base[lo:hi]` with either bound optional.
    @inline(never)
    mutating func parseSubscript(_ base: Expr) throws(ParseAbort) -> Expr {
        let open = advance()
        var lower: Expr? = nil
        if !at(.colon) { lower = try parseExpression() }
        if consume(.colon) {
            var upper: Expr? = nil
            if !at(.rightBracket) { upper = try parseExpression() }
            try expectCloser(.rightBracket, open: open, what: "after the slice")
            return Expr(.slice(base, lower, upper), at: open.location)
        }
        try expectCloser(.rightBracket, open: open, what: "after the index")
        return Expr(.index(base, lower ?? Expr(.nilLiteral, at: open.location)), at: open.location)
    }

    /// Call arguments after `(`: positional, then named (`name: value`).
    @inline(never)
    mutating func parseArguments(open: Token) throws(ParseAbort) -> [CallArgument] {
        var arguments: [CallArgument] = []
        var names = Set<String>()
        var sawNamed = false
        while true {
            let iterationStart = index
            if consume(.rightParen) { break }
            let start = current
            let startIndex = index
            var name: String? = nil
            if at(.identifier) && peek().kind == .colon {
                name = start.text
                advance()
                advance()
            }
            let value: Expr
            do {
                value = try parseExpression()
            } catch {
                if try skipInList(closer: .rightParen, separators: true, from: iterationStart) { break }
                continue
            }
            if let name {
                sawNamed = true
                if !names.insert(name).inserted {
                    report("duplicate argument '\(name)'", at: start.location, tokenIndex: startIndex,
                           length: Self.columns(of: start, in: bytes))
                }
            } else if sawNamed {
                report("positional argument cannot follow a named argument", at: start.location, tokenIndex: startIndex,
                       length: Self.columns(of: start, in: bytes))
            }
            arguments.append(CallArgument(name: name, value: value, location: start.location))
            if consume(.comma) { continue }
            if consume(.rightParen) { break }
            if try recoverInList(closer: .rightParen, open: open, what: "after arguments", items: "arguments") { break }
            if index == iterationStart { advance() }
        }
        return arguments
    }

    mutating func parsePrimary() throws(ParseAbort) -> Expr {
        switch tokens[index].kind {
        case .kwNil, .kwTrue, .kwFalse, .int, .float, .identifier:
            return parseAtom()
        case .string, .interpolation:
            guard !isContinuation(tokens[index]) else { try abortExpectedExpression() }
            return try parseStringLiteral()
        case .leftParen:
            return try parseParenthesized()
        case .leftBracket:
            return try parseList()
        case .leftBrace:
            return try parseMap()
        case .kwFn:
            return try parseLambda()
        default:
            try abortExpectedExpression()
        }
    }

    /// A name, number, `nil`, `true` or `false`.
    @inline(never)
    mutating func parseAtom() -> Expr {
        let token = advance()
        switch token.kind {
        case .kwNil: return Expr(.nilLiteral, at: token.location)
        case .kwTrue: return Expr(.bool(true), at: token.location)
        case .kwFalse: return Expr(.bool(false), at: token.location)
        case .int, .float: return numberLiteral(token, negative: false, at: token.location, tokenIndex: index - 1)
        default: return Expr(.variable(token.text), at: token.location)
        }
    }

    /// `( expr )`
    @inline(never)
    mutating func parseParenthesized() throws(ParseAbort) -> Expr {
        let open = advance()
        let inner = try parseExpression()
        try expectCloser(.rightParen, open: open, what: "after the expression")
        return inner
    }

    // Error paths, kept out of line so the recursive functions above keep small stack frames
    // (each level of nesting costs one frame of each).

    @inline(never)
    mutating func abortExpectedExpression() throws(ParseAbort) -> Never {
        let before = previous
        if index > 0 && before.kind != .newline && startsNewLine(index) {
            // The line ended (inside brackets, where the lexer drops newlines) before the
            // operand: say so, at the end of that line.
            report("expected an expression, found end of line", at: endOfLineLocation(after: before), tokenIndex: index)
        } else if index > 0 && infixOperatorKinds.contains(before.kind) && !at(.newline) && !at(.eof) {
            // Two operators in a row: `1 +* 2`.
            errorFound("expected an expression after \(before.kind.display)")
        } else {
            errorFound("expected an expression")
        }
        throw ParseAbort()
    }

    @inline(never)
    mutating func abortTooLong() throws(ParseAbort) -> Never {
        error("expression is too long; split it into several statements")
        throw ParseAbort()
    }

    @inline(never)
    mutating func reportChained(comparison: Bool) {
        error(comparison ? "comparison operators cannot be chained; use 'and'"
                         : "range operators cannot be chained; use parentheses")
    }

    /// Operators after which a missing operand is reported as "after '+'".
    var infixOperatorKinds: Set<TokenKind> {
        [.kwOr, .kwAnd, .kwNot, .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual, .kwIn,
         .questionQuestion, .dotDot, .dotDotLess, .plus, .minus, .star, .slash, .slashSlash, .percent, .starStar]
    }
}
