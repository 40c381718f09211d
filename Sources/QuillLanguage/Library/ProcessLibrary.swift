#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `process` namespace: running other programs. Needs the `.subprocess` capability.
///
/// - `process.run(argv, input: nil, cwd: nil, timeout: nil)`: runs `argv[0]` (found on PATH
///   unless it contains a slash) with the arguments `argv[1...]`, directly, with no shell in
///   between, so nothing in the arguments is expanded or split. Returns
///   `{status, stdout, stderr}`: the exit code (or minus the signal that ended the program) and
///   the two outputs as text. `input` is written to the program's standard input (without it
///   the program reads an empty one, never the terminal); `cwd` is its working directory;
///   after `timeout` seconds it is killed and `process.run` raises a `TimeoutError`.
///
/// A program that cannot be started is an `IOError` that names it. The program runs in a
/// process group of its own, which is killed on timeout and when the script is interrupted
/// (then `process.run` raises `Interrupted`). Other tasks of a `batch` run while it waits.
enum ProcessLibrary {
    static func namespace() -> NamespaceObject {
        LibrarySupport.namespace("process", functions: [
            NativeFunction("process.run", ["argv", "input", "cwd", "timeout"], required: 1) { args in
                try args.vm.require(.subprocess, for: "process.run()")
                let request = try Request(args)
                return try run(request, vm: args.vm)
            },
        ])
    }

    /// `process.run`'s arguments, checked.
    struct Request {
        var argv: [String]
        var input: [UInt8]?
        var directory: String?
        var timeout: Double?

        init(_ args: Args) throws {
            argv = try args.list(0).items.enumerated().map { i, item in
                guard case .string(let s) = item else {
                    throw QuillError.type("process.run(): argv[\(i)] must be a string, not \(item.typeName)",
                                          hint: "pass the program and its arguments as strings: [\"ls\", \"-l\"]")
                }
                return s.value
            }
            guard let program = argv.first, !program.isEmpty else {
                throw QuillError.value("process.run(): argv must name a program", hint: "process.run([\"echo\", \"hi\"])")
            }
            guard !argv.contains(where: { $0.utf8.contains(0) }) else {
                throw QuillError.value("process.run(): arguments cannot contain a NUL character")
            }
            input = args.has(1) ? Array(try args.string(1).utf8) : nil
            if args.has(2) {
                let cwd = try args.string(2)
                guard FileIO.isDirectory(cwd) else {
                    throw QuillError.io("process.run(): cwd '\(cwd)' is not a directory")
                }
                directory = cwd
            }
            if args.has(3) {
                let seconds = try args.double(3)
                guard seconds.isFinite, seconds > 0, seconds < 1e9 else {
                    throw QuillError.value("process.run(): timeout must be a positive number of seconds, got \(args[3].repr)")
                }
                timeout = seconds
            }
        }
    }

    static func run(_ request: Request, vm: VM) throws -> Value {
        let interruption = vm.interruption
        if interruption.isRaised { throw interruption.error }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(request.argv, directory: request.directory, feedsInput: request.input != nil)
        } catch {
            throw QuillError.io("process.run(): cannot run '\(request.argv[0])': \(describe(error.code))")
        }
        // An interrupt kills the program at once rather than at the next poll.
        let token = interruption.onInterrupt { child.terminate() }
        defer { interruption.removeHandler(token) }
        let deadline = request.timeout.map { clock_gettime_nsec_np_portable() + UInt64($0 * 1e9) }
        let outcome = vm.waiting {
            child.communicate(stdin: request.input ?? [], deadline: deadline) { interruption.isRaised }
        }
        if interruption.isRaised { throw interruption.error }
        if outcome.killed, let timeout = request.timeout {
            throw QuillError("TimeoutError", "process.run(): '\(request.argv[0])' did not finish within \(Value.format(timeout)) s, so it was killed",
                             hint: "pass a longer timeout:, or none to wait as long as it takes")
        }
        let result = MapObject()
        result.set(.str("status"), .int(outcome.status))
        result.set(.str("stdout"), .str(String(decoding: outcome.stdout, as: UTF8.self)))
        result.set(.str("stderr"), .str(String(decoding: outcome.stderr, as: UTF8.self)))
        return .map(result)
    }

    /// The reason a program could not be started, in words that point at the usual cause.
    private static func describe(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such program (not found on PATH, or no file at that path)"
        case EACCES: return "permission denied (not an executable file?)"
        case ENOEXEC: return "not an executable program (a script needs a #! line)"
        case ENOSYS: return "this system cannot start a program in another directory (cwd:)"
        default: return String(cString: strerror(code))
        }
    }
}
