/// The call whose argument list the cursor is in, read from the tokens before the cursor.
struct CallSiteScan {
    /// Index of the call's `(`; the callee is the expression that ends just before it.
    let paren: Int
    /// Whether the cursor is where an argument starts (right after `(` or `,`).
    let atArgumentStart: Bool
    /// How many arguments before the current one were given by position.
    let positionalCount: Int
    /// The names of the arguments before the current one given as `name: value`.
    let namesGiven: Set<String>

    /// Nil when the innermost open bracket is not a call's `(` (a list, a map, a declaration's
    /// parameter list, a parenthesized expression) or there is none.
    init?(_ tokens: [CompletionToken]) {
        var depth = 0
        var i = tokens.count - 1
        var paren: Int?
        while i >= 0 {
            let t = tokens[i]
            if t.kind == .punct {
                switch t.text {
                case ")", "]", "}": depth += 1
                case "(", "[", "{":
                    if depth == 0 {
                        paren = t.text == "(" ? i : nil
                        i = -1
                        continue
                    }
                    depth -= 1
                default: break
                }
            }
            i -= 1
        }
        guard let paren, paren > 0 else { return nil }
        let before = tokens[paren - 1]
        // `fn name(` and `prompt name(` declare parameters; `fn(` starts a lambda.
        if ValueResolver.isStatementKeyword(before) { return nil }
        if paren >= 2, tokens[paren - 2].kind == .word, ["fn", "prompt"].contains(tokens[paren - 2].text) { return nil }
        guard before.kind == .word || before.isPunct("]") || before.isPunct(")") else { return nil }
        self.paren = paren

        // Split the arguments at the call's own commas.
        var positional = 0
        var names: Set<String> = []
        var argumentStart = paren + 1
        depth = 0
        for j in (paren + 1)..<tokens.count {
            let t = tokens[j]
            guard t.kind == .punct else { continue }
            switch t.text {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "," where depth == 0:
                if j - argumentStart >= 2, tokens[argumentStart].kind == .word, tokens[argumentStart + 1].isPunct(":") {
                    names.insert(tokens[argumentStart].text)
                } else if j > argumentStart {
                    positional += 1
                }
                argumentStart = j + 1
            default: break
            }
        }
        atArgumentStart = argumentStart == tokens.count
        positionalCount = positional
        namesGiven = names
    }
}
