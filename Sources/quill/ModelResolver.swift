import ArgumentParser
import Foundation
import Quill
import QuillEngine

/// Turns a `--model` reference into a local file path, pulling catalog models and URLs the
/// first time they are needed.
enum ModelResolver {
    static func resolve(_ reference: String) throws -> String {
        let store = ModelStore()
        if let path = store.localPath(for: reference) { return path }
        if case .file(let path) = store.classify(reference) {
            throw ModelError("no model file at '\(path)' (and no model by that name in \(store.modelsDirectory)); run 'quill models' to list local models, or use a catalog name: \(ModelCatalog.models.map(\.name).joined(separator: ", "))")
        }
        printError("quill: model '\(reference)' is not downloaded yet; pulling it now (once)\n")
        return try puller().pull(reference)
    }

    static func puller() -> ModelPuller {
        ModelPuller(report: { line in FileHandle.standardError.write(line.data(using: .utf8)!) })
    }
}

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a model into the local store ($QUILL_HOME/models).",
        discussion: "MODEL is a catalog name (\(ModelCatalog.models.map(\.name).joined(separator: ", "))) or an http(s) URL of a GGUF file.")

    @Argument(help: "The model to pull.")
    var model: String = ModelCatalog.defaultModelName

    func run() throws {
        let path = try ModelResolver.puller().pull(model)
        print(path)
    }
}
