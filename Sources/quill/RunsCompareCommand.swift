import ArgumentParser
import Foundation
import QuillEngine
import QuillLLM
import QuillRunStore

extension Runs {
    /// `quill runs compare [RUN] [BASE]`: a run's evaluations against earlier ones — metric
    /// means then and now, and the rows that regressed or were fixed — for a person reading a
    /// terminal or, with `--fail-on-regression`, for a CI job's exit status.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a run's evaluations with earlier ones: metric means, and rows that regressed or were fixed.",
            discussion: """
                Evaluations are matched by name (and, for evaluate_matrix cells, prompt and model); rows by their key \
                (the dataset row's id field, else a hash of its input). A row regressed when it passed before and fails \
                now, or when one of its scores fell by more than --min-drop. Without BASE, each evaluation is compared \
                with the latest earlier evaluation of the same name and variant recorded by the same script.
                """)

        @OptionGroup var store: StoreOption
        @Argument(help: "The run to check: an id, or 'last' (default: the latest run with evaluations).") var runID: String?
        @Argument(help: "The run to compare with (default: each evaluation's previous run of the same script).") var baseID: String?
        @Option(name: .customLong("min-drop"), help: "A row whose score fell by more than this counts as regressed, even if it still passes.")
        var minDrop = 0.1
        @Flag(help: "Print JSON instead of text.") var json = false
        @Flag(name: .customLong("fail-on-regression"), help: "Exit with status 1 when any row regressed (for CI).")
        var failOnRegression = false

        /// One evaluation of the run, with what it is compared with (nil: nothing earlier).
        struct Entry {
            var now: StoredEvaluation
            var base: StoredEvaluation?
            var comparison: EvalComparison?
        }

        func validate() throws {
            guard minDrop >= 0, minDrop.isFinite else { throw ValidationError("--min-drop must be a number ≥ 0, got \(minDrop)") }
        }

        func run() throws {
            let s = try store.open()
            let entries: [Entry], onlyBase: [StoredEvaluation], id: Int64, base: Int64?
            do {
                id = try resolveRun(in: s)
                base = try baseID.map { try store.runID($0, in: s) }
                (entries, onlyBase) = try compare(run: try s.run(id), base: base, in: s)
            } catch let e as RunStoreError {
                printError("quill runs compare: \(e)\n")
                throw ExitCode(ExitStatus.usage)
            }
            if json {
                print(RunsTable.comparisonJSON(run: id, base: base, entries: entries, onlyBase: onlyBase, minDrop: minDrop).serialized)
            } else {
                print(RunsTable.comparison(run: id, base: base, entries: entries, onlyBase: onlyBase), terminator: "")
            }
            if failOnRegression, entries.contains(where: { $0.comparison?.hasRegressions == true }) {
                throw ExitCode(1)
            }
        }

        /// RUN as given, or the latest run that recorded an evaluation.
        private func resolveRun(in s: RunStore) throws -> Int64 {
            if let runID, runID != "last" { return try store.runID(runID, in: s) }
            guard let latest = try s.latestRunWithEvaluations() else {
                printError("quill runs compare: no run in \(s.path) has evaluations yet; `quill eval` and scripts calling evaluate() record them\n")
                throw ExitCode(ExitStatus.usage)
            }
            return latest
        }

        private func compare(run: RunRow, base: Int64?, in s: RunStore) throws -> (entries: [Entry], onlyBase: [StoredEvaluation]) {
            let now = try s.evaluations(run: run.id)
            guard !now.isEmpty else {
                printError("quill runs compare: run \(run.id) recorded no evaluations; `quill runs show \(run.id)` shows what it did\n")
                throw ExitCode(ExitStatus.usage)
            }
            var entries = now.map { Entry(now: $0) }
            var onlyBase: [StoredEvaluation] = []
            if let base {
                _ = try s.run(base)
                let old = try s.evaluations(run: base)
                let identity = { (e: StoredEvaluation) in EvalComparison.Identity(name: e.name, variant: e.variant) }
                let matched = EvalComparison.pair(base: old.map(identity), now: now.map(identity))
                for p in matched.pairs { entries[p.now].base = old[p.base] }
                onlyBase = matched.onlyBase.map { old[$0] }
            } else {
                for i in entries.indices {
                    entries[i].base = try s.previousEvaluation(name: now[i].name, variant: now[i].variant, script: run.script, before: run.id)
                }
            }
            for i in entries.indices {
                guard let old = entries[i].base else { continue }
                entries[i].comparison = EvalComparison(base: try s.report(evaluation: old.id), now: try s.report(evaluation: now[i].id),
                                                       minDrop: minDrop)
            }
            return (entries, onlyBase)
        }
    }
}
