/// Rules under construction, shared by the GBNF parser and the regex, JSON Schema and choice
/// compilers; `build` checks them and flattens them into a `Grammar`.
///
/// Rules that a compiler generates (groups, repetitions) are shared when their bodies are
/// equal, so a schema with twenty string fields has one string rule, not twenty.
struct GrammarBuilder {
    /// One element of an alternative.
    enum Symbol: Hashable {
        case chars(CharClass)
        case rule(Int)
    }

    typealias Alternative = [Symbol]

    /// The largest `{m,n}` bound accepted: each unit of the bound becomes a rule.
    static let maxRepetition = 4096

    private(set) var names: [String] = []
    /// A rule's alternatives; nil while it is referenced but not yet defined.
    private(set) var bodies: [[Alternative]?] = []
    /// Where each named rule was defined, for left-recursion messages.
    private(set) var definitionSites: [GrammarError.Location] = []
    /// Where each rule was first referenced, for undefined-rule messages.
    private(set) var referenceSites: [GrammarError.Location] = []
    private var idsByName: [String: Int] = [:]
    private var idsByBody: [[Alternative]: Int] = [:]
    private var generatedCount: [String: Int] = [:]

    /// The id of the rule called `name`, declaring it if this is its first mention.
    mutating func reference(_ name: String, at site: GrammarError.Location = .none) -> Int {
        if let id = idsByName[name] { return id }
        let id = append(name: name, body: nil, site: .none)
        referenceSites[id] = site
        idsByName[name] = id
        return id
    }

    /// Whether `name` has been mentioned (defined or referenced).
    func isDeclared(_ name: String) -> Bool { idsByName[name] != nil }

    /// Where `name` was defined, if it was.
    func definitionSite(of name: String) -> GrammarError.Location? {
        guard let id = idsByName[name], bodies[id] != nil else { return nil }
        return definitionSites[id]
    }

    /// Gives the named rule `id` its alternatives.
    mutating func define(_ id: Int, _ alternatives: [Alternative], at site: GrammarError.Location = .none) {
        bodies[id] = alternatives
        definitionSites[id] = site
    }

    /// A generated rule with these alternatives; an existing rule with the same body is reused.
    mutating func rule(_ alternatives: [Alternative], hint: String) -> Int {
        if let id = idsByBody[alternatives] { return id }
        let n = generatedCount[hint, default: 0] + 1
        generatedCount[hint] = n
        let id = append(name: "\(hint)-\(n)", body: alternatives, site: .none)
        idsByBody[alternatives] = id
        return id
    }

    /// One symbol standing for `alternatives`: the symbol itself when there is only one.
    mutating func symbol(for alternatives: [Alternative], hint: String) -> Symbol {
        if alternatives.count == 1, alternatives[0].count == 1 { return alternatives[0][0] }
        return .rule(rule(alternatives, hint: hint))
    }

    /// The code points of `text`, one symbol each.
    static func literal(_ text: String) -> Alternative {
        text.unicodeScalars.map { .chars(.scalar($0.value)) }
    }

    /// `item` repeated `min` to `max` times (`max` nil: without bound).
    ///
    /// Bounded repetition becomes a chain of nested optional rules, `r_k ::= item r_(k-1) | ""`.
    /// The nested reference is the last element of its alternative, so the matcher's stacks do
    /// not grow with the count (a tail reference pushes no return address).
    /// `site` is where the repetition was written, for the error when an unbounded one
    /// repeats something that can match nothing.
    mutating func repetition(of item: Alternative, min: Int, max: Int?, hint: String,
                             at site: GrammarError.Location = .none) -> Alternative {
        if let max, max == 0 { return [] }
        let unit = symbol(for: [item], hint: hint)
        var out = Alternative(repeating: unit, count: min)
        if let max {
            guard max > min else { return out }
            var tail: Symbol? = nil
            for _ in 0..<(max - min) {
                let body: Alternative = tail.map { [unit, $0] } ?? [unit]
                tail = .rule(rule([body, []], hint: hint))
            }
            out.append(tail!)
        } else {
            // `r ::= item r | ""`: reserve the id first so the body can name it.
            let id = append(name: "\(hint)-\(generatedCount[hint, default: 0] + 1)", body: nil, site: site)
            generatedCount[hint, default: 0] += 1
            bodies[id] = [[unit, .rule(id)], []]
            out.append(.rule(id))
        }
        return out
    }

    private mutating func append(name: String, body: [Alternative]?, site: GrammarError.Location) -> Int {
        names.append(name)
        bodies.append(body)
        definitionSites.append(site)
        referenceSites.append(.none)
        return names.count - 1
    }

    /// Checks the rules (every reference defined, the root present, no left recursion) and
    /// flattens them.
    func build(root: String) throws -> Grammar {
        for (id, body) in bodies.enumerated() where body == nil {
            throw GrammarError(referenceSites[id], undefinedMessage(names[id]))
        }
        guard let rootID = idsByName[root] else {
            throw GrammarError(.none, "no rule named '\(root)': the grammar starts there; define `\(root) ::= ...` or name another start rule")
        }
        try checkLeftRecursion()
        return Grammar(rules: flatten(root: rootID))
    }

    private func undefinedMessage(_ name: String) -> String {
        var message = "undefined rule '\(name)'"
        let defined = names.indices.filter { bodies[$0] != nil && idsByName[names[$0]] != nil }.map { names[$0] }
        if let near = defined.min(by: { EditDistance.levenshtein($0, name) < EditDistance.levenshtein($1, name) }),
           EditDistance.levenshtein(near, name) <= max(2, name.count / 3) {
            message += "; did you mean '\(near)'?"
        } else {
            message += "; define it with `\(name) ::= ...`"
        }
        return message
    }

    /// Rules that can match the empty string.
    func nullableRules() -> [Bool] {
        var nullable = [Bool](repeating: false, count: bodies.count)
        var changed = true
        while changed {
            changed = false
            for (id, body) in bodies.enumerated() where !nullable[id] {
                let empty = body!.contains { alternative in
                    alternative.allSatisfy { if case .rule(let r) = $0 { return nullable[r] } else { return false } }
                }
                if empty { nullable[id] = true; changed = true }
            }
        }
        return nullable
    }

    /// A rule that can reach itself without consuming a character would send a top-down
    /// matcher into an endless expansion, so it is rejected here with the cycle spelled out.
    private func checkLeftRecursion() throws {
        let nullable = nullableRules()
        // Rules that may begin a rule's text: references preceded only by nullable symbols.
        let starts: [[Int]] = bodies.map { body in
            var out: [Int] = []
            for alternative in body! {
                for symbol in alternative {
                    guard case .rule(let r) = symbol else { break }
                    out.append(r)
                    if !nullable[r] { break }
                }
            }
            return out
        }
        var color = [UInt8](repeating: 0, count: bodies.count)  // 0 new, 1 on the path, 2 done
        var path: [Int] = []
        func visit(_ id: Int) -> [Int]? {
            color[id] = 1
            path.append(id)
            for next in starts[id] {
                if color[next] == 1 { return Array(path[path.firstIndex(of: next)!...]) + [next] }
                if color[next] == 0, let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            color[id] = 2
            return nil
        }
        for id in bodies.indices where color[id] == 0 {
            guard let cycle = visit(id) else { continue }
            // Name the cycle from a rule the writer defined, so the position points at their text.
            let anchor = cycle.first { definitionSites[$0] != .none } ?? cycle[0]
            let chain = cycle.map { names[$0] }.joined(separator: " → ")
            if idsByName[names[anchor]] != anchor {
                throw GrammarError(definitionSites[anchor], "this repetition's item can match the empty string, so repeating it could loop "
                                   + "forever without reading anything; make the item read at least one character (`x*` rather than `(x?)*`)")
            }
            throw GrammarError(definitionSites[anchor], "rule '\(names[anchor])' is left-recursive (\(chain) without reading a character), which would loop forever; "
                               + "put the recursion after something that reads text, e.g. `expr ::= term (\"+\" term)*` instead of `expr ::= expr \"+\" term | term`")
        }
    }

    private func flatten(root: Int) -> GrammarRules {
        var elements: [GrammarElement] = []
        var classes: [CharClass] = []
        var classIDs: [CharClass: Int32] = [:]
        var starts: [[Int32]] = []
        for body in bodies {
            var ruleStarts: [Int32] = []
            for alternative in body! {
                ruleStarts.append(Int32(elements.count))
                for symbol in alternative {
                    switch symbol {
                    case .chars(let c):
                        let id = classIDs[c] ?? {
                            classes.append(c)
                            classIDs[c] = Int32(classes.count - 1)
                            return Int32(classes.count - 1)
                        }()
                        elements.append(.chars(id))
                    case .rule(let r):
                        elements.append(.rule(Int32(r)))
                    }
                }
                elements.append(.end)
            }
            starts.append(ruleStarts)
        }
        return GrammarRules(elements: elements, classes: classes, ruleStarts: starts, ruleNames: names, root: root)
    }
}
