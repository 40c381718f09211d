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
    /// Supplies the source of `import "name"` from the host (a database, a bundle): consulted
    /// first for plain names; nil from it falls through to the search paths and the standard
    /// library. Needs no file capability: the host decides what it hands out.
    public var hostModules: ((String) throws -> String?)?
    private var cache: [String: Value] = [:]
    /// Modules whose top-level code is running, oldest first, with the VM running each. Tasks of
    /// a `batch` share the loader, and one may start an import while another waits in the
    /// middle of its own, so entries are matched by VM rather than popped as a stack.
    private var loading: [(key: String, vm: ObjectIdentifier)] = []
    /// The module each VM is waiting for while another task runs its top-level code.
    private var waitingFor: [ObjectIdentifier: String] = [:]

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
        // The imports in progress on this VM's behalf: its own, and those of the VMs whose
        // `batch` it runs in (they wait for it, so importing one of theirs is a cycle too).
        let lineage = Set(vm.ancestors + [ObjectIdentifier(vm)])
        let chainSoFar = loading.filter { lineage.contains($0.vm) }.map(\.key)
        if let i = chainSoFar.firstIndex(of: key) {
            let chain = (chainSoFar[i...] + [key]).map(Self.displayName).joined(separator: " -> ")
            throw QuillError("ImportError", "import cycle: \(chain)", hint: "move the shared code into a third module")
        }
        // Another task is running this module's top-level code and waits in it: wait for it to
        // finish, then share its module (or load it here if it failed) — unless that task is
        // itself waiting, through other imports, for a module this VM is loading.
        let me = ObjectIdentifier(vm)
        while loading.contains(where: { $0.key == key }) {
            if waitsForItself(key, lineage: lineage) {
                throw QuillError("ImportError", "import cycle: '\(Self.displayName(key))' is being loaded by another task that waits for this one",
                                 hint: "move the shared code into a third module")
            }
            waitingFor[me] = key
            defer { waitingFor[me] = nil }
            vm.waiting { usleep(1000) }
        }
        if let cached = cache[key] { return cached }
        loading.append((key, me))
        defer {
            if let i = loading.lastIndex(where: { $0.key == key && $0.vm == me }) { loading.remove(at: i) }
        }
        let file = SourceFile(name: key.hasPrefix("std:") ? "<stdlib>/\(key.dropFirst(4)).quill"
                              : key.hasPrefix("host:") ? "<host>/\(key.dropFirst(5)).quill" : key, text: source)
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

    /// Whether the task loading `key` waits, directly or through other tasks' imports, for a
    /// module that one of `lineage` is loading: then waiting for it would never end.
    private func waitsForItself(_ key: String, lineage: Set<ObjectIdentifier>) -> Bool {
        var next: String? = key
        var seen: Set<ObjectIdentifier> = []
        while let k = next, let holder = loading.last(where: { $0.key == k })?.vm {
            if lineage.contains(holder) { return true }
            guard seen.insert(holder).inserted else { return false }
            next = waitingFor[holder]
        }
        return false
    }

    /// The cache key (absolute path or `std:name`) and source text of an import.
    private func locate(_ path: String, from importer: SourceFile, vm: VM) throws -> (String, String) {
        if path.hasPrefix("./") || path.hasPrefix("../") || path.hasPrefix("/") {
            var full = path.hasPrefix("/") ? path : FileIO.join(FileIO.directory(of: importer.name), path)
            // Checked before anything is probed, so a confined script learns nothing about
            // files outside its directories; and again for the exact path that is read.
            try vm.checkRead(full, for: "import of a file")
            if !full.hasSuffix(".quill") && !FileIO.exists(full) { full += ".quill" }
            full = FileIO.normalize(full)
            try vm.checkRead(full, for: "import of a file")
            guard FileIO.exists(full) else {
                throw QuillError("ImportError", "cannot find module file '\(full)' (imported as \"\(path)\")",
                                 hint: "paths starting with ./ are relative to the importing file")
            }
            return (full, try readFile(full))
        }
        if let hostModules, let source = try hostModules(path) { return ("host:" + path, source) }
        if vm.capabilities.contains(.readFiles) {
            // Search directories outside the script's readable ones are skipped, not probed.
            for dir in searchPaths {
                let candidate = FileIO.join(dir, path + ".quill")
                if vm.mayRead(candidate), FileIO.exists(candidate) { return (FileIO.normalize(candidate), try readFile(candidate)) }
            }
        }
        if let source = standardLibrary[path] { return ("std:" + path, source) }
        throw QuillError("ImportError", "no module named '\(path)'",
                         hint: Suggestion.hint(for: path, in: standardLibrary.keys)
                            ?? "standard modules: \(standardLibrary.keys.sorted().joined(separator: ", ")); use \"./\(path).quill\" for a local file")
    }

    static func displayName(_ key: String) -> String {
        if key.hasPrefix("std:") { return String(key.dropFirst(4)) }
        if key.hasPrefix("host:") { return String(key.dropFirst(5)) }
        return key
    }
}
