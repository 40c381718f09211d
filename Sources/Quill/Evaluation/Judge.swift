import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// A model that grades outputs against a rubric: `judge(m, rubric, scale: 1..5)`.
///
/// The verdict is asked for as JSON `{reason, score}` under a schema: on the local core the
/// schema is enforced token by token, so every verdict parses and its score is an integer in
/// the scale; hosted models use their JSON mode, then validation and repair (`LLMClient`).
/// The reason comes first so the score follows from it. `pass` is not the model's to say: it
/// is `score >= pass_at` (by default the top quarter of the scale and up, 4 on 1..5), so one
/// rubric's verdicts are comparable across judges and runs.
struct Judge {
    let model: ModelObject
    let rubric: String
    let low: Int
    let high: Int
    let passAt: Double

    init(model: ModelObject, rubric: String, low: Int = 1, high: Int = 5, passAt: Double? = nil) throws {
        guard high > low else { throw QuillError.value("judge(): scale must run from a lower to a higher integer, got \(low)..\(high)") }
        self.model = model
        self.rubric = rubric
        self.low = low
        self.high = high
        self.passAt = passAt ?? (Double(high) - Double(high - low) / 4).rounded(.up)
    }

    struct Verdict {
        let score: Int
        let reason: String
        let pass: Bool
        var map: Value {
            .map(MapObject([(.str("score"), .int(score)), (.str("pass"), .bool(pass)), (.str("reason"), .str(reason))]))
        }
    }

    /// The longest reason asked for, in characters: long enough to say why.
    static let reasonLength = 200
    /// Enough tokens that a verdict is never cut, so that it always parses: a token is at least
    /// one byte, a reason's character at most four in the JSON text (the schema's strings admit
    /// no `\u` escapes, which a judge sampled at a high temperature did fall into), and the
    /// rest of the object under 64 bytes. A verdict that reads well takes a few dozen.
    static let maxTokens = 4 * reasonLength + 64

    static let system = """
        You are a careful, impartial evaluator. You grade a response against a rubric and answer \
        in JSON with a one-sentence reason followed by an integer score.
        """

    /// Grades one output; `input` is what the task was given, `reference` an expected answer.
    func grade(vm: VM, output: String, input: String?, reference: String?) throws -> Verdict {
        var user = "Rubric: \(rubric)\nScore from \(low) (does not meet the rubric at all) to \(high) (fully meets it).\n"
        if let input, !input.isEmpty { user += "\nInput:\n\(input)\n" }
        if let reference, !reference.isEmpty { user += "\nReference answer:\n\(reference)\n" }
        user += "\nResponse to grade:\n\(output)\n"
        let schema = JSONValue.object([
            ("type", .string("object")),
            ("properties", .object([
                ("reason", .object([("type", .string("string")), ("maxLength", .int(Self.reasonLength))])),
                ("score", .object([("type", .string("integer")), ("minimum", .int(low)), ("maximum", .int(high))])),
            ])),
            ("required", .array([.string("reason"), .string("score")])),
        ])
        let value = try Self.ask(model, vm: vm, user: user, schema: schema)
        guard let score = value["score"]?.numberValue, let reason = value["reason"]?.stringValue else {
            throw QuillError("OutputError", "the judge's verdict has no score or reason: \(value.serialized)")
        }
        return Verdict(score: Int(score), reason: reason, pass: score >= passAt)
    }

    /// One structured request with the judge's system prompt; the parsed value. Greedy unless
    /// the model was opened with other settings (`model("local", temperature: 0.7)`), which win.
    static func ask(_ model: ModelObject, vm: VM, user: String, schema: JSONValue) throws -> JSONValue {
        var parameters = LLMParameters()
        parameters.temperature = 0
        parameters.maxTokens = maxTokens
        var merged = model.defaults.parameters.merged(over: parameters)
        // A short max_tokens meant for the model's answers must not cut a verdict.
        merged.maxTokens = max(merged.maxTokens ?? 0, maxTokens)
        let request = LLMRequest(input: .messages([LLMMessage(role: "system", content: system), LLMMessage(role: "user", content: user)]),
                                 parameters: merged, constraint: .jsonSchema(schema))
        var options = CallOptions()
        options.stream = false
        let response = try ModelCall.run(request, client: model.client, vm: vm, options: options, hooks: model.hooks)
        guard let value = response.value else {
            throw QuillError("OutputError", "the judge's answer is not JSON: \(response.text.prefix(200))")
        }
        return value
    }
}

extension Judge {
    /// Pairwise judging with position bias controlled: the two answers are judged in both
    /// orders, and a winner stands only when both orders agree; otherwise it is a tie marked
    /// inconsistent. Returns `{winner: "a"|"b"|"tie", consistent, verdicts: [...]}`.
    static func compare(_ model: ModelObject, vm: VM, question: String, a: String, b: String, rubric: String?) throws -> Value {
        let schema = JSONValue.object([
            ("type", .string("object")),
            ("properties", .object([
                ("reason", .object([("type", .string("string")), ("maxLength", .int(reasonLength))])),
                ("winner", .object([("enum", .array([.string("A"), .string("B"), .string("tie")]))])),
            ])),
            ("required", .array([.string("reason"), .string("winner")])),
        ])
        func ask(_ first: String, _ second: String) throws -> (winner: String, reason: String) {
            var user = "Question:\n\(question)\n\nAnswer A:\n\(first)\n\nAnswer B:\n\(second)\n\n"
            user += "Which answer is better\(rubric.map { " by this rubric: \($0)" } ?? "")? Say A, B or tie."
            let v = try Judge.ask(model, vm: vm, user: user, schema: schema)
            return (v["winner"]?.stringValue ?? "tie", v["reason"]?.stringValue ?? "")
        }
        let forward = try ask(a, b), backward = try ask(b, a)
        // In the second order A is b: map both verdicts back to the caller's a and b.
        let first = ["A": "a", "B": "b"][forward.winner] ?? "tie"
        let second = ["A": "b", "B": "a"][backward.winner] ?? "tie"
        let consistent = first == second
        func verdict(_ order: String, _ winner: String, _ reason: String) -> Value {
            .map(MapObject([(.str("order"), .str(order)), (.str("winner"), .str(winner)), (.str("reason"), .str(reason))]))
        }
        return .map(MapObject([
            (.str("winner"), .str(consistent ? first : "tie")), (.str("consistent"), .bool(consistent)),
            (.str("verdicts"), .list(ListObject([verdict("a,b", first, forward.reason), verdict("b,a", second, backward.reason)]))),
        ]))
    }
}
