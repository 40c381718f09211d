/// Errors of the LLM layer, each saying what went wrong and what to do.
public enum LLMError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The spec could not be read (`model("lokal")`).
    case invalidSpec(String, reason: String)
    /// The model could not be loaded.
    case unavailable(model: String, message: String)
    /// A request setting is out of range or the wrong shape (names the parameter).
    case invalidParameter(name: String, message: String)
    /// The output constraint (schema, regex, choices, grammar) is not valid.
    case invalidConstraint(String)
    /// Output that cannot be made valid for the constraint (after repairs, or cut by max_tokens).
    case invalidOutput(model: String, problems: [String], output: String)
    /// The provider failed (the local engine's error, a malformed reply, an error in a stream).
    case provider(model: String, message: String)
    /// A hosted provider needs a key and none is set (raised before any request is sent).
    case missingKey(model: String, variable: String)
    /// A hosted provider answered with an error status (after any retries); the message is
    /// `HTTPStatusError`'s: the status, the provider's own words, and what to do.
    case http(model: String, status: Int, message: String, retries: Int)
    /// A hosted provider could not be reached or stopped answering (after any retries).
    case unreachable(model: String, message: String)
    /// A client-side rate limit can never admit the request (it needs more tokens than a minute allows).
    case rateLimit(model: String, message: String)
    /// Every model of a fallback list failed; one line per model.
    case allFailed([String])

    public var description: String {
        switch self {
        case .invalidSpec(let spec, let reason):
            return "invalid model spec '\(spec)': \(reason)"
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
        case .missingKey(let model, let variable):
            return "\(model): no API key: set the environment variable \(variable)"
        case .http(let model, _, let message, _):
            return "\(model): \(message)"
        case .unreachable(let model, let message):
            return "\(model): \(message)"
        case .rateLimit(let model, let message):
            return "\(model): \(message)"
        case .allFailed(let lines):
            return "every model failed: " + lines.joined(separator: "; ")
        }
    }
}
