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

    @Flag(help: "Download again even when the model is already in the store.")
    var force = false

    func run() throws {
        let puller = ModelResolver.puller()
        if !force, let path = puller.store.localPath(for: model) {
            printError("quill: \(model) is already at \(path) (--force downloads it again)\n")
            print(path)
            return
        }
        print(try puller.pull(model))
    }
}
