import Foundation
import QuillEngine

/// A report's JSON form: `report.json()` in scripts, `--report out.json`, and how the run store
/// keeps an evaluation so that a later run can be compared with it. `init(json:)` reads back
/// what `json` writes.
extension EvalReport {
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("dataset", .string(dataset)),
        ]
        if let variant { fields.append(("variant", .object([("prompt", .string(variant.prompt)), ("model", .string(variant.model))]))) }
        fields += [
            ("started_at", .double(startedAt)), ("duration", .double(duration)),
            ("passed", .bool(passed)), ("pass_rate", .double(passRate)), ("errors", .int(errors)),
            ("input_tokens", .int(inputTokens)), ("output_tokens", .int(outputTokens)),
            ("cost", cost.map { .string(Money.format($0)) } ?? .null),
            ("metrics", .array(metrics.map { m in
                .object([("name", .string(m.name)), ("detail", .string(m.detail)),
                         ("threshold", Self.number(m.threshold)), ("pass_at", Self.number(m.passAt))])
            })),
            ("summary", .array(summaries.map(\.json))),
            ("rows", .array(rows.map(\.json))),
        ]
        return .object(fields)
    }

    /// Reads a report written by `json`; nil when `json` is not one.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let dataset = json["dataset"]?.stringValue,
              let metrics = json["metrics"]?.arrayValue, let rows = json["rows"]?.arrayValue else { return nil }
        let variant = json["variant"].flatMap { v -> Variant? in
            guard let p = v["prompt"]?.stringValue, let m = v["model"]?.stringValue else { return nil }
            return Variant(prompt: p, model: m)
        }
        let infos = metrics.compactMap { m -> MetricInfo? in
            guard let name = m["name"]?.stringValue else { return nil }
            return MetricInfo(name: name, detail: m["detail"]?.stringValue ?? "", threshold: m["threshold"]?.numberValue,
                              passAt: m["pass_at"]?.numberValue)
        }
        let parsed = rows.compactMap(EvalRow.init(json:))
        guard parsed.count == rows.count else { return nil }
        self.init(name: name, dataset: dataset, variant: variant, metrics: infos, rows: parsed,
                  startedAt: json["started_at"]?.numberValue ?? 0, duration: json["duration"]?.numberValue ?? 0)
    }

    /// A number, or null for nil and for non-finite values (a mean over no rows).
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .double(value)
    }
}

extension EvalRow {
    public var json: JSONValue {
        func map<T>(_ d: [String: T], _ f: (T) -> JSONValue) -> JSONValue {
            .object(d.sorted { $0.key < $1.key }.map { ($0.key, f($0.value)) })
        }
        return .object([
            ("index", .int(index)), ("key", .string(key)), ("input", input), ("expected", expected ?? .null),
            ("output", output ?? .null), ("error", error.map { .string($0) } ?? .null),
            ("scores", map(scores) { EvalReport.number($0) }), ("verdicts", map(verdicts) { .bool($0) }),
            ("notes", map(notes) { .string($0) }),
            ("latency", .double(latency)), ("calls", .int(calls)), ("input_tokens", .int(inputTokens)),
            ("output_tokens", .int(outputTokens)), ("cost", costKnown ? .string(Money.format(cost)) : .null),
        ])
    }

    public init?(json: JSONValue) {
        guard let index = json["index"]?.numberValue, let key = json["key"]?.stringValue else { return nil }
        func fields(_ name: String) -> [(key: String, value: JSONValue)] {
            if case .object(let members)? = json[name] { return members }
            return []
        }
        let cost = json["cost"]?.stringValue.flatMap(Money.parse)
        self.init(index: Int(index), key: key, input: json["input"] ?? .null,
                  expected: json["expected"].flatMap { $0 == .null ? nil : $0 },
                  output: json["output"].flatMap { $0 == .null ? nil : $0 }, error: json["error"]?.stringValue,
                  scores: Dictionary(fields("scores").compactMap { f in f.value.numberValue.map { (f.key, $0) } }) { a, _ in a },
                  verdicts: Dictionary(fields("verdicts").compactMap { f in
                      if case .bool(let b) = f.value { return (f.key, b) }
                      return nil
                  }) { a, _ in a },
                  notes: Dictionary(fields("notes").compactMap { f in f.value.stringValue.map { (f.key, $0) } }) { a, _ in a },
                  latency: json["latency"]?.numberValue ?? 0, calls: Int(json["calls"]?.numberValue ?? 0),
                  inputTokens: Int(json["input_tokens"]?.numberValue ?? 0), outputTokens: Int(json["output_tokens"]?.numberValue ?? 0),
                  cost: cost ?? 0, costKnown: cost != nil)
    }
}

extension MetricSummary {
    public var json: JSONValue {
        .object([
            ("name", .string(name)), ("count", .int(count)), ("mean", EvalReport.number(mean)),
            ("stdev", EvalReport.number(stdev)), ("ci95", .array([EvalReport.number(low), EvalReport.number(high)])),
            ("min", EvalReport.number(min)), ("max", EvalReport.number(max)), ("pass_rate", EvalReport.number(passRate)),
            ("threshold", EvalReport.number(threshold)), ("passed", passed.map { .bool($0) } ?? .null),
        ])
    }
}
