/// Errors of the LLM layer, each saying what went wrong and what to do.
public enum LLMError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The spec could not be read (`model("lokal")`).
    case invalidSpec(String, reason: String)
    /// A known provider that this build cannot reach yet.
    case providerNotAvailable(provider: String, spec: String)
    /// The model could not be loaded.
    case unavailable(model: String, message: String)
    /// A request setting is out of range or the wrong shape (names the parameter).
    case invalidParameter(name: String, message: String)
    /// The output constraint (schema, regex, choices, grammar) is not valid.
    case invalidConstraint(String)
    /// Output that cannot be made valid for the constraint (after repairs, or cut by max_tokens).
    case invalidOutput(model: String, problems: [String], output: String)
    /// The provider failed (the local engine's error, or later an HTTP status).
    case provider(model: String, message: String)

    public var description: String {
        switch self {
        case .invalidSpec(let spec, let reason):
            return "invalid model spec '\(spec)': \(reason)"
        case .providerNotAvailable(let provider, let spec):
            return "provider '\(provider)' (in '\(spec)') is not available in this version of Quill: use a local model — \"local\", \"local:smollm2\" or \"local:path/to/model.gguf\""
        case .unavailable(let model, let message):
            return "cannot open model '\(model)': \(message)"
        case .invalidParameter(let name, let message):
            return "'\(name)': \(message)"
        case .invalidConstraint(let message):
            return "invalid output constraint: \(message)"
        case .invalidOutput(let model, let problems, let output):
            let shown = output.count > 200 ? String(output.prefix(200)) + "…" : output
            return "\(model) produced output that does not fit the requested shape (\(problems.joined(separator: "; "))): \(shown)"
        case .provider(let model, let message):
            return "\(model): \(message)"
        }
    }
}
