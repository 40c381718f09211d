import Foundation
import QuillLanguage
import QuillLLM

/// `evaluate_matrix(data, prompts: [...], models: [...], metrics: [...], task: nil, options: nil)`:
/// every prompt with every model over the same rows and metrics, one report cell each.
///
/// A prompt is a function of the row (a `prompt` declaration taking the row, or a lambda);
/// prompts and models are named by their declaration and spec, or by the keys when given as a
/// map (`prompts: {terse: p1, friendly: p2}`). Without `task:`, a cell's output is
/// `model.gen(prompt(row), ...options)`; with it, `task(model, prompt, row)`.
enum EvaluationMatrix {
    static func run(_ args: Args, setup: EvaluationLibrary.Setup, log: EvaluationLog) throws -> Value {
        let prompts = try named(args, 1, what: "prompts", expected: "functions of the row (prompt declarations or lambdas)") { v in
            MetricCatalog.isCallable(v) ? MetricCatalog.functionName(v) ?? "" : nil
        }
        let models = try named(args, 2, what: "models", expected: "models (from model(...))") { v in
            if case .object(let m as ModelObject) = v { return m.spec }
            return nil
        }
        // Not a ternary: its `nil` would be Value.nil (Value is nil-literal expressible), not "no task".
        var task: Value?
        if args.has(3) { task = try args.callable(3) }
        var names: [String] = [], values: [Value] = []
        if args.has(4) {
            for (key, value) in try args.map(4).entries {
                guard case .string(let k) = key else { throw QuillError.type("options: keys must be option names") }
                guard CallOptions.names.contains(k.value) else {
                    throw QuillError.value("options: '\(k.value)' is not a model call option",
                                           hint: Suggestion.hint(for: k.value, in: CallOptions.names))
                }
                names.append(k.value)
                values.append(value)
            }
        }
        var cells: [EvalReport] = []
        for (promptName, prompt) in prompts {
            for (modelName, model) in models {
                let cellTask: Value
                if let task {
                    cellTask = .native(NativeFunction("evaluate_matrix.task", ["row"]) { a in try a.vm.call(task, [model, prompt, a[0]]) })
                } else {
                    guard case .object(let m as ModelObject) = model, let gen = ModelObject.methods["gen"] else { continue }
                    let bound = Value.native(gen.bound(to: .object(m)))
                    cellTask = .native(NativeFunction("evaluate_matrix.task", ["row"]) { a in
                        try a.vm.callNamed(bound, [try a.vm.call(prompt, a[0])] + values, names: names)
                    })
                }
                var evaluation = Evaluation(name: setup.name, dataset: setup.dataset, rows: setup.rows, task: cellTask,
                                            metrics: setup.metrics, expectedField: setup.expected,
                                            concurrency: setup.concurrency, progress: setup.progress)
                evaluation.variant = EvalReport.Variant(prompt: promptName, model: modelName)
                let report = try evaluation.run(vm: args.vm)
                log.add(report)
                cells.append(report)
            }
        }
        return .object(EvalReportObject(cells, name: setup.name))
    }

    /// A list (named by `label`) or a map (named by its keys) of values, at least one.
    private static func named(_ args: Args, _ i: Int, what: String, expected: String,
                              label: (Value) -> String?) throws -> [(String, Value)] {
        var pairs: [(String, Value)] = []
        switch args[i] {
        case .list(let l):
            for (j, v) in l.items.enumerated() {
                guard let name = label(v) else { throw QuillError.type("\(what)[\(j)] must be one of \(expected), not \(v.typeName)") }
                pairs.append((name.isEmpty ? "\(what.dropLast())\(j + 1)" : name, v))
            }
        case .map(let m):
            for (key, v) in m.entries {
                guard label(v) != nil else { throw QuillError.type("\(what).\(key.description) must be one of \(expected), not \(v.typeName)") }
                pairs.append((key.description, v))
            }
        default:
            throw args.typeError(i, expected: "a list or a map of \(expected)")
        }
        guard !pairs.isEmpty else { throw QuillError.value("evaluate_matrix(): \(what) is empty") }
        return pairs
    }
}
