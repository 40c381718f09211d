import Foundation
import QuillEngine

/// One evaluation's results: what `evaluate` returns to a script, what every report format
/// renders and what the run store keeps. Plain data (JSON values for rows' inputs and
/// outputs), so renderers and the store need nothing of the language.
///
/// Every metric is "higher is better": bounds (latency, cost, length) score 1 inside and 0
/// outside. A metric's `threshold` gates its mean (the summary passes when mean ≥ threshold;
/// `quill eval` exits 1 when one does not); a row passes a metric when its score reaches the
/// metric's `passAt` (1 for the yes/no metrics).
public struct EvalReport: Sendable {
    /// The evaluation's name (`evaluate(…, name:)`, or the dataset's).
    public var name: String
    /// The dataset's name: its file, or "inline".
    public var dataset: String
    /// For `evaluate_matrix`: the prompt and model of this cell; nil for a plain evaluation.
    public var variant: Variant?
    public var metrics: [MetricInfo]
    public var rows: [EvalRow]
    public var summaries: [MetricSummary]
    /// Seconds since 1970 when the evaluation started, and its wall-clock duration.
    public var startedAt: Double
    public var duration: Double

    public struct Variant: Sendable, Equatable {
        public var prompt: String
        public var model: String
        public init(prompt: String, model: String) {
            self.prompt = prompt
            self.model = model
        }
        public var label: String { "\(prompt) × \(model)" }
    }

    public struct MetricInfo: Sendable, Equatable {
        /// The column name (`rouge_l`, `judge`, or the user's name for a function).
        public var name: String
        /// What it computes, one line, for report legends.
        public var detail: String
        /// Gate on the mean: the evaluation fails when the mean is below it.
        public var threshold: Double?
        /// A row passes when its score is at least this; nil: rows are scored, not judged.
        public var passAt: Double?
        public init(name: String, detail: String, threshold: Double? = nil, passAt: Double? = nil) {
            self.name = name
            self.detail = detail
            self.threshold = threshold
            self.passAt = passAt
        }
    }

    public init(name: String, dataset: String, variant: Variant? = nil, metrics: [MetricInfo], rows: [EvalRow],
                startedAt: Double, duration: Double) {
        self.name = name
        self.dataset = dataset
        self.variant = variant
        self.metrics = metrics
        self.rows = rows
        self.startedAt = startedAt
        self.duration = duration
        self.summaries = []
        summarize()
    }

    /// Recomputes the summaries from the rows and the metrics' thresholds (after a threshold
    /// changes, as `quill eval --threshold` does).
    public mutating func summarize() {
        summaries = metrics.map { MetricSummary(metric: $0, rows: rows) }
    }

    /// The report's title: the name, with the variant for a matrix cell.
    public var title: String { variant.map { "\(name) [\($0.label)]" } ?? name }

    /// Whether every gated metric met its threshold (true when none is gated).
    public var passed: Bool { summaries.allSatisfy { $0.passed != false } }
    /// The rows that errored or failed a metric.
    public var failures: [EvalRow] { rows.filter { !$0.passed } }
    /// The share of rows that passed (no error, every judged metric passed).
    public var passRate: Double { rows.isEmpty ? 0 : Double(rows.count - failures.count) / Double(rows.count) }
    public var errors: Int { rows.count { $0.error != nil } }

    /// The metric names across several reports (a matrix's cells), in the order they first appear.
    public static func metricNames(_ reports: [EvalReport]) -> [String] {
        var seen = Set<String>(), names: [String] = []
        for report in reports {
            for metric in report.metrics where seen.insert(metric.name).inserted { names.append(metric.name) }
        }
        return names
    }
    public var inputTokens: Int { rows.reduce(0) { $0 + $1.inputTokens } }
    public var outputTokens: Int { rows.reduce(0) { $0 + $1.outputTokens } }
    /// The summed cost of the task's calls; nil when any call's price is unknown.
    public var cost: Decimal? {
        rows.reduce(Decimal(0) as Decimal?) { sum, row in
            guard let sum, row.costKnown else { return nil }
            return sum + row.cost
        }
    }
}

/// One dataset row's result.
public struct EvalRow: Sendable {
    /// 0-based position in the dataset.
    public var index: Int
    /// What identifies the row across runs: its `id` field if it has one, else a hash of its
    /// input (so a regression report matches rows even when the dataset is reordered).
    public var key: String
    public var input: JSONValue
    public var expected: JSONValue?
    /// The task's output; nil when it failed.
    public var output: JSONValue?
    /// The task's error ("Kind: message"), when it failed.
    public var error: String?
    /// Each metric's score, by metric name; absent when the row could not be scored.
    public var scores: [String: Double]
    /// Each judged metric's verdict, by metric name.
    public var verdicts: [String: Bool]
    /// Why: a judge's reason, or why a metric could not score the row.
    public var notes: [String: String]
    /// The task's model calls: wall-clock seconds of the task, tokens and cost summed.
    public var latency: Double
    public var calls: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Decimal
    /// False when a call's price was unknown (then `cost` leaves it out).
    public var costKnown: Bool

    public init(index: Int, key: String, input: JSONValue, expected: JSONValue?, output: JSONValue?, error: String?,
                scores: [String: Double] = [:], verdicts: [String: Bool] = [:], notes: [String: String] = [:],
                latency: Double = 0, calls: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0,
                cost: Decimal = 0, costKnown: Bool = true) {
        self.index = index
        self.key = key
        self.input = input
        self.expected = expected
        self.output = output
        self.error = error
        self.scores = scores
        self.verdicts = verdicts
        self.notes = notes
        self.latency = latency
        self.calls = calls
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cost = cost
        self.costKnown = costKnown
    }

    /// No error and no failed verdict.
    public var passed: Bool { error == nil && !verdicts.values.contains(false) }

    /// The metrics whose verdict on this row was a failure, by name.
    public var failedMetrics: [String] { verdicts.filter { !$0.value }.keys.sorted() }

    /// The output as text: a string as it is, anything else as compact JSON.
    public var outputText: String {
        guard let output else { return "" }
        if case .string(let s) = output { return s }
        return output.serialized
    }
}

/// A metric's figures over the rows it scored.
public struct MetricSummary: Sendable {
    public var name: String
    /// Rows scored (rows that errored or that the metric could not score are left out).
    public var count: Int
    public var mean: Double
    public var stdev: Double
    /// The 95% bootstrap interval of the mean (percentile method, 1,000 resamples, fixed seed).
    public var low: Double
    public var high: Double
    public var min: Double
    public var max: Double
    /// The share of scored rows that passed, for judged metrics.
    public var passRate: Double?
    public var threshold: Double?
    /// Whether the mean met the threshold; nil without one.
    public var passed: Bool?

    public init(metric: EvalReport.MetricInfo, rows: [EvalRow]) {
        let values = rows.compactMap { $0.scores[metric.name] }
        name = metric.name
        count = values.count
        mean = EvalStatistics.mean(values)
        stdev = EvalStatistics.standardDeviation(values)
        (low, high) = EvalStatistics.bootstrapInterval(values)
        min = values.min() ?? .nan
        max = values.max() ?? .nan
        let verdicts = rows.compactMap { $0.verdicts[metric.name] }
        passRate = verdicts.isEmpty ? nil : Double(verdicts.count { $0 }) / Double(verdicts.count)
        threshold = metric.threshold
        // An evaluation where nothing could be scored fails its gate: no evidence is not a pass.
        passed = metric.threshold.map { count > 0 && mean >= $0 }
    }
}
