import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// The value `evaluate` and `evaluate_matrix` return: one report, or a matrix's cells.
///
/// Fields: `name`, `variant` (a matrix cell's `{prompt, model}`), `passed`, `pass_rate`, `errors`, `cost`, `input_tokens`, `output_tokens`,
/// `summary` (metric → {mean, stdev, ci, min, max, pass_rate, threshold, passed, count}),
/// `rows` (maps), `failures` (the rows that errored or failed a metric), `cells` (a matrix's
/// reports, one per prompt × model). Methods: `table()`, `markdown()`, `json()`, `html()`,
/// `junit()`, `save(path)` (format by extension: .html, .md, .json, .xml for JUnit, .txt).
/// Printing a report prints its table.
final class EvalReportObject: NativeObject, @unchecked Sendable {
    let reports: [EvalReport]
    /// The matrix's name, for several reports.
    let name: String

    init(_ reports: [EvalReport], name: String? = nil) {
        self.reports = reports
        self.name = name ?? reports.first?.title ?? "evaluation"
    }

    private var single: EvalReport? { reports.count == 1 ? reports[0] : nil }

    override var typeName: String { "report" }
    override var description: String { EvalTextReport.render(reports) }
    override var memberNames: [String] {
        ["name", "variant", "passed", "pass_rate", "errors", "cost", "input_tokens", "output_tokens", "summary", "rows", "failures",
         "cells", "table", "markdown", "json", "html", "junit", "save"]
    }

    override func member(_ member: String, vm: VM) throws -> Value? {
        switch member {
        case "name": return .str(name)
        case "variant":
            guard let v = single?.variant else { return .nil }
            return .map(MapObject([(.str("prompt"), .str(v.prompt)), (.str("model"), .str(v.model))]))
        case "passed": return .bool(reports.allSatisfy(\.passed))
        case "pass_rate":
            let rows = reports.reduce(0) { $0 + $1.rows.count }, failed = reports.reduce(0) { $0 + $1.failures.count }
            return .float(rows == 0 ? 0 : Double(rows - failed) / Double(rows))
        case "errors": return .int(reports.reduce(0) { $0 + $1.errors })
        case "cost":
            let costs = reports.map(\.cost)
            return costs.contains(where: { $0 == nil }) ? .nil : .float(Money.double(costs.reduce(Decimal(0)) { $0 + $1! }))
        case "input_tokens": return .int(reports.reduce(0) { $0 + $1.inputTokens })
        case "output_tokens": return .int(reports.reduce(0) { $0 + $1.outputTokens })
        case "summary": return try requireSingle(member).summaryValue
        case "rows": return .list(ListObject(try requireSingle(member).rows.map { JSONBridge.value($0.json) }))
        case "failures": return .list(ListObject(reports.flatMap(\.failures).map { JSONBridge.value($0.json) }))
        case "cells": return .list(ListObject(reports.map { .object(EvalReportObject([$0])) }))
        default:
            guard let method = Self.methods[member] else { return nil }
            return .native(method.bound(to: .object(self)))
        }
    }

    private func requireSingle(_ member: String) throws -> EvalReport {
        guard let single else {
            throw QuillError.value("a matrix report has \(reports.count) cells: read .\(member) of one of report.cells")
        }
        return single
    }

    private static func receiver(_ args: Args) -> EvalReportObject {
        guard case .object(let r as EvalReportObject) = args.receiver else { preconditionFailure("report method on \(args.receiver.typeName)") }
        return r
    }

    static let methods: [String: NativeFunction] = {
        let formats: [String: EvalReportFormat] = ["table": .text, "markdown": .markdown, "json": .json, "html": .html, "junit": .junit]
        var list = formats.map { name, format in
            NativeFunction(name, [], isMethod: true) { args in
                let r = receiver(args)
                return .str(format.render(r.reports, title: r.name))
            }
        }
        list.append(NativeFunction("save", ["path"], isMethod: true) { args in
            let report = receiver(args), path = try args.string(0)
            guard let format = EvalReportFormat(path: path) else {
                throw QuillError.value("save(): cannot tell the format of \"\(path)\"",
                                       hint: "end the name with .html, .md, .json, .xml (JUnit) or .txt")
            }
            try args.vm.checkWrite(path, for: "report.save()")
            try FileIO.writeText(path, format.render(report.reports, title: report.name))
            return .str(path)
        })
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()
}

extension EvalReport {
    /// `report.summary` in scripts: metric name → its figures.
    var summaryValue: Value {
        let m = MapObject()
        for s in summaries { m.set(.str(s.name), JSONBridge.value(s.json)) }
        return .map(m)
    }
}
