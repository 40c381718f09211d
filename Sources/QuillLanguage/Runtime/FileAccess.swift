#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories a script's file built-ins may use, on top of the `.readFiles` and
/// `.writeFiles` capabilities: `nil` roots mean anywhere (when the capability is granted), and a
/// list confines the capability to those directories and everything below them. Writable roots
/// are readable too, so a script can read back what it wrote.
///
/// The check is made on the path as the kernel will resolve it, so a script cannot talk its way
/// out: the path is made absolute against the current directory and every symbolic link in it
/// is followed (`realpath`), and for a file that does not exist yet, the deepest existing
/// ancestor is resolved and a dangling link is followed to where it would create the file.
/// `..` is resolved after the links, as the kernel does. The result is compared component by
/// component with the roots, themselves resolved, so `/allowed/../etc/passwd`, a sibling
/// `/allowed-evil/x`, and a link inside `/allowed` that points out are all refused.
///
/// What is checked is the string handed to the system right after; a process the script
/// starts (`process.run`, which needs `.subprocess`) could swap a directory for a link in
/// between, which is one reason that capability is all-powerful.
public struct FileAccess: Sendable, Equatable {
    /// Directories scripts may read below; nil: anywhere.
    public var readableRoots: [String]?
    /// Directories scripts may write (and read) below; nil: anywhere.
    public var writableRoots: [String]?

    public init(readableRoots: [String]? = nil, writableRoots: [String]? = nil) {
        self.readableRoots = readableRoots
        self.writableRoots = writableRoots
    }

    /// No confinement: the capabilities alone decide.
    public static let anywhere = FileAccess()

    /// Whether `path` resolves to a place below one of `roots` (nil: anywhere). A path that
    /// cannot be resolved (a loop of links, a name too long) is never inside.
    public static func path(_ path: String, isInside roots: [String]?) -> Bool {
        guard let roots else { return true }
        guard let resolved = resolve(path) else { return false }
        return roots.contains { root in
            guard let base = resolve(root) else { return false }
            return base == "/" || resolved == base || resolved.hasPrefix(base + "/")
        }
    }

    /// The canonical absolute path `path` names, or would name once created: no `.` or `..`
    /// components and no symbolic links. Nil when it cannot be worked out (more than 40 links,
    /// `..` below a directory that does not exist).
    public static func resolve(_ path: String) -> String? {
        guard !path.isEmpty, !path.utf8.contains(0) else { return nil }
        var pending = path.hasPrefix("/") ? path : currentDirectory().map { $0 + "/" + path }
        var hops = 0
        while let full = pending {
            pending = nil
            if let real = realPath(full) { return real }
            // Find the deepest ancestor that exists; what follows it does not (yet).
            let parts = full.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            var existing = parts.count - 1
            var base: String?
            while existing >= 0 {
                base = realPath("/" + parts[..<existing].joined(separator: "/"))
                if base != nil { break }
                existing -= 1
            }
            guard let base, existing >= 0 else { return nil }
            let missing = Array(parts[existing...])
            let first = join(base, missing[0])
            // A dangling link: the file would be created where it points, so follow it.
            if let target = linkTarget(first) {
                hops += 1
                guard hops <= 40 else { return nil }
                let rest = missing.dropFirst().joined(separator: "/")
                let followed = target.hasPrefix("/") ? target : join(base, target)
                pending = rest.isEmpty ? followed : followed + "/" + rest
                continue
            }
            // Below a missing directory every name is missing too, and the system refuses
            // `..` through it; so refuse it here rather than guess.
            guard !missing.contains("..") else { return nil }
            return missing.filter { $0 != "." }.reduce(base, join)
        }
        return nil
    }

    private static func join(_ base: String, _ name: String) -> String {
        base == "/" ? "/" + name : base + "/" + name
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Where the symbolic link at `path` points, or nil if `path` is not a link.
    private static func linkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(cString: buffer)
    }
}

extension VM {
    /// Throws a PermissionError unless a script may read `path`: the `.readFiles` capability
    /// with the path inside `fileAccess.readableRoots`, or the path inside a confined list of
    /// writable roots with `.writeFiles`. `operation` names the built-in ("read_file()").
    public func checkRead(_ path: String, for operation: String) throws {
        if mayRead(path) { return }
        let writable = capabilities.contains(.writeFiles) ? fileAccess.writableRoots ?? [] : []
        guard capabilities.contains(.readFiles) || !writable.isEmpty else {
            throw Capabilities.readFiles.denial(for: operation)
        }
        let readable = capabilities.contains(.readFiles) ? fileAccess.readableRoots ?? [] : []
        throw outsideRoots(path, operation: operation, capability: .readFiles, roots: readable + writable)
    }

    /// Throws a PermissionError unless a script may create or write `path`: the `.writeFiles`
    /// capability with the path inside `fileAccess.writableRoots`.
    public func checkWrite(_ path: String, for operation: String) throws {
        try require(.writeFiles, for: operation)
        guard FileAccess.path(path, isInside: fileAccess.writableRoots) else {
            throw outsideRoots(path, operation: operation, capability: .writeFiles, roots: fileAccess.writableRoots ?? [])
        }
    }

    /// Whether `checkRead` would pass, for callers that skip what they may not read (the
    /// module search path) rather than fail.
    public func mayRead(_ path: String) -> Bool {
        if capabilities.contains(.readFiles), FileAccess.path(path, isInside: fileAccess.readableRoots) { return true }
        if capabilities.contains(.writeFiles), let writable = fileAccess.writableRoots,
           FileAccess.path(path, isInside: writable) { return true }
        return false
    }

    private func outsideRoots(_ path: String, operation: String, capability: Capabilities, roots: [String]) -> QuillError {
        let resolved = FileAccess.resolve(path)
        let shown = resolved.map { $0 == path ? "'\(path)'" : "'\(path)' (\($0))" } ?? "'\(path)'"
        let places = roots.isEmpty ? "no directory" : roots.map { "'\($0)'" }.joined(separator: ", ")
        return QuillError("PermissionError",
                          "\(operation) is not permitted for \(shown): this runtime grants '\(capability.name)' only in \(places)",
                          hint: "the host decides which directories scripts may use: `quill run --allow-read DIR` or "
                              + "`--allow-write DIR`; an embedding host sets VM.fileAccess")
    }
}
