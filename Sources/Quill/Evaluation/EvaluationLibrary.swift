import Foundation
import QuillLanguage
import QuillLLM

/// The evaluation built-ins:
/// - `dataset(source, format: nil)`: rows from a `.jsonl`, `.json`, `.csv` or `.tsv` file (by
///   extension, or `format:`), or an inline list.
/// - `evaluate(data, task, metrics: [...], judge: nil, concurrency: 4, name: nil,
///   expected: "expected", progress: nil)` → a report.
/// - `evaluate_matrix(data, prompts: [...], models: [...], metrics: [...], task: nil,
///   options: nil, …)` → a report with a cell per prompt × model.
/// - `judge(model, rubric, scale: 1..5, pass_at: nil)`, `compare_judge(model, question, a, b)`.
/// - the `metrics` namespace of plain metric functions.
enum EvaluationLibrary {
    static func install(into vm: VM, factory: ModelFactory, log: EvaluationLog) {
        vm.defineGlobal("dataset", .native(NativeFunction("dataset", ["source", "format"], required: 1) { args in
            switch args[0] {
            case .list(let list):
                return .object(DatasetObject(name: "inline", rows: list.items))
            case .string(let path):
                try args.vm.checkRead(path.value, for: "dataset()")
                let format = args.has(1) ? try args.string(1) : nil
                let rows = try Dataset.load(path: path.value, format: format)
                return .object(DatasetObject(name: path.value, rows: rows))
            default:
                throw args.typeError(0, expected: "a file path or a list of rows")
            }
        }))
        let embedder = EmbedderCache(factory: factory)
        vm.defineGlobal("metrics", .object(MetricsLibrary.namespace { args, i in
            var model: ModelObject?
            if args.has(i) {
                guard case .object(let m as ModelObject) = args[i] else { throw args.typeError(i, expected: "a model (from model(...))") }
                model = m
            }
            let access = ModelAccess.granted(by: args.vm, for: "the embedding model")
            return try args.vm.waiting { try embedder.embeddings(for: model, access: access) }
        }))
        vm.defineGlobal("judge", .native(JudgeObject.constructor))
        vm.defineGlobal("compare_judge", .native(JudgeObject.compare))

        let common = ["metrics", "judge", "concurrency", "name", "expected", "progress"]
        vm.defineGlobal("evaluate", .native(NativeFunction("evaluate", ["data", "task"] + common, required: 2) { args in
            let setup = try Setup(args, from: 2, embedder: embedder, log: log)
            let report = try Evaluation(name: setup.name, dataset: setup.dataset, rows: setup.rows, task: try args.callable(1),
                                        metrics: setup.metrics, expectedField: setup.expected, concurrency: setup.concurrency,
                                        progress: setup.progress).run(vm: args.vm)
            log.add(report)
            return .object(EvalReportObject([report]))
        }))
        vm.defineGlobal("evaluate_matrix", .native(NativeFunction(
            "evaluate_matrix", ["data", "prompts", "models", "task", "options"] + common, required: 3) { args in
            try EvaluationMatrix.run(args, setup: try Setup(args, from: 5, embedder: embedder, log: log), log: log)
        }))
    }

    /// What `evaluate` and `evaluate_matrix` share: the rows, the metrics and the options after
    /// the data and the task, read from parameter `first` on.
    struct Setup {
        let rows: [Value]
        let dataset: String
        let name: String
        let metrics: [Metric]
        let concurrency: Int
        let expected: String
        let progress: Bool?

        init(_ args: Args, from first: Int, embedder: EmbedderCache, log: EvaluationLog) throws {
            switch args[0] {
            case .object(let d as DatasetObject): (rows, dataset) = (d.rows, d.name)
            case .list(let l): (rows, dataset) = (l.items, "inline")
            default: throw args.typeError(0, expected: "a dataset (from dataset(...)) or a list of rows")
            }
            name = args.has(first + 3) ? try args.string(first + 3) : (dataset as NSString).lastPathComponent
            var judge: ModelObject?
            if args.has(first + 1) {
                guard case .object(let m as ModelObject) = args[first + 1] else { throw args.typeError(first + 1, expected: "a model (from model(...))") }
                judge = m
            }
            let vm = args.vm
            let environment = MetricCatalog.Environment(judge: judge) { model in
                let access = ModelAccess.granted(by: vm, for: "the embedding model")
                let e = try vm.waiting { try embedder.embeddings(for: model, access: access) }
                return { text in try vm.waiting { try e.vector(text) } }
            }
            var metrics: [Metric] = []
            if args.has(first) {
                for (i, spec) in try args.list(first).items.enumerated() {
                    let metric = try MetricCatalog.metric(spec, index: i, environment: environment)
                    guard !metrics.contains(where: { $0.info.name == metric.info.name }) else {
                        throw QuillError.value("metrics[\(i)]: two metrics are named '\(metric.info.name)'", hint: "give one of them name: \"...\"")
                    }
                    metrics.append(metric)
                }
            }
            let evaluation = name
            self.metrics = metrics.map { log.applyingThresholds(to: $0, evaluation: evaluation) }
            concurrency = try args.int(first + 2, default: 4)
            guard concurrency >= 1, concurrency <= 256 else {
                throw QuillError.value("concurrency must be from 1 to 256, got \(concurrency)")
            }
            expected = try args.string(first + 4, default: "expected")
            progress = args[first + 5].isNil ? nil : try args.bool(first + 5, default: false)
        }
    }
}

/// Opens embedding models once per runtime: `local` (the default model) unless a metric names one.
final class EmbedderCache: @unchecked Sendable {
    private let factory: ModelFactory
    private let opened = Locked([String: Embeddings]())

    init(factory: ModelFactory) { self.factory = factory }

    /// `access`: what opening the default model may do (pulling it needs the network).
    func embeddings(for model: ModelObject?, access: ModelAccess) throws -> Embeddings {
        let key = model?.client.model.cacheIdentity ?? "local"
        if let e = opened.withLock({ $0[key] }) { return e }
        let e: Embeddings
        do { e = try Embeddings(model?.client.model ?? factory.open("local", access: access)) } catch { throw ModelCall.scriptError(error) }
        opened.withLock { $0[key] = e }
        return e
    }
}
