import Foundation

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
            let near = known.min { editDistance($0, scheme) < editDistance($1, scheme) }!
            let hint = editDistance(near, scheme) <= 2 ? "did you mean '\(near):…'? " : ""
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

    /// Levenshtein distance, for "did you mean" hints.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
}
