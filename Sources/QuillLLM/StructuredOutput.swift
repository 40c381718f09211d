import QuillEngine

/// Checks output against a constraint and phrases the constraint for models that cannot
/// enforce it. JSON schemas are checked by parsing and validating; regexes, choices and
/// grammars by running the output through the same grammar the local core enforces, so
/// both paths accept exactly the same outputs.
struct StructuredOutput {
    let constraint: OutputConstraint
    private let grammar: Grammar

    init(_ constraint: OutputConstraint) throws {
        self.constraint = constraint
        grammar = try LocalLanguageModel.grammar(for: constraint)
    }

    /// The output as a value, and what is wrong with it (empty when it fits).
    func check(_ output: String) -> (JSONValue?, [String]) {
        if case .jsonSchema(let schema) = constraint {
            let value: JSONValue
            do {
                value = try JSONValue.parse(output)
            } catch {
                return (nil, ["not valid JSON: \(error)"])
            }
            let problems = JSONSchemaValidator.validate(value, against: schema)
            return (problems.isEmpty ? value : nil, problems)
        }
        var matcher = GrammarMatcher(grammar: grammar)
        let bytes = Array(output.utf8)
        guard matcher.allows(bytes), (try? matcher.accept(bytes)) != nil, matcher.isComplete else {
            return (nil, [mismatch])
        }
        return (.string(output), [])
    }

    private var mismatch: String {
        switch constraint {
        case .choices(let options): return "the reply must be exactly one of: \(options.joined(separator: ", "))"
        case .regex(let pattern): return "the reply must match the regular expression \(pattern)"
        case .grammar: return "the reply does not follow the grammar"
        case .jsonSchema: return "the reply does not fit the schema"
        }
    }

    /// The input with an instruction describing the required shape.
    func instructed(_ input: LLMInput) -> [LLMMessage] {
        var messages: [LLMMessage]
        switch input {
        case .messages(let m): messages = m
        case .text(let t): messages = [.user(t)]
        }
        let instruction: String
        switch constraint {
        case .jsonSchema(let schema):
            instruction = "Reply with only a JSON value (no prose, no code fences) that satisfies this JSON Schema: \(schema.serialized)"
        case .choices(let options):
            instruction = "Reply with exactly one of the following, and nothing else: \(options.joined(separator: " | "))"
        case .regex(let pattern):
            instruction = "Reply with only text matching the regular expression \(pattern)"
        case .grammar(let text):
            instruction = "Reply with only text that follows this grammar (GBNF):\n\(text)"
        }
        if let i = messages.firstIndex(where: { $0.role == "system" }) {
            messages[i].content += "\n\n" + instruction
        } else {
            messages.insert(.system(instruction), at: 0)
        }
        return messages
    }

    /// The follow-up that asks for a corrected reply.
    func repairMessage(_ problems: [String]) -> String {
        "That reply is not valid: \(problems.joined(separator: "; ")). Reply again with only the corrected output."
    }
}
