import Foundation
import QuillEngine

/// A parsed `model(spec)` string.
///
/// - `local` — the bundled core with the default model; `local:NAME` a catalog model or a
///   model in the local store; `local:PATH.gguf` a file.
/// - `openai:MODEL`, `anthropic:MODEL`, `ollama:MODEL`,
///   `openai-compatible:http://host:port/v1#MODEL` — hosted providers.
public enum ModelSpec: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        case openAI = "openai", anthropic, ollama, openAICompatible = "openai-compatible"
    }

    /// `reference` is nil for the default model, else a catalog name, store name or path.
    case local(reference: String?)
    case hosted(Provider, model: String, baseURL: String?)

    public static func parse(_ spec: String) throws -> ModelSpec {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw LLMError.invalidSpec(spec, reason: "it is empty; write \"local\" for the bundled model")
        }
        let (scheme, rest): (String, String)
        if let colon = trimmed.firstIndex(of: ":") {
            (scheme, rest) = (String(trimmed[..<colon]).lowercased(), String(trimmed[trimmed.index(after: colon)...]))
        } else {
            (scheme, rest) = (trimmed.lowercased(), "")
        }
        if scheme == "local" { return .local(reference: rest.isEmpty ? nil : rest) }
        guard let provider = Provider(rawValue: scheme) else {
            let known = ["local"] + Provider.allCases.map(\.rawValue)
            let near = known.min { EditDistance.levenshtein($0, scheme) < EditDistance.levenshtein($1, scheme) }!
            let hint = EditDistance.levenshtein(near, scheme) <= 2 ? "did you mean '\(near):…'? " : ""
            throw LLMError.invalidSpec(spec, reason: "unknown provider '\(scheme)'; \(hint)providers are \(known.joined(separator: ", "))")
        }
        if provider == .openAICompatible {
            guard let hash = rest.lastIndex(of: "#"), rest.hasPrefix("http://") || rest.hasPrefix("https://") else {
                throw LLMError.invalidSpec(spec, reason: "write openai-compatible:http://host:port/v1#model-name")
            }
            let model = String(rest[rest.index(after: hash)...])
            guard !model.isEmpty else { throw LLMError.invalidSpec(spec, reason: "the model name after '#' is missing") }
            return .hosted(provider, model: model, baseURL: String(rest[..<hash]))
        }
        guard !rest.isEmpty else {
            throw LLMError.invalidSpec(spec, reason: "name the model, e.g. \(scheme):\(exampleModel(provider))")
        }
        return .hosted(provider, model: rest, baseURL: nil)
    }

    private static func exampleModel(_ p: Provider) -> String {
        switch p {
        case .openAI: return "gpt-4o-mini"
        case .anthropic: return "claude-3-5-haiku-latest"
        case .ollama: return "llama3.2"
        case .openAICompatible: return "http://localhost:8080/v1#model"
        }
    }
}
