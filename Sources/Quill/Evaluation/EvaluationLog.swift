import QuillLanguage
import QuillLLM

/// A runtime's finished evaluations, in the order they finished: what `quill eval` renders and
/// gates on (`QuillRuntime.evaluations`), handed to the host's recorder (the run store) as each
/// finishes. Also holds thresholds the host imposes (`quill eval --threshold rouge_l=0.3`),
/// which override a script's own for the metric of that name.
public final class EvaluationLog: @unchecked Sendable {
    private let state = Locked([EvalReport]())
    let recorder: EvaluationRecorder?
    /// Metric name → threshold, for every evaluation; "evaluation-name.metric" → threshold for one.
    let thresholds: [String: Double]

    public init(recorder: EvaluationRecorder? = nil, thresholds: [String: Double] = [:]) {
        self.recorder = recorder
        self.thresholds = thresholds
    }

    public var reports: [EvalReport] { state.value }

    func add(_ report: EvalReport) {
        state.withLock { $0.append(report) }
        recorder?.record(report)
    }

    /// The metric with the host's threshold for it, if there is one.
    func applyingThresholds(to metric: Metric, evaluation: String) -> Metric {
        guard let t = thresholds["\(evaluation).\(metric.info.name)"] ?? thresholds[metric.info.name] else { return metric }
        var info = metric.info
        info.threshold = t
        return Metric(info: info, score: metric.score)
    }
}
