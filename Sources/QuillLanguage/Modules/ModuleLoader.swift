#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds, compiles, runs and caches imported modules.
///
/// `import "name"` loads the standard library module `name` (embedded in the binary, or from a
/// directory in `QUILL_PATH`); `import "./file.quill"` loads a file relative to the importing file.
/// Each module runs once; later imports get the cached module. Cycles are reported with the chain.
public final class ModuleLoader {
    /// Extra directories searched for `import "name"`, before the embedded standard library.
    public var searchPaths: [String]
    /// Standard library sources by module name.
    public var standardLibrary: [String: String]
    /// Reads a file for import; replaceable by hosts that restrict file access.
    public var readFile: (String) throws -> String = { path in try FileIO.readText(path) }
    private var cache: [String: Value] = [:]
    private var loading: [String] = []

    public init(searchPaths: [String]? = nil, standardLibrary: [String: String] = EmbeddedStdlib.modules) {
        if let searchPaths {
            self.searchPaths = searchPaths
        } else if let env = getenv("QUILL_PATH") {
            self.searchPaths = String(cString: env).split(separator: ":").map(String.init)
        } else {
            self.searchPaths = []
        }
        self.standardLibrary = standardLibrary
    }

    /// Loads `path` as imported from `importer`, returning the module value.
    func load(_ path: String, from importer: SourceFile, vm: VM) throws -> Value {
        let (key, source) = try locate(path, from: importer, vm: vm)
        if let cached = cache[key] { return cached }
        if let i = loading.firstIndex(of: key) {
            let chain = (loading[i...] + [key]).map(Self.displayName).joined(separator: " -> ")
            throw QuillError("ImportError", "import cycle: \(chain)", hint: "move the shared code into a third module")
        }
        loading.append(key)
        defer { loading.removeLast() }
        let file = SourceFile(name: key.hasPrefix("std:") ? "<stdlib>/\(key.dropFirst(4)).quill" : key, text: source)
        let module = Module(name: Self.displayName(key), file: file)
        let proto: FunctionProto
        do {
            proto = try vm.compile(file, into: module)
        } catch let e as CompileError {
            throw QuillError("ImportError", "cannot compile module '\(path)':\n" + DiagnosticRenderer.render(e, color: false))
        }
        _ = try vm.run(proto)
        let value = Value.object(ModuleObject(module))
        cache[key] = value
        return value
    }

    /// The cache key (absolute path or `std:name`) and source text of an import.
    private func locate(_ path: String, from importer: SourceFile, vm: VM) throws -> (String, String) {
        if path.hasPrefix("./") || path.hasPrefix("../") || path.hasPrefix("/") {
            try vm.require(.readFiles, for: "import of a file")
            var full = path.hasPrefix("/") ? path : FileIO.join(FileIO.directory(of: importer.name), path)
            if !full.hasSuffix(".quill") && !FileIO.exists(full) { full += ".quill" }
            full = FileIO.normalize(full)
            guard FileIO.exists(full) else {
                throw QuillError("ImportError", "cannot find module file '\(full)' (imported as \"\(path)\")",
                                 hint: "paths starting with ./ are relative to the importing file")
            }
            return (full, try readFile(full))
        }
        if vm.capabilities.contains(.readFiles) {
            for dir in searchPaths {
                let candidate = FileIO.join(dir, path + ".quill")
                if FileIO.exists(candidate) { return (FileIO.normalize(candidate), try readFile(candidate)) }
            }
        }
        if let source = standardLibrary[path] { return ("std:" + path, source) }
        throw QuillError("ImportError", "no module named '\(path)'",
                         hint: Suggestion.hint(for: path, in: standardLibrary.keys)
                            ?? "standard modules: \(standardLibrary.keys.sorted().joined(separator: ", ")); use \"./\(path).quill\" for a local file")
    }

    static func displayName(_ key: String) -> String {
        if key.hasPrefix("std:") { return String(key.dropFirst(4)) }
        return key
    }
}
