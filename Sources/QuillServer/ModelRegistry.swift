import Foundation
import QuillEngine
import QuillLLM

/// The models a server serves, loaded once at start and looked up by the id in each request.
///
/// Every id maps to one shared `LocalLanguageModel` (`LocalLanguageModel.shared`), so all
/// requests for a model go to one `GenerationScheduler`, which decodes concurrent requests
/// together.
final class ModelRegistry: Sendable {
    /// One served model.
    struct Entry: Sendable {
        let id: String
        let model: LocalLanguageModel
        /// When the model was loaded (the `created` of `/v1/models`).
        let created: Int
        var engine: LocalModel { model.model }
    }

    let entries: [Entry]

    /// Loads every model; a file that cannot be opened stops the server before it listens.
    init(_ models: [ServedModel]) throws {
        var entries: [Entry] = []
        for served in models {
            guard !entries.contains(where: { $0.id == served.id }) else {
                throw ServerError("the model id '\(served.id)' is given twice; give each model once")
            }
            let model = try LocalLanguageModel.shared(name: served.id, path: served.path)
            entries.append(Entry(id: served.id, model: model, created: ResponseID.now))
        }
        guard !entries.isEmpty else { throw ServerError("no model to serve: name at least one (e.g. smollm2)") }
        self.entries = entries
    }

    var ids: [String] { entries.map(\.id) }

    /// The model a request names. `local:ID` is accepted for `ID`, as Quill's model specs write it.
    /// An unknown id is a 404 that lists the served ones.
    func resolve(_ requested: String) throws -> Entry {
        let id = requested.hasPrefix("local:") ? String(requested.dropFirst("local:".count)) : requested
        if let entry = entries.first(where: { $0.id == id }) { return entry }
        let served = ids.map { "'\($0)'" }.joined(separator: ", ")
        throw APIError(.notFound, "the model '\(requested)' is not served here; this server serves \(served): put one of them in 'model'",
                       param: "model", code: "model_not_found")
    }
}

/// A problem starting the server (bad configuration, a model that cannot be loaded).
public struct ServerError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
