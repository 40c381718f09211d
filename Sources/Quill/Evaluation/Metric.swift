import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// One metric of an evaluation, ready to score rows: what a spec in `metrics: [...]` becomes.
///
/// A spec is a built-in metric's name (`"exact_match"`), a map naming one with its options
/// (`{metric: "contains", value: "Paris", threshold: 0.9}`), a function `fn(output, row)`
/// returning a number or a boolean (named by `{name: "mine", fn: f}` or after the function), or
/// a judge (`judge(m, rubric)`). Every score is "higher is better"; booleans score 1 or 0.
struct Metric {
    /// What a metric sees of one row.
    struct Context {
        let vm: VM
        let row: Value
        let output: Value
        let outputText: String
        let expected: Value
        /// The row field the expected value came from.
        let expectedField: String
        let latency: Double
        let cost: Decimal?
    }

    /// A score, with a verdict where the metric judges rows, and a note (a judge's reason).
    struct Result {
        var score: Double
        var verdict: Bool?
        var note: String?
    }

    let info: EvalReport.MetricInfo
    /// Scores one row; throws `MetricSkip` when the row cannot be scored.
    let score: (Context) throws -> Result

    /// A yes/no metric: scores 1 or 0 and passes rows that score 1.
    static func check(_ name: String, _ detail: String, threshold: Double?, _ test: @escaping (Context) throws -> Bool) -> Metric {
        Metric(info: .init(name: name, detail: detail, threshold: threshold, passAt: 1)) { c in
            let ok = try test(c)
            return Result(score: ok ? 1 : 0, verdict: ok)
        }
    }

    /// A graded metric: scores 0…1 (or any number), passing rows at `passAt` when given.
    static func graded(_ name: String, _ detail: String, threshold: Double?, passAt: Double?,
                       _ measure: @escaping (Context) throws -> Double) -> Metric {
        Metric(info: .init(name: name, detail: detail, threshold: threshold, passAt: passAt)) { c in
            let s = try measure(c)
            return Result(score: s, verdict: passAt.map { s >= $0 })
        }
    }
}

/// A metric could not score a row (the expected value is missing, the output is not a
/// number): the row is left out of the metric's summary and the note says why.
struct MetricSkip: Error {
    let reason: String
}

extension Metric.Context {
    /// The expected value as text; a MetricSkip when the row has none.
    func expectedText(_ metric: String) throws -> String {
        switch expected {
        case .nil: throw MetricSkip(reason: "\(metric): the row has no expected value")
        case .string(let s): return s.value
        default: return expected.description
        }
    }

    /// The expected value as a list of strings (contains_any/all with values from the row).
    func expectedList(_ metric: String) throws -> [String] {
        if case .list(let l) = expected { return l.items.map { if case .string(let s) = $0 { s.value } else { $0.description } } }
        return [try expectedText(metric)]
    }
}
