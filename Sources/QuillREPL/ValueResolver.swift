import Quill

/// Finds the value that the code just before a `.` or a `(` stands for, without running anything.
///
/// Only expressions that can be read without side effects are followed: names (looked up in
/// the session's module, then the built-ins), members of those (`a.b.c`), indexing by a literal
/// (`xs[0]`, `m["k"]`) and literals (`"…"`, numbers, `true`, `[…]`, `{…}`). Calls, operators and
/// parentheses are never evaluated, so `f().` or `(a + b).` resolve to nothing. Inside a list
/// or map literal an element that cannot be read becomes nil: `[f(x)].` is still a list.
struct ValueResolver {
    let vm: VM
    let module: Module

    /// The keywords that are values, and so may start or end an expression.
    static let literalKeywords: Set<String> = ["true", "false", "nil"]

    /// Whether a word token is a keyword other than `true`, `false` and `nil`.
    static func isStatementKeyword(_ token: CompletionToken) -> Bool {
        token.kind == .word && TokenKind.keywords[token.text] != nil && !literalKeywords.contains(token.text)
    }

    /// The value of the expression `tokens[..<end]` ends with, or nil when that expression is not
    /// one this resolver reads.
    func value(endingAt end: Int, in tokens: [CompletionToken]) -> Value? {
        guard let start = Self.expressionStart(in: tokens, end: end) else { return nil }
        var reader = Reader(tokens: tokens, index: start, end: end, resolver: self)
        guard let value = reader.postfix(), reader.index == end else { return nil }
        return value
    }

    /// Where the expression ending just before `end` starts: walks back over member names,
    /// index brackets and one primary. Nil at a `)` (a call or parentheses) or anything else.
    static func expressionStart(in tokens: [CompletionToken], end: Int) -> Int? {
        var i = end
        while i > 0 {
            let last = tokens[i - 1]
            let primaryStart: Int
            switch last.kind {
            case .word:
                if isStatementKeyword(last) { return nil }
                primaryStart = i - 1
            case .number, .string:
                primaryStart = i - 1
            case .punct where last.text == "]":
                guard let open = matchingOpen(in: tokens, closeAt: i - 1) else { return nil }
                if open > 0, endsOperand(tokens[open - 1]) {
                    // `base[key]`: keep walking back to the base.
                    i = open
                    continue
                }
                primaryStart = open
            case .punct where last.text == "}":
                guard let open = matchingOpen(in: tokens, closeAt: i - 1) else { return nil }
                primaryStart = open
            default:
                return nil
            }
            if last.kind == .word, primaryStart > 0, tokens[primaryStart - 1].isPunct(".") {
                // A member name: the expression goes on before the dot.
                i = primaryStart - 1
                continue
            }
            return primaryStart
        }
        return nil
    }

    /// Whether a token can end the expression a following `[` indexes.
    private static func endsOperand(_ token: CompletionToken) -> Bool {
        switch token.kind {
        case .word: return !isStatementKeyword(token)
        case .number, .string: return true
        case .punct: return token.text == "]" || token.text == ")"
        }
    }

    /// The index of the bracket that `tokens[close]` closes, or nil when the brackets do not nest.
    static func matchingOpen(in tokens: [CompletionToken], closeAt close: Int) -> Int? {
        var expected: [String] = []
        var i = close
        while i >= 0 {
            let t = tokens[i]
            if t.kind == .punct {
                switch t.text {
                case ")": expected.append("(")
                case "]": expected.append("[")
                case "}": expected.append("{")
                case "(", "[", "{":
                    guard expected.popLast() == t.text else { return nil }
                    if expected.isEmpty { return i }
                default: break
                }
            }
            i -= 1
        }
        return nil
    }

    /// A global or session binding by name: the module's own first, as the compiler resolves them.
    func lookup(_ name: String) -> Value? {
        if let v = module[name] { return v }
        return vm.builtins[name]
    }

    /// `value.name` for the member chain.
    func member(of value: Value, named name: String) -> Value? {
        vm.memberIfPresent(of: value, named: name)
    }
}

/// A recursive-descent reader over a token range, for the expressions `ValueResolver` follows.
private struct Reader {
    let tokens: [CompletionToken]
    var index: Int
    let end: Int
    let resolver: ValueResolver

    private var current: CompletionToken? { index < end ? tokens[index] : nil }

    private mutating func take(_ spelling: String) -> Bool {
        guard let t = current, t.isPunct(spelling) else { return false }
        index += 1
        return true
    }

    /// primary ( `.` word | `[` postfix `]` )*
    mutating func postfix() -> Value? {
        guard var value = primary() else { return nil }
        while true {
            if take(".") {
                guard let name = current, name.kind == .word else { return nil }
                index += 1
                guard let next = resolver.member(of: value, named: name.text) else { return nil }
                value = next
            } else if take("[") {
                guard let key = postfix(), take("]"), let next = Self.element(of: value, at: key) else { return nil }
                value = next
            } else {
                return value
            }
        }
    }

    private mutating func primary() -> Value? {
        guard let t = current else { return nil }
        index += 1
        switch t.kind {
        case .word:
            switch t.text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "nil": return .nil
            default: return ValueResolver.isStatementKeyword(t) ? nil : resolver.lookup(t.text)
            }
        case .number:
            return Self.number(t.text)
        case .punct where t.text == "-":
            // A negative number (`xs[-1]`); minus on anything else is an operation, not a literal.
            guard let n = current, n.kind == .number, n.start == t.end else { return nil }
            index += 1
            switch Self.number(n.text) {
            case .int(let i)?: return .int(-i)
            case .float(let d)?: return .float(-d)
            default: return nil
            }
        case .string:
            // An interpolated string is still a string; its text only matters as a map key.
            return .str(t.text)
        case .punct where t.text == "[":
            var items: [Value] = []
            while !take("]") {
                guard current != nil else { return nil }
                items.append(element(until: ["]"]))
                guard take(",") || current?.isPunct("]") == true else { return nil }
            }
            return .list(ListObject(items))
        case .punct where t.text == "{":
            let map = MapObject()
            while !take("}") {
                guard let keyToken = current else { return nil }
                index += 1
                let key: Value? = switch keyToken.kind {
                case .word: .str(keyToken.text)
                case .string where keyToken.isPlain: .str(keyToken.text)
                case .number: Self.number(keyToken.text)
                default: nil
                }
                guard take(":") else { return nil }
                let value = element(until: ["}"])
                if let key { map.set(key, value) }
                guard take(",") || current?.isPunct("}") == true else { return nil }
            }
            return .map(map)
        default:
            return nil
        }
    }

    /// One element of a list or map literal: its value when readable, else nil after skipping
    /// to the `,` or closing bracket that ends it.
    private mutating func element(until closer: Set<String>) -> Value {
        let start = index
        if let v = postfix(), let t = current, t.isPunct(",") || (t.kind == .punct && closer.contains(t.text)) {
            return v
        }
        index = start
        var depth = 0
        while let t = current {
            if t.kind == .punct {
                switch t.text {
                case "(", "[", "{": depth += 1
                case ")", "]", "}":
                    if depth == 0 { return .nil }
                    depth -= 1
                case ",":
                    if depth == 0 { return .nil }
                default: break
                }
            }
            index += 1
        }
        return .nil
    }

    /// `container[key]` for lists (ints, negative from the end) and maps; nil otherwise.
    private static func element(of container: Value, at key: Value) -> Value? {
        switch (container, key) {
        case let (.list(l), .int(i)):
            guard let p = l.position(i) else { return nil }
            return l.items[p]
        case let (.map(m), key):
            return m[key]
        default:
            return nil
        }
    }

    /// An int or float literal; nil for spellings this reader does not parse (hex, exponents).
    private static func number(_ spelling: String) -> Value? {
        let digits = String(spelling.filter { $0 != "_" })
        if let i = Int(digits) { return .int(i) }
        if let d = Double(digits) { return .float(d) }
        return nil
    }
}
