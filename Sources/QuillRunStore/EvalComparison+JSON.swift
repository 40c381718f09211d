import Foundation
import QuillEngine
import QuillLLM

/// A comparison's JSON form, for `quill runs compare --json`: numbers as numbers (null where a
/// metric scored nothing), each changed row with its key, position, scores and output then
/// and now, so a CI job can print or diff what regressed without reading the store.
extension EvalComparison {
    public var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("variant", variant.map { .object([("prompt", .string($0.prompt)), ("model", .string($0.model))]) } ?? .null),
            ("title", .string(title)),
            ("pass_rate", .object([("before", .double(passRate.before)), ("now", .double(passRate.now)),
                                   ("delta", .double(passRate.now - passRate.before))])),
            ("metrics", .array(metrics.map(\.json))),
            ("min_drop", .double(minDrop)),
            ("regressions", .array(regressions.map(\.json))),
            ("fixes", .array(fixes.map(\.json))),
            ("added", .array(added.map(Self.brief))),
            ("removed", .array(removed.map(Self.brief))),
        ])
    }

    /// A row that only one side has: enough to find it in its dataset.
    static func brief(_ row: EvalRow) -> JSONValue {
        .object([("key", .string(row.key)), ("index", .int(row.index)), ("passed", .bool(row.passed))])
    }

    /// A row's state on one side of a change.
    static func state(_ row: EvalRow) -> JSONValue {
        .object([
            ("index", .int(row.index)), ("passed", .bool(row.passed)), ("error", row.error.map { .string($0) } ?? .null),
            ("scores", .object(row.scores.sorted { $0.key < $1.key }.map { ($0.key, number($0.value)) })),
            ("output", row.output ?? .null),
        ])
    }

    static func number(_ x: Double?) -> JSONValue {
        guard let x, x.isFinite else { return .null }
        return .double(x)
    }
}

extension EvalComparison.MetricDelta {
    public var json: JSONValue {
        .object([
            ("metric", .string(metric)), ("before", EvalComparison.number(before)), ("now", EvalComparison.number(now)),
            ("delta", EvalComparison.number(delta)), ("threshold", EvalComparison.number(threshold)),
            ("passed_before", passedBefore.map { .bool($0) } ?? .null), ("passed_now", passedNow.map { .bool($0) } ?? .null),
        ])
    }
}

extension EvalComparison.RowChange {
    public var json: JSONValue {
        .object([
            ("key", .string(key)), ("newly_failing", .bool(newlyFailing)),
            ("drops", .array(drops.map { d in
                .object([("metric", .string(d.metric)), ("before", .double(d.before)), ("now", .double(d.now))])
            })),
            ("before", EvalComparison.state(before)), ("now", EvalComparison.state(now)),
        ])
    }
}
