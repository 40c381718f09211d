import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// One run of `evaluate`: the task over every row on the batch executor (`concurrency` rows at
/// once; on the local core their requests are decoded together), then the metrics over every
/// row, also concurrently (judges are model calls too). A row whose task fails keeps its error
/// and is left out of the scores; the others are unaffected.
///
/// Each row's task runs inside its own `BatchScope`, whose observer adds up the calls made for
/// that row (nested batches included), so the report has per-row latency, tokens and cost. The
/// judges' calls are made after the scope ends: they are the evaluation's cost, not the task's.
struct Evaluation {
    let name: String
    let dataset: String
    let rows: [Value]
    let task: Value
    let metrics: [Metric]
    let expectedField: String
    let concurrency: Int
    let progress: Bool?
    var variant: EvalReport.Variant?

    /// What the task did for one row.
    private struct Outcome {
        var output: Value = .nil
        var error: String?
        var latency = 0.0
        var totals = CostLedger.Totals()
    }

    func run(vm: VM) throws -> EvalReport {
        let started = Date()
        let clock = MonotonicClock.now()
        let outcomes = Locked([Outcome](repeating: Outcome(), count: rows.count))
        let task = self.task
        let runner = NativeFunction("evaluate.task", ["row", "index"]) { args in
            guard case .int(let i) = args[1] else { return .nil }
            let totals = Locked(CostLedger.Totals())
            let scope = BatchScope(limit: nil, prefix: "eval-row") { event in
                guard [.response, .error, .cacheHit, .budget].contains(event.kind) else { return }
                totals.withLock { $0.add(event) }
            }
            let start = MonotonicClock.now()
            defer {
                let latency = MonotonicClock.now() - start
                outcomes.withLock { o in
                    o[i].latency = latency
                    o[i].totals = totals.value
                }
            }
            return try args.vm.withBatchScope(scope) { try args.vm.call(task, args[0]) }
        }
        let results = try vm.batch(rows, concurrency: concurrency, progress: progress, .native(runner))
        outcomes.withLock { o in
            for (i, result) in results.enumerated() {
                if case .error(let e) = result {
                    o[i].error = "\(e.kind): \(e.message)" + (e.location.map { " (at \($0))" } ?? "")
                } else {
                    o[i].output = result
                }
            }
        }

        let scored = Locked([EvalRow?](repeating: nil, count: rows.count))
        let scorer = NativeFunction("evaluate.score", ["row", "index"]) { args in
            guard case .int(let i) = args[1] else { return .nil }
            let row = try self.score(i, outcomes.value[i], vm: args.vm)
            scored.withLock { $0[i] = row }
            return .nil
        }
        let scoring = try vm.batch(rows, concurrency: concurrency, progress: progress, .native(scorer))
        // Scoring failures other than a metric's own (which become notes) end the evaluation:
        // they are `exit()`, the step limit or a broken host, not a row's problem.
        for case .error(let e) in scoring { throw RuntimeError(e) }
        return EvalReport(name: name, dataset: dataset, variant: variant, metrics: metrics.map(\.info),
                          rows: scored.value.compactMap { $0 }, startedAt: started.timeIntervalSince1970,
                          duration: MonotonicClock.now() - clock)
    }

    /// Scores one row with every metric; a metric that cannot score it, or fails, leaves a note.
    private func score(_ i: Int, _ outcome: Outcome, vm: VM) throws -> EvalRow {
        let row = rows[i]
        let expected: Value = if case .map(let m) = row { m[expectedField] ?? .nil } else { .nil }
        var result = EvalRow(index: i, key: Self.key(of: row), input: Self.json(row), expected: expected.isNil ? nil : Self.json(expected),
                             output: outcome.error == nil ? Self.json(outcome.output) : nil, error: outcome.error,
                             latency: outcome.latency, calls: outcome.totals.calls, inputTokens: outcome.totals.inputTokens,
                             outputTokens: outcome.totals.outputTokens, cost: outcome.totals.cost,
                             costKnown: outcome.totals.unpricedCalls == 0)
        guard outcome.error == nil else { return result }
        let context = Metric.Context(vm: vm, row: row, output: outcome.output, outputText: EvaluationText.text(outcome.output),
                                     expected: expected, expectedField: expectedField, latency: outcome.latency, cost: outcome.totals.knownCost)
        for metric in metrics {
            let name = metric.info.name
            do {
                let r = try metric.score(context)
                result.scores[name] = r.score
                if let v = r.verdict { result.verdicts[name] = v }
                if let note = r.note { result.notes[name] = note }
            } catch let skip as MetricSkip {
                result.notes[name] = skip.reason
            } catch let exit as ExitRequest {
                throw exit
            } catch {
                let object = vm.errorObject(for: error)
                if object.kind == "LimitError" { throw error }
                result.notes[name] = "\(object.kind): \(object.message)"
            }
        }
        return result
    }

    /// A row's identity across runs: its `id` field when it has one, else a hash of the row.
    static func key(of row: Value) -> String {
        if case .map(let m) = row, let id = m["id"], !id.isNil {
            if case .string(let s) = id { return s.value }
            return id.description
        }
        return TemplateHash.hex(of: json(row).serialized, digits: 16)
    }

    /// A value as JSON for the report; values JSON cannot hold (functions, models) by their text.
    static func json(_ value: Value) -> JSONValue {
        (try? JSONBridge.json(value)) ?? .string(value.description)
    }
}
