import ArgumentParser
import Foundation
import QuillEngine

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List local models with their architecture, size and quantization.",
        subcommands: [List.self, Inspect.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models in $QUILL_HOME/models and the catalog.")

        func run() throws {
            let store = ModelStore()
            let files = store.localModels()
            print("Local models in \(store.modelsDirectory):")
            if files.isEmpty { print("  (none; 'quill pull smollm2' gets the default model)") }
            for path in files {
                let name = (path as NSString).lastPathComponent
                do {
                    let file = try GGUFFile(path: path)
                    let arch = file.architecture ?? "?"
                    let quant = ModelSummary.dominantType(file)
                    let params = ModelSummary.parameterCount(file)
                    print("  " + pad(name, 44) + " " + pad(arch, 8) + String(format: " %7.1f MB  ", Double(file.fileSize) / 1e6) + pad(quant, 6) + " \(ModelSummary.human(params)) params")
                } catch {
                    print("  \(name): unreadable (\(error))")
                }
            }
            print("\nCatalog (quill pull NAME):")
            for model in ModelCatalog.models {
                let here = store.localPath(for: model.name) != nil ? "pulled" : "not pulled"
                print("  " + pad(model.name, 20) + " " + pad(here, 10) + " " + model.summary)
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a GGUF file's metadata and tensors, like gguf-dump.")

        @Argument(help: "A GGUF file or model name.")
        var file: String

        @Flag(help: "List every tensor (default: the first 20 and a summary).")
        var allTensors = false

        func run() throws {
            let path = ModelStore().localPath(for: file) ?? file
            let gguf = try GGUFFile(path: path)
            print("\(path): GGUF v\(gguf.version), \(gguf.fileSize) bytes, \(gguf.metadata.count) metadata keys, \(gguf.tensors.count) tensors, alignment \(gguf.alignment), data at byte \(gguf.dataOffset)")
            print("\nMetadata:")
            for key in gguf.metadataKeys {
                print("  \(key) = \(gguf.metadata[key]!.summary)")
            }
            print("\nTensors:")
            let shown = allTensors ? gguf.tensors[...] : gguf.tensors.prefix(20)
            for (i, t) in shown.enumerated() {
                print(String(format: "  %4d ", i) + pad(t.name, 36) + " " + pad(t.type.name, 6) + " \(t.shape) at +\(t.offset) (\(t.byteCount) bytes)")
            }
            if !allTensors, gguf.tensors.count > 20 { print("  … \(gguf.tensors.count - 20) more (--all-tensors)") }
            var byType: [String: (count: Int, bytes: Int)] = [:]
            for t in gguf.tensors { byType[t.type.name, default: (0, 0)].count += 1; byType[t.type.name]!.bytes += t.byteCount }
            print("\nBy type: " + byType.sorted { $0.value.bytes > $1.value.bytes }.map { "\($0.key) ×\($0.value.count) (\($0.value.bytes / 1_000_000) MB)" }.joined(separator: ", "))
            print("Parameters: \(ModelSummary.human(ModelSummary.parameterCount(gguf)))")
        }
    }
}

enum ModelSummary {
    /// The type holding most of the tensor bytes: the file's quantization in practice.
    static func dominantType(_ file: GGUFFile) -> String {
        var bytes: [String: Int] = [:]
        for t in file.tensors { bytes[t.type.name, default: 0] += t.byteCount }
        return bytes.max { $0.value < $1.value }?.key ?? "?"
    }

    static func parameterCount(_ file: GGUFFile) -> Int {
        file.tensors.reduce(0) { $0 + $1.elementCount }
    }

    static func human(_ n: Int) -> String {
        n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9) : String(format: "%.0fM", Double(n) / 1e6)
    }
}

/// Left-aligns `s` in a column of `width` characters.
func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
