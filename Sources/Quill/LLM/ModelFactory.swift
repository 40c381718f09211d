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

    public init(store: ModelStore = ModelStore(), report: @escaping @Sendable (String) -> Void = ModelFactory.toStandardError) {
        self.store = store
        self.report = report
    }

    /// Writes pull progress to standard error.
    public static let toStandardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    /// Opens a fallback list: each spec in order; the ones that cannot be opened (a missing
    /// key) are skipped and named if every other model fails too.
    public func open(_ specs: [String], options: HostedLanguageModel.Options = .init()) throws -> any LanguageModel {
        guard specs.count != 1 else { return try open(specs[0], options: options) }
        guard !specs.isEmpty else { throw LLMError.invalidSpec("[]", reason: "the list of models is empty") }
        var models: [any LanguageModel] = [], unavailable: [String] = []
        for spec in specs {
            do {
                models.append(try open(spec, options: options))
            } catch let error as LLMError {
                if case .invalidSpec = error { throw error }
                unavailable.append(error.description)
            }
        }
        guard !models.isEmpty else { throw LLMError.allFailed(unavailable) }
        return FallbackModel(models: models, unavailable: unavailable)
    }

    /// Opens one model. `options` apply to hosted models (retries, rate limits, timeouts).
    public func open(_ spec: String, options: HostedLanguageModel.Options = .init()) throws -> any LanguageModel {
        switch try ModelSpec.parse(spec) {
        case .local(let reference):
            let name = reference ?? ModelCatalog.defaultModelName
            let path: String
            do {
                if let local = store.localPath(for: name) {
                    path = local
                } else if case .file(let file) = store.classify(name) {
                    throw LLMError.unavailable(model: spec, message: "no model file at '\(file)' (and no model by that name in \(store.modelsDirectory)); catalog models: \(ModelCatalog.models.map(\.name).joined(separator: ", "))")
                } else {
                    report("quill: model '\(name)' is not downloaded yet; pulling it now (once)\n")
                    path = try ModelPuller(store: store, report: report).pull(name)
                }
            } catch let error as LLMError {
                throw error
            } catch {
                throw LLMError.unavailable(model: spec, message: "\(error)")
            }
            return try LocalLanguageModel.shared(name: reference.map { "local:\($0)" } ?? "local", path: path)
        case .hosted(let provider, let model, let baseURL):
            let endpoint = try ProviderEndpoint.resolve(provider, model: model, baseURL: baseURL, name: spec)
            return try HostedLanguageModel(name: spec, endpoint: endpoint, options: options)
        }
    }
}
