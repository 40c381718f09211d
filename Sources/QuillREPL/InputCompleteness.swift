import QuillLanguage

/// Whether what the user typed so far is a complete piece of code, or continues on the next
/// line: a bracket, a string or a block left open; a line ending in an operator, a comma or
/// `=`. The lexer decides, so strings, comments and interpolations count as the compiler sees
/// them (a `{` inside a string opens nothing).
enum InputCompleteness {
    static func needsMore(_ text: String) -> Bool {
        var lexer = Lexer(file: SourceFile(name: "<repl>", text: text))
        let tokens = lexer.tokenize()
        var depth = 0
        var last: TokenKind?
        for token in tokens {
            switch token.kind {
            case .leftParen, .leftBracket, .leftBrace: depth += 1
            case .rightParen, .rightBracket, .rightBrace: depth -= 1
            case .error:
                // An unterminated string or multi-line string continues; other lexical
                // errors are reported by the compiler at once.
                if token.text.hasPrefix("unterminated") { return true }
            case .newline, .eof: continue
            default: break
            }
            last = token.kind
        }
        if depth > 0 { return true }
        guard let last else { return false }
        return continues.contains(last)
    }

    /// Tokens a statement cannot end with: the next line must carry on.
    private static let continues: Set<TokenKind> = [
        .comma, .dot, .colon, .arrow, .equal, .plus, .minus, .star, .slash, .slashSlash, .percent, .starStar,
        .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual, .plusEqual, .minusEqual, .starEqual,
        .slashEqual, .slashSlashEqual, .percentEqual, .questionQuestionEqual, .questionQuestion, .kwAnd, .kwOr, .kwNot,
        .kwElse, .kwIn,
    ]
}
