#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Minimal file access on the C library, so the language needs no Foundation file APIs.
/// Errors are `IOError`s naming the path and the system's reason.
public enum FileIO {
    /// Reads a whole file as UTF-8 text.
    public static func readText(_ path: String) throws -> String {
        let bytes = try readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw QuillError.io("'\(path)' is not valid UTF-8 text")
        }
        return text
    }

    public static func readBytes(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw QuillError.io("cannot open '\(path)': \(reason())") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { out.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count {
                if ferror(f) != 0 { throw QuillError.io("cannot read '\(path)': \(reason())") }
                break
            }
        }
        return out
    }

    /// Writes (or appends) UTF-8 text.
    public static func writeText(_ path: String, _ text: String, append: Bool = false) throws {
        guard let f = fopen(path, append ? "ab" : "wb") else { throw QuillError.io("cannot open '\(path)' for writing: \(reason())") }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        if !bytes.isEmpty && fwrite(bytes, 1, bytes.count, f) != bytes.count {
            throw QuillError.io("cannot write '\(path)': \(reason())")
        }
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

    static func reason() -> String { String(cString: strerror(errno)) }
}
