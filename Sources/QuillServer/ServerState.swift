import Foundation
import QuillEngine
import QuillLLM

/// What every route shares: the configuration, the loaded models and the metrics.
final class ServerState: Sendable {
    let configuration: ServerConfiguration
    let registry: ModelRegistry
    let metrics: ServerMetrics

    init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        registry = try ModelRegistry(configuration.models)
        metrics = ServerMetrics()
        for entry in registry.entries {
            metrics.register(model: entry.id, capacity: entry.engine.scheduler.maxSequences)
        }
    }
}

extension APIError {
    /// The client-facing error for a failure of the LLM layer: bad settings and constraints
    /// are the request's fault (400); anything else is the server's (500).
    static func from(_ error: Error, constraintField: String = "response_format") -> APIError {
        if let error = error as? APIError { return error }
        switch error {
        case LLMError.invalidParameter(let name, let message):
            return APIError.invalidField(name, message)
        case LLMError.invalidConstraint(let message):
            return APIError.invalidField(constraintField, message)
        case let error as LLMError:
            return APIError(.internalServerError, "the model failed: \(error)", code: "model_error")
        default:
            return APIError(.internalServerError, "the model failed: \(error)", code: "model_error")
        }
    }
}

extension LLMResponse {
    /// The generated tokens whose text is part of `text`: a stop string's tokens, which the
    /// text leaves out, are dropped too.
    func visibleTokens(_ tokenizer: Tokenizer) -> [LLMToken] {
        let limit = text.utf8.count
        var bytes = 0
        var visible: [LLMToken] = []
        for token in tokens where bytes < limit {
            visible.append(token)
            bytes += tokenizer.bytes(of: token.id).count
        }
        return visible
    }
}
