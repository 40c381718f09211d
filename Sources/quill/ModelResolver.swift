import Foundation
import QuillEngine

/// Turns a `--model` reference into a local file path.
enum ModelResolver {
    static func resolve(_ reference: String) throws -> String {
        let store = ModelStore()
        if let path = store.localPath(for: reference) { return path }
        switch store.classify(reference) {
        case .file(let path):
            throw ModelError("no model file at '\(path)' (and no model by that name in \(store.modelsDirectory)); run 'quill models' to list local models or 'quill pull smollm2' to get the default one")
        case .catalog, .url:
            throw ModelError("model '\(reference)' is not downloaded yet; run 'quill pull \(reference)'")
        }
    }
}
