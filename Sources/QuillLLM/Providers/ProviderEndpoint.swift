import Foundation

/// Where and how to reach a hosted model, resolved from its spec and the environment when
/// the model is opened — so a missing key is reported before any request is made.
///
/// The key is kept here and only ever written into request headers: descriptions, errors
/// and logs never include it.
public struct ProviderEndpoint: Sendable, CustomStringConvertible {
    public let provider: ModelSpec.Provider
    /// The provider's model id (`gpt-4o-mini`).
    public let model: String
    /// The API root: `https://api.openai.com/v1`, `https://api.anthropic.com`, `http://localhost:11434`.
    public let baseURL: URL
    let apiKey: String?

    public init(provider: ModelSpec.Provider, model: String, baseURL: URL, apiKey: String?) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The endpoint for a parsed hosted spec. Keys: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`
    /// (required), `OPENAI_COMPATIBLE_API_KEY` (optional); base URLs: `OPENAI_BASE_URL`,
    /// `ANTHROPIC_BASE_URL`, `OLLAMA_HOST`, or the URL in an `openai-compatible:` spec.
    public static func resolve(_ provider: ModelSpec.Provider, model: String, baseURL spec: String?, name: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProviderEndpoint {
        func nonEmpty(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        let base: String, key: String?
        switch provider {
        case .openAI:
            base = nonEmpty("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"
            guard let k = nonEmpty("OPENAI_API_KEY") else { throw LLMError.missingKey(model: name, variable: "OPENAI_API_KEY") }
            key = k
        case .anthropic:
            base = nonEmpty("ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com"
            guard let k = nonEmpty("ANTHROPIC_API_KEY") else { throw LLMError.missingKey(model: name, variable: "ANTHROPIC_API_KEY") }
            key = k
        case .ollama:
            // OLLAMA_HOST is often written without a scheme ("127.0.0.1:11434").
            let host = nonEmpty("OLLAMA_HOST") ?? "http://localhost:11434"
            base = host.contains("://") ? host : "http://" + host
            key = nil
        case .openAICompatible:
            base = spec ?? ""
            key = nonEmpty("OPENAI_COMPATIBLE_API_KEY")
        }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: trimmed), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()),
              url.host != nil else {
            throw LLMError.invalidSpec(name, reason: "the base URL '\(trimmed)' is not an http(s) URL")
        }
        return ProviderEndpoint(provider: provider, model: model, baseURL: url, apiKey: key)
    }

    /// A URL under the API root (`chat/completions` → `https://api.openai.com/v1/chat/completions`).
    func url(_ path: String) -> URL { baseURL.appendingPathComponent(path) }

    public var description: String { "\(provider.rawValue):\(model) at \(baseURL.absoluteString)" }
}
