import ArgumentParser
import Foundation
import QuillLLM
import QuillRunStore

/// `quill runs`: the run log — runs, their calls, exports and aggregates.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the run log: every run of `quill run`, every model call it made and its evaluations.",
        discussion: "The log is $QUILL_RUNS_DB, else $QUILL_HOME/runs.db (~/.quill/runs.db). RUN is a run's id or 'last'.",
        subcommands: [List.self, Show.self, Export.self, Stats.self, Compare.self],
        defaultSubcommand: List.self)

    struct StoreOption: ParsableArguments {
        @Option(name: .customLong("run-store"), help: "The run store file (default: $QUILL_RUNS_DB or $QUILL_HOME/runs.db).")
        var path: String?

        func open() throws -> RunStore {
            let path = path ?? RunStore.defaultPath()
            guard FileManager.default.fileExists(atPath: path) else {
                printError("quill runs: no run store at \(path) yet; `quill run` creates it with its first run\n")
                throw ExitCode(ExitStatus.ioError)
            }
            do { return try RunStore(path: path) } catch {
                printError("quill runs: \(error)\n")
                throw ExitCode(ExitStatus.ioError)
            }
        }

        /// A run id, or the latest run for "last".
        func runID(_ text: String, in store: RunStore) throws -> Int64 {
            if text == "last", let latest = try store.runs(limit: 1).first { return latest.id }
            guard let id = Int64(text) else {
                printError("quill runs: '\(text)' is not a run id; give a number from `quill runs` or 'last'\n")
                throw ExitCode(ExitStatus.usage)
            }
            return id
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the latest runs, newest first.")
        @OptionGroup var store: StoreOption
        @Option(help: "How many runs to list.") var limit = 20

        func run() throws {
            let runs = try store.open().runs(limit: limit)
            if runs.isEmpty { print("no runs yet"); return }
            print(RunsTable.runs(runs), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run, its evaluations, and its calls with latency, tokens and cost.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The run's id, or 'last'.") var runID = "last"

        func run() throws {
            let s = try store.open()
            do {
                let id = try store.runID(runID, in: s)
                print(RunsTable.run(try s.run(id), calls: try s.calls(run: id), evaluations: try s.evaluations(run: id)),
                      terminator: "")
            } catch let e as RunStoreError {
                printError("quill runs show: \(e)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a run's calls as JSON Lines, one call per line, every stored field.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The run's id, or 'last'.") var runID = "last"
        @Flag(help: "JSON Lines (the only format; kept explicit for scripts).") var jsonl = false

        func run() throws {
            let s = try store.open()
            do {
                let id = try store.runID(runID, in: s)
                _ = try s.run(id)
                for call in try s.calls(run: id) { print(call.json.serialized) }
            } catch let e as RunStoreError {
                printError("quill runs export: \(e)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Aggregate calls by model and by prompt: p50/p95 latency, tokens, cost, error rate.")
        @OptionGroup var store: StoreOption
        @Option(name: .customLong("run"), help: "Only this run ('last' for the latest).") var onlyRun: String?
        @Option(help: "Only runs started within this long: 30m, 24h, 7d.") var since: String?
        @Flag(help: "Print JSON instead of tables.") var json = false

        func run() throws {
            let s = try store.open()
            let id = try onlyRun.map { try store.runID($0, in: s) }
            var start: Double?
            if let since {
                guard let seconds = Self.duration(since) else {
                    printError("quill runs stats: --since '\(since)': write a number and a unit, like 30m, 24h or 7d\n")
                    throw ExitCode(ExitStatus.usage)
                }
                start = Date().timeIntervalSince1970 - seconds
            }
            let stats = RunStats(try s.callsForStats(run: id, since: start))
            print(json ? RunsTable.statsJSON(stats) : RunsTable.stats(stats), terminator: json ? "\n" : "")
        }

        static func duration(_ text: String) -> Double? {
            guard let unit = text.last, let n = Double(text.dropLast()), n >= 0 else { return nil }
            switch unit {
            case "s": return n
            case "m": return n * 60
            case "h": return n * 3600
            case "d": return n * 86400
            default: return nil
            }
        }
    }
}
