import ArgumentParser
import Quill

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `quill eval FILE`: runs a script's evaluations as a CI gate. The script runs as with
/// `quill run` (recorded in the run store); then every evaluation it finished is summarised,
/// written to the requested report files, and the exit status says whether every threshold
/// held: 0 yes, 1 no, 65/70 for a script that does not compile or fails, 64 for bad options or
/// a script that evaluates nothing.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a script's evaluations and exit non-zero when a threshold fails (for CI).",
        discussion: """
            Reports: --report takes .html, .md, .json, .txt or .xml (JUnit) by extension, and may be
            repeated; --junit FILE is --report for JUnit XML whatever the name.
            Thresholds: --threshold METRIC=VALUE gates the mean of that metric in every evaluation,
            --threshold EVALUATION.METRIC=VALUE in one; they override the script's own.
            """)

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Fail unless the metric's mean reaches VALUE.", valueName: "metric=value"))
    var thresholds: [String] = []

    @Option(name: .customLong("report"), help: "Write the reports to this file (format by extension).")
    var reports: [String] = []

    @Option(name: .customLong("junit"), help: "Write JUnit XML (one test case per threshold) to this file.")
    var junit: String?

    @Flag(name: .customLong("quiet"), help: "Print only the PASS/FAIL line per evaluation.")
    var quiet = false

    @OptionGroup var session: RunOptions

    @OptionGroup(title: "Sandbox") var sandbox: SandboxOptions

    @Argument(help: "The script that evaluates.")
    var file: String

    /// After `--`, so that options may follow the file (`quill eval suite.quill --report r.html`).
    @Argument(parsing: .postTerminator, help: "Arguments passed to the script as `args`, after --.")
    var arguments: [String] = []

    func validate() throws {
        _ = try parsedThresholds()
        for path in reports where EvalReportFormat(path: path) == nil {
            throw ValidationError("--report \(path): cannot tell the format; end the name with .html, .md, .json, .txt or .xml")
        }
    }

    func parsedThresholds() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for t in thresholds {
            let parts = t.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
                throw ValidationError("--threshold \(t): write it as metric=number, e.g. --threshold exact_match=0.8")
            }
            result[parts[0]] = value
        }
        return result
    }

    func run() throws {
        let source: String
        do { source = try FileIO.readText(file) } catch let e as QuillError {
            printError("quill: \(e.message)\n")
            throw ExitCode(ExitStatus.ioError)
        }
        let grant = try sandbox.grant()
        let session = try self.session.start(script: file, arguments: arguments)
        let thresholds = try parsedThresholds()
        var log: EvaluationLog?
        let status = withLargeStack {
            Run.execute(source: source, name: file, arguments: arguments, session: session, grant: grant,
                        thresholds: thresholds) { log = $0 }
        }
        if status != 0 { throw ExitCode(status) }
        let evaluations = log?.reports ?? []
        guard !evaluations.isEmpty else {
            printError("quill eval: \(file) finished without evaluating anything; call evaluate(...) or evaluate_matrix(...) in it\n")
            throw ExitCode(ExitStatus.usage)
        }
        let color = isatty(1) != 0 && getenv("NO_COLOR") == nil
        if quiet {
            for r in evaluations { print("\(r.passed ? "PASS" : "FAIL") \(r.title)") }
        } else {
            print(EvalTextReport.render(evaluations, color: color), terminator: "")
        }
        let title = file.split(separator: "/").last.map(String.init) ?? file
        var outputs = reports.map { ($0, EvalReportFormat(path: $0)!) }
        if let junit { outputs.append((junit, .junit)) }
        for (path, format) in outputs {
            do {
                try FileIO.writeText(path, format.render(evaluations, title: title))
            } catch let e as QuillError {
                printError("quill eval: could not write \(path): \(e.message)\n")
                throw ExitCode(ExitStatus.ioError)
            }
        }
        fflush(stdout)
        let failed = evaluations.filter { !$0.passed }
        if !failed.isEmpty {
            let gates = failed.flatMap { r in r.summaries.filter { $0.passed == false }.map { "\(r.title): \($0.name) \(EvalTextReport.number($0.mean)) < \(EvalTextReport.number($0.threshold ?? 0))" } }
            printError("quill eval: \(gates.count) threshold\(gates.count == 1 ? "" : "s") failed\n" + gates.map { "  \($0)\n" }.joined())
            throw ExitCode(1)
        }
    }
}
