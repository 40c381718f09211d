import Foundation

/// Where local models live (`$QUILL_HOME/models`, default `~/.quill/models`) and how a model
/// reference — a catalog name, a file name in the store, or a path — becomes a file.
public struct ModelStore: Sendable {
    public let home: String

    public init(home: String? = nil) {
        if let home { self.home = home; return }
        let env = ProcessInfo.processInfo.environment
        if let h = env["QUILL_HOME"], !h.isEmpty {
            self.home = h
        } else {
            self.home = (env["HOME"] ?? NSHomeDirectory()) + "/.quill"
        }
    }

    public var modelsDirectory: String { home + "/models" }

    /// What a model reference names.
    public enum Reference: Equatable, Sendable {
        case file(String)
        case catalog(CatalogModel)
        case url(String)
    }

    public func classify(_ reference: String) -> Reference {
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") { return .url(reference) }
        if let model = ModelCatalog.model(named: reference) { return .catalog(model) }
        return .file(reference)
    }

    /// The file for `reference` if it is already here: a path, a file in the store, or a
    /// catalog model that has been pulled.
    public func localPath(for reference: String) -> String? {
        let fm = FileManager.default
        switch classify(reference) {
        case .file(let path):
            if fm.fileExists(atPath: path) { return path }
            let inStore = modelsDirectory + "/" + path
            return fm.fileExists(atPath: inStore) ? inStore : nil
        case .catalog(let model):
            let path = modelsDirectory + "/" + model.fileName
            return fm.fileExists(atPath: path) ? path : nil
        case .url(let url):
            let path = modelsDirectory + "/" + Self.fileName(forURL: url)
            return fm.fileExists(atPath: path) ? path : nil
        }
    }

    /// The GGUF files in the store.
    public func localModels() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".gguf") }.sorted().map { modelsDirectory + "/" + $0 }
    }

    /// The store's file name for a model downloaded from `url`: its last path component.
    public static func fileName(forURL url: String) -> String {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        let last = path.split(separator: "/").last.map(String.init) ?? "model.gguf"
        return last.hasSuffix(".gguf") ? last : last + ".gguf"
    }
}
