import ArgumentParser
import Quill
import QuillREPL

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses from BSD's sysexits, as clox and many Unix tools use.
enum ExitStatus {
    static let usage: Int32 = 64
    static let compileError: Int32 = 65
    static let runtimeError: Int32 = 70
    static let ioError: Int32 = 74
}

@main
struct QuillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quill",
        abstract: "Quill: a scripting runtime for LLM workflows.",
        discussion: """
            quill FILE [ARGS...]     run a script (shorthand for 'quill run')
            quill -e 'CODE'          run code given on the command line
            quill -                  run a script read from standard input
            quill check FILE...      report every compile error, run nothing
            quill                    the REPL (on a terminal; piped input is evaluated line by line)
            quill eval FILE          run its evaluations; exit 1 when a threshold fails
            """,
        version: QuillVersion.string,
        subcommands: [Run.self, Check.self, Generate.self, Pull.self, Models.self, Tokenize.self, Logits.self, Bench.self, Serve.self,
                      Runs.self, Eval.self, Repl.self],
        defaultSubcommand: Run.self
    )
}

enum QuillVersion {
    static let string = "quill 0.1.0"
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a Quill script.")

    @Option(name: .customShort("e"), help: "Run this code instead of a file.")
    var code: String?

    @Flag(name: .customLong("dump-bytecode"), help: "Print the compiled bytecode instead of running.")
    var dumpBytecode = false

    @OptionGroup var session: RunOptions

    @OptionGroup(title: "Sandbox") var sandbox: SandboxOptions

    @Flag(name: .customLong("no-color"), help: "No colour in the REPL's output (also: NO_COLOR).")
    var noColor = false

    @Argument(help: "The script to run ('-' reads standard input).")
    var file: String?

    @Argument(parsing: .captureForPassthrough, help: "Arguments passed to the script as `args`.")
    var arguments: [String] = []

    func run() throws {
        // Malloc tuning for an interpreter that allocates many small objects on one thread:
        // one arena (a secondary arena grows by mprotect calls, ~10% on allocation-heavy
        // scripts), and the heap grown and kept in 64 MB steps rather than 128 KB ones, which
        // saves a third of the page-fault and brk time when a script builds big lists. Pages
        // never touched are not resident, so peak memory does not change.
        #if os(Linux)
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        _ = glibcMallopt(-2 /* M_TOP_PAD */, 64 << 20)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 256 << 20)
        #endif
        let source: String, name: String
        var scriptArguments = arguments
        if let code {
            source = code
            name = "-e"
            if let file { scriptArguments.insert(file, at: 0) }
        } else if let file {
            if file == "-" {
                source = readAllStandardInput()
                name = "<stdin>"
            } else {
                do {
                    source = try FileIO.readText(file)
                } catch let e as QuillError {
                    printError("quill: \(e.message)\n")
                    throw ExitCode(ExitStatus.ioError)
                }
                name = file
            }
        } else {
            throw ExitCode(Repl.start(color: !noColor))
        }
        if dumpBytecode {
            let runtime = QuillRuntime()
            let file = SourceFile(name: name, text: source)
            do {
                print(Disassembler.render(try runtime.vm.compile(file, into: Module(name: name, file: file))), terminator: "")
            } catch let e as CompileError {
                printError(DiagnosticRenderer.render(e, color: false))
                throw ExitCode(ExitStatus.compileError)
            }
            return
        }
        let grant = try sandbox.grant()
        let session = try self.session.start(script: name, arguments: scriptArguments)
        let status = withLargeStack {
            Self.execute(source: source, name: name, arguments: scriptArguments, session: session, grant: grant)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs a script and maps the outcome to an exit status, printing errors to stderr.
    /// `thresholds` override the script's evaluation thresholds (`quill eval --threshold`);
    /// the finished evaluations are left in `evaluations`. `grant` withholds capabilities (the
    /// sandbox flags); nil grants everything.
    static func execute(source: String, name: String, arguments: [String], session: RunSession? = nil,
                        grant: SandboxOptions.Grant? = nil,
                        thresholds: [String: Double] = [:], evaluations: ((EvaluationLog) -> Void)? = nil) -> Int32 {
        var configuration = QuillRuntime.Configuration()
        configuration.arguments = arguments
        if let session {
            configuration.monitor = session.monitor
            configuration.checkpoints = session.recorder
        }
        configuration.evaluations = EvaluationLog(recorder: session?.recorder, thresholds: thresholds)
        evaluations?(configuration.evaluations)
        var failure: String?
        defer { session?.finish(status: failure == nil ? 0 : 1, error: failure) }
        let runtime = QuillRuntime(configuration: configuration)
        grant?.apply(to: runtime.vm)
        // The process ends right after the script: keep the runtime alive so its heap (possibly
        // millions of objects) is returned by exit rather than freed object by object.
        _ = Unmanaged.passRetained(runtime)
        runtime.output = { s in fputs(s, stdout) }
        defer { fflush(stdout) }
        let color = isatty(2) != 0 && getenv("NO_COLOR") == nil
        do {
            try runtime.run(source: source, name: name)
            return 0
        } catch let e as CompileError {
            fflush(stdout)
            failure = DiagnosticRenderer.render(e, color: false)
            printError(DiagnosticRenderer.render(e, color: color))
            return ExitStatus.compileError
        } catch let e as RuntimeError {
            fflush(stdout)
            failure = DiagnosticRenderer.render(e, color: false)
            printError(DiagnosticRenderer.render(e, color: color))
            return ExitStatus.runtimeError
        } catch let e as ExitRequest {
            if e.status != 0 { failure = "exit(\(e.status))" }
            return e.status
        } catch {
            fflush(stdout)
            failure = "\(error)"
            printError("quill: \(error)\n")
            return ExitStatus.runtimeError
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report every compile error in the given files without running them.")

    @Argument(help: "Script files to check.")
    var files: [String]

    func run() throws {
        var status: Int32 = 0
        let color = isatty(2) != 0 && getenv("NO_COLOR") == nil
        for file in files {
            let runtime = QuillRuntime()
            do {
                let source = try FileIO.readText(file)
                try runtime.check(source: source, name: file)
            } catch let e as CompileError {
                printError(DiagnosticRenderer.render(e, color: color))
                status = max(status, ExitStatus.compileError)
            } catch let e as QuillError {
                printError("quill: \(e.message)\n")
                status = max(status, ExitStatus.ioError)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}

#if os(Linux)
/// glibc's `mallopt`, which the Glibc module does not export (it lives in malloc.h).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

func printError(_ s: String) {
    fputs(s, stderr)
}

func readAllStandardInput() -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(0, &buffer, buffer.count)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}
