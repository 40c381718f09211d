import Foundation
import QuillEngine
import QuillLLM
import QuillRunStore

/// The text `quill runs` prints: aligned tables of runs, calls and aggregates (evaluations and
/// comparisons in `RunsTable+Evaluations.swift`).
enum RunsTable {
    static func runs(_ runs: [RunRow]) -> String {
        var rows = [["ID", "STARTED", "STATUS", "CALLS", "ERRORS", "TOKENS IN/OUT", "COST", "SCRIPT"]]
        for r in runs {
            rows.append([String(r.id), timestamp(r.startedAt), r.status + (r.dryRun ? " (dry run)" : ""), String(r.calls),
                         String(r.errors), "\(r.inputTokens)/\(r.outputTokens)", cost(r.cost, unpriced: r.unpricedCalls),
                         (r.script as NSString).lastPathComponent])
        }
        return table(rows)
    }

    static func run(_ r: RunRow, calls: [CallRow], evaluations: [StoredEvaluation] = []) -> String {
        var out = "run \(r.id): \(r.script) \(r.args == "[]" ? "" : r.args)\n"
        let took = r.endedAt.map { String(format: "%.2fs", $0 - r.startedAt) } ?? "-"
        out += "  started \(timestamp(r.startedAt)), \(r.status), took \(took)\n"
        out += "  \(r.calls) calls, \(r.errors) errors, \(r.inputTokens) input tokens (\(r.cachedInputTokens) cached), \(r.outputTokens) output tokens, cost \(cost(r.cost, unpriced: r.unpricedCalls))\n"
        if let e = r.error { out += "  error: \(e)\n" }
        if !evaluations.isEmpty { out += "\n" + self.evaluations(evaluations, run: r.id) }
        guard !calls.isEmpty else { return out + "  no calls\n" }
        var rows = [["CALL", "MODEL", "STATUS", "LATENCY", "TTFT", "IN", "OUT", "CACHED", "COST", "RETRIES", "DETAIL"]]
        for c in calls {
            let detail = c.error.map { String($0.prefix(60)) } ?? c.output.map { snippet($0) } ?? ""
            rows.append([c.id, c.model, c.status, seconds(c.latency), seconds(c.ttft), number(c.inputTokens),
                         number(c.outputTokens), number(c.cachedInputTokens),
                         c.cost.map { cost($0, unpriced: 0) } ?? (c.status == "ok" ? "unknown" : "-"),
                         String(c.retries), detail])
        }
        return out + "\n" + table(rows)
    }

    static func stats(_ s: RunStats) -> String {
        func rows(_ title: String, _ groups: [RunStats.Group], label: Bool) -> [[String]] {
            var rows = [[title] + (label ? ["MODELS"] : []) + ["CALLS", "ERROR RATE", "P50", "P95", "TOKENS IN", "TOKENS OUT", "COST"]]
            for g in groups {
                rows.append([g.key] + (label ? [g.label] : []) + [
                    String(g.calls), String(format: "%.1f%%", g.errorRate * 100), seconds(g.p50Latency), seconds(g.p95Latency),
                    String(g.inputTokens), String(g.outputTokens), cost(Money.format(g.cost), unpriced: g.unpricedCalls),
                ])
            }
            return rows
        }
        if s.byModel.isEmpty { return "no calls recorded\n" }
        return "By model:\n" + table(rows("MODEL", s.byModel, label: false)) + "\nBy prompt (template hash, else input hash):\n"
            + table(rows("PROMPT", s.byPrompt, label: true))
    }

    static func statsJSON(_ s: RunStats) -> String {
        func group(_ g: RunStats.Group) -> JSONValue {
            .object([
                ("key", .string(g.key)), ("models", .string(g.label)), ("calls", .int(g.calls)), ("errors", .int(g.errors)),
                ("error_rate", .double(g.errorRate)), ("p50_latency", g.p50Latency.map { .double($0) } ?? .null),
                ("p95_latency", g.p95Latency.map { .double($0) } ?? .null), ("input_tokens", .int(g.inputTokens)),
                ("output_tokens", .int(g.outputTokens)), ("cost_usd", .string(Money.format(g.cost))),
                ("unpriced_calls", .int(g.unpricedCalls)),
            ])
        }
        return JSONValue.object([("by_model", .array(s.byModel.map(group))), ("by_prompt", .array(s.byPrompt.map(group)))]).serialized
    }

    // MARK: Formatting

    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = first.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : pad(cell, widths[i]) }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func cost(_ text: String, unpriced: Int) -> String {
        let shown = Money.parse(text).map(Money.display) ?? text
        return unpriced > 0 ? "\(shown) + \(unpriced) unknown" : shown
    }

    static func seconds(_ s: Double?) -> String { s.map { String(format: "%.3fs", $0) } ?? "-" }
    static func number(_ n: Int?) -> String { n.map(String.init) ?? "-" }

    static func snippet(_ s: String) -> String {
        let line = s.replacingOccurrences(of: "\n", with: " ")
        return line.count > 60 ? String(line.prefix(59)) + "…" : line
    }

    static func timestamp(_ t: Double) -> String { timestampFormat.string(from: Date(timeIntervalSince1970: t)) }

    private static let timestampFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()
}
