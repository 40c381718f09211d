import Foundation
import QuillLLM

/// What changed between two runs of one evaluation: each metric's mean then and now, and row
/// by row — rows matched by `EvalRow.key`, so a reordered or grown dataset still lines up —
/// which rows regressed, which were fixed, which are new and which are gone.
///
/// A row *regressed* when it passed before and fails now, or when one of its scores fell by
/// more than `minDrop` (a row can lose half its ROUGE and still pass a lenient `passAt`; that
/// is worth seeing too). A row was *fixed* when it failed before and passes now. Pure data:
/// `quill runs compare` renders it as text or JSON and turns `hasRegressions` into an exit
/// status.
public struct EvalComparison: Sendable {
    /// The evaluation's title (name, and variant for a matrix cell), taken from the newer report.
    public var title: String
    public var name: String
    public var variant: EvalReport.Variant?
    public var metrics: [MetricDelta]
    /// The share of rows that passed, before and now.
    public var passRate: (before: Double, now: Double)
    public var regressions: [RowChange]
    public var fixes: [RowChange]
    /// Rows only the newer report has, and rows only the older one had.
    public var added: [EvalRow]
    public var removed: [EvalRow]
    public var minDrop: Double

    public var hasRegressions: Bool { !regressions.isEmpty }

    /// A metric's mean before and now; nil where the metric was absent or scored no row.
    public struct MetricDelta: Sendable, Equatable {
        public var metric: String
        public var before: Double?
        public var now: Double?
        public var threshold: Double?
        /// Whether the gate passed, before and now (nil without a threshold).
        public var passedBefore: Bool?
        public var passedNow: Bool?
        public var delta: Double? {
            guard let before, let now else { return nil }
            return now - before
        }
    }

    /// A score that fell between the two runs.
    public struct ScoreDrop: Sendable, Equatable {
        public var metric: String
        public var before: Double
        public var now: Double
    }

    /// One row that changed, as it was and as it is.
    public struct RowChange: Sendable {
        public var key: String
        public var before: EvalRow
        public var now: EvalRow
        /// For a regression: whether the row passed before and fails now (else only scores fell).
        public var newlyFailing: Bool
        /// For a regression: the scores that fell by more than `minDrop`, in metric order.
        public var drops: [ScoreDrop]
    }

    /// Compares `now` with `base`. `minDrop` is the fall in a score, on the metric's own
    /// scale, past which a row counts as regressed even if it still passes.
    public init(base: EvalReport, now: EvalReport, minDrop: Double = 0.1) {
        title = now.title
        name = now.name
        variant = now.variant
        self.minDrop = minDrop
        passRate = (base.passRate, now.passRate)
        metrics = Self.metricDeltas(base: base, now: now)

        let (pairs, added, removed) = Self.matchRows(base: base.rows, now: now.rows)
        self.added = added
        self.removed = removed
        // Metric order for drops: the newer report's, then any only the older one had.
        let order = metrics.map(\.metric)
        var regressions: [RowChange] = [], fixes: [RowChange] = []
        for (old, new) in pairs {
            let drops = order.compactMap { m -> ScoreDrop? in
                guard let b = old.scores[m], let n = new.scores[m], b - n > minDrop + Self.tolerance else { return nil }
                return ScoreDrop(metric: m, before: b, now: n)
            }
            let newlyFailing = old.passed && !new.passed
            if newlyFailing || !drops.isEmpty {
                regressions.append(RowChange(key: new.key, before: old, now: new, newlyFailing: newlyFailing, drops: drops))
            } else if !old.passed && new.passed {
                fixes.append(RowChange(key: new.key, before: old, now: new, newlyFailing: false, drops: []))
            }
        }
        self.regressions = regressions
        self.fixes = fixes
    }

    /// Scores are floating point: 0.9 − 0.8 is 0.0999…98, and a drop "by more than 0.1" should
    /// not hinge on the last bit either way.
    static let tolerance = 1e-9

    private static func metricDeltas(base: EvalReport, now: EvalReport) -> [MetricDelta] {
        let before = Dictionary(base.summaries.map { ($0.name, $0) }) { a, _ in a }
        let current = Dictionary(now.summaries.map { ($0.name, $0) }) { a, _ in a }
        var names = now.summaries.map(\.name)
        names += base.summaries.map(\.name).filter { current[$0] == nil }
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        return names.map { m in
            MetricDelta(metric: m, before: finite(before[m]?.mean), now: finite(current[m]?.mean),
                        threshold: current[m]?.threshold ?? before[m]?.threshold,
                        passedBefore: before[m]?.passed, passedNow: current[m]?.passed)
        }
    }

    /// Pairs rows by key, in dataset order. A key can repeat (two rows with the same input and
    /// no `id`): then the first such row of one report pairs with the first of the other, the
    /// second with the second, and so on.
    static func matchRows(base: [EvalRow], now: [EvalRow]) -> (pairs: [(EvalRow, EvalRow)], added: [EvalRow], removed: [EvalRow]) {
        var waiting: [String: [Int]] = [:]
        for (i, row) in base.enumerated() { waiting[row.key, default: []].append(i) }
        var pairs: [(EvalRow, EvalRow)] = [], added: [EvalRow] = [], matched = Set<Int>()
        for row in now {
            if var queue = waiting[row.key], !queue.isEmpty {
                let i = queue.removeFirst()
                waiting[row.key] = queue
                matched.insert(i)
                pairs.append((base[i], row))
            } else {
                added.append(row)
            }
        }
        let removed = base.indices.filter { !matched.contains($0) }.map { base[$0] }
        return (pairs, added, removed)
    }
}

extension EvalComparison {
    /// An evaluation's identity across runs: its name and, for a matrix cell, its variant.
    public struct Identity: Hashable, Sendable {
        public var name: String
        public var prompt: String?
        public var model: String?
        public init(name: String, variant: EvalReport.Variant?) {
            self.name = name
            prompt = variant?.prompt
            model = variant?.model
        }
    }

    /// Pairs two runs' evaluations by identity, as positions in the two lists: the n-th
    /// evaluation of a name in one run with the n-th of that name in the other (a script may
    /// evaluate twice under one name). Also returns the positions left without a partner.
    public static func pair(base: [Identity], now: [Identity]) -> (pairs: [(base: Int, now: Int)], onlyNow: [Int], onlyBase: [Int]) {
        var waiting: [Identity: [Int]] = [:]
        for (i, identity) in base.enumerated() { waiting[identity, default: []].append(i) }
        var pairs: [(base: Int, now: Int)] = [], onlyNow: [Int] = [], used = Set<Int>()
        for (j, identity) in now.enumerated() {
            if var queue = waiting[identity], !queue.isEmpty {
                let i = queue.removeFirst()
                waiting[identity] = queue
                used.insert(i)
                pairs.append((i, j))
            } else {
                onlyNow.append(j)
            }
        }
        return (pairs, onlyNow, base.indices.filter { !used.contains($0) })
    }
}
