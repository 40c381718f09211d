#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Minimal file access on the C library, so the language needs no Foundation file APIs.
/// Errors are `IOError`s naming the path and the system's reason.
public enum FileIO {
    /// Reads a whole file as UTF-8 text. `function` prefixes error messages ("read_file(): ...").
    public static func readText(_ path: String, function: String? = nil) throws -> String {
        let bytes = try readBytes(path, function: function)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw QuillError.io("\(prefix(function))'\(path)' is not valid UTF-8 text")
        }
        return text
    }

    public static func readBytes(_ path: String, function: String? = nil) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw systemError(function, "open", path) }
        defer { fclose(file) }
        var info = stat()
        var bytes: [UInt8] = []
        if fstat(fileno(file), &info) == 0, info.st_size > 0 { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 { throw systemError(function, "read", path) }
                return bytes
            }
        }
    }

    /// Writes (or appends) UTF-8 text, creating the file if needed.
    public static func writeText(_ path: String, _ text: String, append: Bool = false, function: String? = nil) throws {
        guard let file = fopen(path, append ? "ab" : "wb") else { throw systemError(function, "open", path) }
        var text = text
        let written = text.withUTF8 { $0.isEmpty || fwrite($0.baseAddress, 1, $0.count, file) == $0.count }
        let closed = fclose(file) == 0
        guard written && closed else { throw systemError(function, "write", path) }
    }

    private static func prefix(_ function: String?) -> String { function.map { "\($0)(): " } ?? "" }

    private static func systemError(_ function: String?, _ what: String, _ path: String) -> QuillError {
        .io("\(prefix(function))cannot \(what) '\(path)': \(String(cString: strerror(errno)))")
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The directory part of a path ("." when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func join(_ a: String, _ b: String) -> String {
        if b.hasPrefix("/") { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// Removes `.` and `..` components (no symlink resolution), making relative paths absolute.
    public static func normalize(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: 4096)
            if getcwd(&buf, buf.count) != nil { absolute = join(String(cString: buf), path) }
        }
        var parts: [Substring] = []
        for p in absolute.split(separator: "/") {
            if p == "." || p.isEmpty { continue }
            if p == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(p) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
