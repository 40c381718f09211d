import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// The formats a report is written in (`report.save(path)`, `quill eval --report`), known by
/// the file's extension: .txt, .md, .json, .html, .xml (JUnit).
public enum EvalReportFormat: Sendable {
    case text, markdown, json, html, junit

    public init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "txt": self = .text
        case "md", "markdown": self = .markdown
        case "json": self = .json
        case "html", "htm": self = .html
        case "xml": self = .junit
        default: return nil
        }
    }

    public func render(_ reports: [EvalReport], title: String) -> String {
        switch self {
        case .text: return EvalTextReport.render(reports)
        case .markdown: return EvalMarkdownReport.render(reports)
        case .json:
            let value: JSONValue = reports.count == 1 ? reports[0].json : .object([("name", .string(title)), ("cells", .array(reports.map(\.json)))])
            return ((try? JSON.encode(JSONBridge.value(value), indent: 2)) ?? value.serialized) + "\n"
        case .html: return EvalHTMLReport.render(reports, title: title)
        case .junit: return EvalJUnitReport.render(reports, suiteName: title)
        }
    }
}
