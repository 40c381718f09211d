/// A compiled context-free grammar over Unicode code points, ready for `GrammarMatcher`.
///
/// Make one from GBNF (`Grammar(gbnf:)`), a JSON Schema (`Grammar.jsonSchema`), a regular
/// expression (`Grammar.regex`) or a list of strings (`Grammar.choices`). A grammar is a
/// value: copies share the compiled rules and the automaton matchers build as they run, so
/// matching the same grammar again (see `GrammarCache`) starts warm.
///
/// ```swift
/// let grammar = try Grammar(gbnf: #"root ::= "yes" | "no""#)
/// var matcher = GrammarMatcher(grammar: grammar)
/// try matcher.accept(Array("ye".utf8))
/// matcher.allows(Array("s".utf8))  // true
/// ```
public struct Grammar: Sendable {
    let rules: GrammarRules
    let automaton: GrammarAutomaton

    init(rules: GrammarRules) {
        self.rules = rules
        automaton = GrammarAutomaton(rules: rules)
    }

    /// How many rules the grammar has, generated ones included.
    public var ruleCount: Int { rules.ruleStarts.count }

    /// The grammar written out in GBNF, root first (generated rules carry generated names).
    public var gbnf: String {
        var order = [rules.root]
        order += rules.ruleStarts.indices.filter { $0 != rules.root }
        return order.map { id in
            let alternatives = rules.ruleStarts[id].map { start -> String in
                var parts: [String] = []
                var literal = ""
                var i = Int(start)
                func flush() {
                    if !literal.isEmpty { parts.append("\"" + literal + "\"") }
                    literal = ""
                }
                while rules.elements[i] != .end {
                    switch rules.elements[i] {
                    case .chars(let c):
                        let cls = rules.classes[Int(c)]
                        if !cls.negated, cls.ranges.count == 1, cls.ranges[0].lowerBound == cls.ranges[0].upperBound {
                            literal += CharClass.escaped(cls.ranges[0].lowerBound, inClass: false)
                        } else {
                            flush()
                            parts.append(cls.gbnf)
                        }
                    case .rule(let r):
                        flush()
                        parts.append(rules.ruleNames[Int(r)])
                    case .end:
                        break
                    }
                    i += 1
                }
                flush()
                return parts.isEmpty ? "\"\"" : parts.joined(separator: " ")
            }
            return "\(rules.ruleNames[id]) ::= " + alternatives.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    /// Exactly one of `options`, character for character.
    public static func choices(_ options: [String]) throws -> Grammar {
        guard !options.isEmpty else {
            throw GrammarError(.none, "choices: the list is empty; give at least one string the output may be")
        }
        var builder = GrammarBuilder()
        var seen = Set<String>()
        let alternatives = options.filter { seen.insert($0).inserted }.map(GrammarBuilder.literal)
        builder.define(builder.reference("root"), alternatives)
        return try builder.build(root: "root")
    }
}

/// One element of a flattened alternative.
enum GrammarElement: Equatable, Sendable {
    /// The end of an alternative: the rule is done.
    case end
    /// One code point from the class at this index of `GrammarRules.classes`.
    case chars(Int32)
    /// The rule with this id.
    case rule(Int32)
}

/// A grammar's rules laid out flat: every alternative is a run of elements closed by `.end`,
/// so a matcher position is one index into `elements` (llama.cpp's layout).
struct GrammarRules: Sendable {
    let elements: [GrammarElement]
    let classes: [CharClass]
    /// For each rule, the index in `elements` where each of its alternatives starts.
    let ruleStarts: [[Int32]]
    let ruleNames: [String]
    let root: Int
}
