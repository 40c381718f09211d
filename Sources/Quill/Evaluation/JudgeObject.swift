import QuillLanguage

/// The value `judge(model, rubric, scale: 1..5, pass_at: nil)` returns: a rubric-bound grader.
/// `j.grade(output, input: nil, reference: nil)` returns `{score, pass, reason}`; in
/// `evaluate(…, metrics: [j])` it grades each row's output against the row's input and expected
/// value, as the metric `judge`.
final class JudgeObject: NativeObject, @unchecked Sendable {
    let judge: Judge

    init(_ judge: Judge) { self.judge = judge }

    override var typeName: String { "judge" }
    override var description: String { "<judge \(judge.model.spec) \(judge.low)..\(judge.high): \(judge.rubric.prefix(40))>" }
    override var memberNames: [String] { ["grade", "rubric", "scale", "pass_at", "model"] }

    override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "rubric": return .str(judge.rubric)
        case "scale": return .object(RangeObject(from: judge.low, through: judge.high))
        case "pass_at": return .float(judge.passAt)
        case "model": return .object(judge.model)
        case "grade": return .native(Self.grade.bound(to: .object(self)))
        default: return nil
        }
    }

    static let grade = NativeFunction("grade", ["output", "input", "reference"], required: 1, isMethod: true) { args in
        guard case .object(let j as JudgeObject) = args.receiver else { preconditionFailure("grade on \(args.receiver.typeName)") }
        func text(_ i: Int) throws -> String? { args.has(i) ? EvaluationText.text(args[i]) : nil }
        return try j.judge.grade(vm: args.vm, output: EvaluationText.text(args[0]), input: try text(1), reference: try text(2)).map
    }

    /// `judge(model, rubric, scale: 1..5, pass_at: nil)`.
    static let constructor = NativeFunction("judge", ["model", "rubric", "scale", "pass_at"], required: 2) { args in
        guard case .object(let model as ModelObject) = args[0] else { throw args.typeError(0, expected: "a model (from model(...))") }
        let (low, high) = try scale(args, 2)
        let passAt = args.has(3) ? try args.double(3) : nil
        return .object(JudgeObject(try Judge(model: model, rubric: try args.string(1), low: low, high: high, passAt: passAt)))
    }

    /// `compare_judge(model, question, a, b, rubric: nil)`: pairwise, in both orders.
    static let compare = NativeFunction("compare_judge", ["model", "question", "a", "b", "rubric"], required: 4) { args in
        guard case .object(let model as ModelObject) = args[0] else { throw args.typeError(0, expected: "a model (from model(...))") }
        return try Judge.compare(model, vm: args.vm, question: try args.string(1), a: EvaluationText.text(args[2]),
                                 b: EvaluationText.text(args[3]), rubric: args.has(4) ? try args.string(4) : nil)
    }

    /// A scale given as a range `1..5` or a list `[1, 5]`; 1..5 by default.
    static func scale(_ args: Args, _ i: Int) throws -> (Int, Int) {
        switch args[i] {
        case .nil: return (1, 5)
        case .object(let r as RangeObject) where r.step == 1 && r.count >= 2: return (r.start, r.end - 1)
        case .list(let l) where l.items.count == 2:
            if case .int(let a) = l.items[0], case .int(let b) = l.items[1] { return (a, b) }
        default: break
        }
        throw args.typeError(i, expected: "a range of integers such as 1..5")
    }
}

/// How evaluation code reads values as text: strings as they are, a model response map by its
/// content, anything else as its printed form.
enum EvaluationText {
    static func text(_ value: Value) -> String {
        switch value {
        case .string(let s): return s.value
        case .map(let m):
            if case .string(let s)? = m["content"], m["role"] != nil { return s.value }
            return (try? JSONBridge.json(value).serialized) ?? value.description
        case .list: return (try? JSONBridge.json(value).serialized) ?? value.description
        default: return value.description
        }
    }
}
