#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The global file and console functions: `read_file`, `write_file`, `read_lines`, `list_dir`, `exists`, `input`.
///
/// Files are UTF-8 text. Paths are relative to the process's working directory. Failures are
/// IOErrors that name the function, the path and the system's reason:
/// "read_file(): cannot open 'notes.txt': No such file or directory". Each checks the path
/// against the runtime's file capabilities and directories first (`VM.checkRead`/`checkWrite`).
enum FileLibrary {
    static var functions: [NativeFunction] {
        [
            // The whole file as a string.
            NativeFunction("read_file", ["path"]) { args in
                let path = try args.string(0)
                try args.vm.checkRead(path, for: "read_file()")
                try checkSize(of: path, vm: args.vm, for: "read_file()")
                return try args.vm.makeString(try FileIO.readText(path, function: "read_file"), for: "read_file()")
            },
            // The file's lines without their line endings ("\n" or "\r\n"); a final newline
            // does not add an empty line.
            NativeFunction("read_lines", ["path"]) { args in
                let path = try args.string(0)
                try args.vm.checkRead(path, for: "read_lines()")
                try checkSize(of: path, vm: args.vm, for: "read_lines()")
                let text = try FileIO.readText(path, function: "read_lines")
                guard let meter = args.vm.memoryMeter else { return .list(ListObject(lines(text).map { .str($0) })) }
                return try meter.list(try lines(text).map { try meter.string($0, for: "read_lines()") }, for: "read_lines()")
            },
            // Writes (or with append: true, appends) a string; creates the file if needed. Returns nil.
            NativeFunction("write_file", ["path", "text", "append"], required: 2) { args in
                let path = try args.string(0), text = try args.string(1)
                try args.vm.checkWrite(path, for: "write_file()")
                try FileIO.writeText(path, text, append: try args.bool(2, default: false), function: "write_file")
                return .nil
            },
            // The names in a directory (not "." or ".."), sorted, without the directory part.
            NativeFunction("list_dir", ["path"]) { args in
                let path = try args.string(0)
                try args.vm.checkRead(path, for: "list_dir()")
                guard let dir = opendir(path) else {
                    throw QuillError.io("list_dir(): cannot open '\(path)': \(String(cString: strerror(errno)))")
                }
                defer { closedir(dir) }
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != ".", name != ".." { names.append(name) }
                }
                return .list(ListObject(names.sorted().map { .str($0) }))
            },
            // Whether a file or directory exists at the path.
            NativeFunction("exists", ["path"]) { args in
                let path = try args.string(0)
                try args.vm.checkRead(path, for: "exists()")
                return .bool(access(path, F_OK) == 0)
            },
            // Prints the prompt (if any) without a newline, then reads one line from standard
            // input without its line ending; nil at end of input.
            NativeFunction("input", ["prompt"], required: 0) { args in
                try args.vm.require(.standardInput, for: "input()")
                if !args[0].isNil {
                    args.vm.output(args[0].description)
                    fflush(nil)
                }
                guard let line = readLine(strippingNewline: true) else { return .nil }
                return .str(line)
            },
        ]
    }

    /// Under a memory limit, checks that a file's text fits before reading it (a file that
    /// cannot be examined is left to the read to report).
    static func checkSize(of path: String, vm: VM, for function: String) throws {
        guard let meter = vm.memoryMeter else { return }
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        try meter.check(MemoryMeter.stringBytes(utf8: Int(info.st_size)), for: function)
    }

    /// Splits on "\n", dropping a "\r" before it and the empty piece after a final newline.
    static func lines(_ text: String) -> [String] {
        TextSearch.withBytes(text) { bytes in
            var out: [String] = []
            var start = 0
            for (i, c) in bytes.enumerated() where c == 10 {
                let end = i > start && bytes[i - 1] == 13 ? i - 1 : i
                out.append(TextSearch.string(bytes, start..<end))
                start = i + 1
            }
            if start < bytes.count { out.append(TextSearch.string(bytes, start..<bytes.count)) }
            return out
        }
    }
}
