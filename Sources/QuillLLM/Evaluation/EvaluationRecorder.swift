/// Keeps finished evaluations: the host's side of `evaluate`. `quill run` and `quill eval`
/// record them in the run store (`RunRecorder`), so a later run can be compared row by row.
/// Called on the script's thread as each evaluation (or matrix cell) finishes; a recorder
/// that fails reports it itself and must not throw into the script.
public protocol EvaluationRecorder: AnyObject, Sendable {
    func record(_ report: EvalReport)
}
