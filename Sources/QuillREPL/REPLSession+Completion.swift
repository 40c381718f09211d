import Foundation
import Quill
import QuillEngine

extension Completer.Environment {
    /// What completion sees of a session: its runtime's built-ins, its bindings, the commands,
    /// and the model specs `model("` may take — local files, the catalog, priced hosted models.
    init(session: REPLSession) {
        let prices = session.runtime.monitor.prices
        self.init(vm: session.runtime.vm, module: session.module, commands: REPLCommands.names + [":set"],
                  modelSpecs: {
                      let store = ModelStore()
                      let local = store.localModels().map { "local:" + (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
                      let catalog = ModelCatalog.models.map { "local:" + $0.name }
                      return Array(Set(["local"] + local + catalog + prices.specs)).sorted()
                  },
                  currentDirectory: FileManager.default.currentDirectoryPath)
    }
}
