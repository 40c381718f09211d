import Foundation
import QuillEngine
import QuillLLM

/// Opens the model a spec names. Local models are found in the store (pulled on first use,
/// with progress on stderr) and shared process-wide, so every `model("local")` in a script —
/// and in all of a batch's tasks — uses one set of weights and one scheduler.
public final class ModelFactory: @unchecked Sendable {
    public let store: ModelStore
    /// Where pull progress goes.
    public var report: @Sendable (String) -> Void
    /// What `model()` without a spec opens.
    public var defaultSpec = "local"
    /// Models the host provides, by spec prefix: `hostProviders["myhost"]` opens
    /// `model("myhost:NAME")`, receiving NAME. Consulted before the built-in providers.
    public var hostProviders: [String: @Sendable (String) throws -> any LanguageModel] = [:]

    public init(store: ModelStore = ModelStore(), report: @escaping @Sendable (String) -> Void = ModelFactory.toStandardError) {
        self.store = store
        self.report = report
    }

    /// Writes pull progress to standard error.
    public static let toStandardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    /// Opens a fallback list: each spec in order; the ones that cannot be opened (a missing
    /// key) are skipped and named if every other model fails too. A spec `access` refuses is
    /// an error, not skipped.
    public func open(_ specs: [String], options: HostedLanguageModel.Options = .init(),
                     access: ModelAccess = .unrestricted) throws -> any LanguageModel {
        guard specs.count != 1 else { return try open(specs[0], options: options, access: access) }
        guard !specs.isEmpty else { throw LLMError.invalidSpec("[]", reason: "the list of models is empty") }
        var models: [any LanguageModel] = [], unavailable: [String] = []
        for spec in specs {
            do {
                models.append(try open(spec, options: options, access: access))
            } catch let error as LLMError {
                if case .invalidSpec = error { throw error }
                unavailable.append(error.description)
            }
        }
        guard !models.isEmpty else { throw LLMError.allFailed(unavailable) }
        return FallbackModel(models: models, unavailable: unavailable)
    }

    /// Opens one model. `options` apply to hosted models (retries, rate limits, timeouts);
    /// `access` says whether the network (hosted models, pulling) and a model file the spec
    /// names may be used, and refusals are PermissionErrors.
    public func open(_ spec: String, options: HostedLanguageModel.Options = .init(),
                     access: ModelAccess = .unrestricted) throws -> any LanguageModel {
        if let colon = spec.firstIndex(of: ":"), let provide = hostProviders[String(spec[..<colon])] {
            return try provide(String(spec[spec.index(after: colon)...]))
        }
        switch try ModelSpec.parse(spec) {
        case .local(let reference):
            let name = reference ?? ModelCatalog.defaultModelName
            let path: String
            do {
                path = try localModelFile(name, spec: spec, access: access)
            } catch let error as LLMError {
                throw error
            } catch let error as QuillError {
                throw error
            } catch {
                throw LLMError.unavailable(model: spec, message: "\(error)")
            }
            return try LocalLanguageModel.shared(name: reference.map { "local:\($0)" } ?? "local", path: path)
        case .hosted(let provider, let model, let baseURL):
            guard access.network else { throw Capabilities.network.denial(for: "model(\"\(spec)\")") }
            let endpoint = try ProviderEndpoint.resolve(provider, model: model, baseURL: baseURL, name: spec)
            return try HostedLanguageModel(name: spec, endpoint: endpoint, options: options)
        }
    }
}
