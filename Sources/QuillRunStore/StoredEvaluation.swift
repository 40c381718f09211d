import Foundation
import GRDB
import QuillEngine
import QuillLLM

/// An evaluation as the run store lists it: a row of the `evaluations` table without the
/// report itself, which can be large (every dataset row's input and output) and is read only
/// when wanted, with `RunStore.report(evaluation:)`.
public struct StoredEvaluation: Codable, FetchableRecord, Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    /// The recording run's script (its absolute path), repeated from `runs` for the index.
    public var script: String
    public var name: String
    public var dataset: String
    public var variantPrompt: String?
    public var variantModel: String?
    /// Seconds since 1970, and wall-clock seconds.
    public var startedAt: Double
    public var duration: Double
    public var rows: Int
    /// Rows whose task failed.
    public var errors: Int
    /// The share of rows that passed (no error, every judged metric passed).
    public var passRate: Double
    /// Whether every gated metric met its threshold: `quill eval`'s verdict.
    public var passed: Bool
    public var inputTokens: Int
    public var outputTokens: Int
    /// Dollars as exact decimal text; nil when a call's price was unknown.
    public var cost: String?
    /// The metric summaries as a JSON array (`MetricSummary.json`).
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case id, script, name, dataset, duration, rows, errors, passed, cost, summary
        case runID = "run_id", variantPrompt = "variant_prompt", variantModel = "variant_model"
        case startedAt = "started_at", passRate = "pass_rate", inputTokens = "input_tokens", outputTokens = "output_tokens"
    }

    /// The columns a listing reads: all but `report`.
    static let columns = """
        id, run_id, script, name, dataset, variant_prompt, variant_model, started_at, duration, rows, errors, \
        pass_rate, passed, input_tokens, output_tokens, cost, summary
        """

    /// The matrix cell, for an `evaluate_matrix` evaluation.
    public var variant: EvalReport.Variant? {
        guard let variantPrompt, let variantModel else { return nil }
        return EvalReport.Variant(prompt: variantPrompt, model: variantModel)
    }

    /// The name, with the variant for a matrix cell (as `EvalReport.title`).
    public var title: String { variant.map { "\(name) [\($0.label)]" } ?? name }

    /// A metric with a threshold, and how the evaluation fared against it.
    public struct Gate: Sendable, Equatable {
        public var metric: String
        /// The metric's mean; nil when no row was scored.
        public var mean: Double?
        public var threshold: Double
        public var passed: Bool
    }

    /// The gated metrics, read from the summary.
    public var gates: [Gate] {
        guard let items = (try? JSONValue.parse(summary))?.arrayValue else { return [] }
        return items.compactMap { item in
            guard let metric = item["name"]?.stringValue, let threshold = item["threshold"]?.numberValue else { return nil }
            let passed: Bool
            if case .bool(let b)? = item["passed"] { passed = b } else { passed = false }
            return Gate(metric: metric, mean: item["mean"]?.numberValue, threshold: threshold, passed: passed)
        }
    }
}
