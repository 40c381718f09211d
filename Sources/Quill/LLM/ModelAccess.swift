import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// What opening a model may reach besides the model store, so that a script without the
/// network or with confined files is refused before a request is sent, a download starts or a
/// file of its choosing is read. Models the host provides (`ModelFactory.hostProviders`) and
/// models already in the store need nothing.
public struct ModelAccess {
    /// Whether hosted providers may be called and models that are not downloaded pulled.
    public var network: Bool
    /// Checks a model file that a spec names by path (`local:/models/x.gguf`) before it is
    /// read; throws to refuse.
    public var checkFile: (String) throws -> Void

    public init(network: Bool = true, checkFile: @escaping (String) throws -> Void = { _ in }) {
        self.network = network
        self.checkFile = checkFile
    }

    /// Everything allowed: what the host itself gets.
    public static var unrestricted: ModelAccess { ModelAccess() }

    /// What `vm`'s capabilities and directories allow a script's `operation` ("model()").
    public static func granted(by vm: VM, for operation: String) -> ModelAccess {
        ModelAccess(network: vm.capabilities.contains(.network)) { path in try vm.checkRead(path, for: operation) }
    }
}

extension ModelFactory {
    /// The file of local model `name` (`spec` as the script wrote it), within `access`: a path
    /// the script names is one of its files and checked like `read_file`; a store name or a
    /// catalog model is the host's; a model that is not downloaded is pulled only with the network.
    func localModelFile(_ name: String, spec: String, access: ModelAccess) throws -> String {
        if case .file(let file) = store.classify(name) {
            do {
                try access.checkFile(file)
            } catch {
                // The store's own copy of a plain file name is still the host's to hand out; a
                // name with a slash could climb out of the store, so it gets no such pass.
                let inStore = store.modelsDirectory + "/" + file
                guard !file.contains("/"), FileManager.default.fileExists(atPath: inStore) else { throw error }
                return inStore
            }
            if let local = store.localPath(for: name) { return local }
            throw LLMError.unavailable(model: spec, message: "no model file at '\(file)' (and no model by that name in \(store.modelsDirectory)); catalog models: \(ModelCatalog.models.map(\.name).joined(separator: ", "))")
        }
        if let local = store.localPath(for: name) { return local }
        guard access.network else {
            throw QuillError("PermissionError",
                             "model '\(name)' is not downloaded and this runtime may not use the network to pull it; run `quill pull \(name)`",
                             hint: "`quill pull \(name)` downloads it once; or grant the network (`quill run --allow-net`, Capabilities.network)")
        }
        report("quill: model '\(name)' is not downloaded yet; pulling it now (once)\n")
        return try ModelPuller(store: store, report: report).pull(name)
    }
}
