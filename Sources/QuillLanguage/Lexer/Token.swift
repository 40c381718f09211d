/// The kinds of token the lexer produces.
public enum TokenKind: UInt8, Sendable, CaseIterable {
    // Literals and names
    case identifier, int, float
    /// A complete string literal, or the last segment of an interpolated one. `Token.text` holds the cooked value.
    case string
    /// A string segment followed by `\(`: the tokens of an expression follow, then another `interpolation` or a `string`.
    case interpolation

    // Punctuation
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    case comma, dot, colon, semicolon, arrow /* => */
    case dotDot /* .. */, dotDotLess /* ..< */

    // Operators
    case plus, minus, star, slash, slashSlash, percent, starStar
    case equal, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case plusEqual, minusEqual, starEqual, slashEqual, slashSlashEqual, percentEqual, questionQuestionEqual
    case questionQuestion, bang /* ! is reserved; `not` is the operator */

    // Keywords
    case kwLet, kwVar, kwFn, kwPrompt, kwIf, kwElse, kwWhile, kwFor, kwIn, kwBreak, kwContinue, kwReturn
    case kwTry, kwCatch, kwThrow, kwImport, kwAs, kwAnd, kwOr, kwNot, kwTrue, kwFalse, kwNil

    /// End of a statement: a newline outside brackets.
    case newline
    case eof
    /// A lexical error; `Token.text` holds the message. The parser reports it and moves on.
    case error

    public static let keywords: [String: TokenKind] = [
        "let": .kwLet, "var": .kwVar, "fn": .kwFn, "prompt": .kwPrompt, "if": .kwIf, "else": .kwElse,
        "while": .kwWhile, "for": .kwFor, "in": .kwIn, "break": .kwBreak, "continue": .kwContinue,
        "return": .kwReturn, "try": .kwTry, "catch": .kwCatch, "throw": .kwThrow, "import": .kwImport,
        "as": .kwAs, "and": .kwAnd, "or": .kwOr, "not": .kwNot, "true": .kwTrue, "false": .kwFalse, "nil": .kwNil,
    ]

    /// How the token reads in an error message ("expected ')'").
    public var display: String {
        switch self {
        case .identifier: return "a name"
        case .int: return "an integer"
        case .float: return "a number"
        case .string, .interpolation: return "a string"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .comma: return "','"
        case .dot: return "'.'"
        case .colon: return "':'"
        case .semicolon: return "';'"
        case .arrow: return "'=>'"
        case .dotDot: return "'..'"
        case .dotDotLess: return "'..<'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .slashSlash: return "'//'"
        case .percent: return "'%'"
        case .starStar: return "'**'"
        case .equal: return "'='"
        case .equalEqual: return "'=='"
        case .bangEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .plusEqual: return "'+='"
        case .minusEqual: return "'-='"
        case .starEqual: return "'*='"
        case .slashEqual: return "'/='"
        case .slashSlashEqual: return "'//='"
        case .percentEqual: return "'%='"
        case .questionQuestionEqual: return "'??='"
        case .questionQuestion: return "'??'"
        case .bang: return "'!'"
        case .newline: return "end of line"
        case .eof: return "end of file"
        case .error: return "invalid token"
        default:
            for (word, kind) in TokenKind.keywords where kind == self { return "'\(word)'" }
            return "\(self)"
        }
    }
}

/// One token with its location. Tokens are produced all at once into an array.
public struct Token: Sendable {
    public var kind: TokenKind
    public var location: SourceLocation
    /// Byte offset of the token's first byte in the source.
    public var offset: Int
    /// Length of the token in bytes of source.
    public var length: Int
    /// Identifier name, cooked string contents, number spelling, or an error message.
    public var text: String

    public init(kind: TokenKind, location: SourceLocation, offset: Int, length: Int, text: String) {
        self.kind = kind
        self.location = location
        self.offset = offset
        self.length = length
        self.text = text
    }
}
