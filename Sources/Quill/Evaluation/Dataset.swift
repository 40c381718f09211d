import Foundation
import QuillEngine
import QuillLanguage

/// The rows of an evaluation: read from a JSON Lines, JSON or CSV/TSV file, or given inline.
/// Rows are Quill values — maps for CSV (header → text) and usually for JSON — in file order.
/// A bad row is an error naming the file, the line and the column, and what to do.
enum Dataset {
    /// Reads `path` by its extension (`.jsonl`/`.ndjson`, `.json`, `.csv`, `.tsv`) or `format`.
    static func load(path: String, format: String?) throws -> [Value] {
        let text = try FileIO.readText(path)
        let kind = (format ?? (path as NSString).pathExtension).lowercased()
        switch kind {
        case "jsonl", "ndjson": return try jsonLines(text, path: path)
        case "json": return try jsonArray(text, path: path)
        case "csv": return try csv(text, path: path, delimiter: ",")
        case "tsv": return try csv(text, path: path, delimiter: "\t")
        default:
            throw QuillError.value("dataset(): cannot tell the format of '\(path)'; name it .jsonl, .json, .csv or .tsv, or pass format: \"jsonl\"")
        }
    }

    static func jsonLines(_ text: String, path: String) throws -> [Value] {
        var rows: [Value] = []
        // Split as bytes: a String splits by characters, which is several times slower on big
        // files and treats "\r\n" as one character that "\n" does not match.
        for (i, line) in text.utf8.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            let content = line.last == 13 ? line.dropLast() : line
            if content.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                rows.append(JSONBridge.value(try JSONValue.parse(String(decoding: content, as: UTF8.self))))
            } catch let e as JSONParseError {
                throw located(path, line: i + 1, column: column(of: e.offset, in: Array(content)),
                              "invalid JSON: \(e.message)", hint: "each line of a .jsonl file is one JSON value")
            }
        }
        return rows
    }

    static func jsonArray(_ text: String, path: String) throws -> [Value] {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch let e as JSONParseError {
            let bytes = Array(text.utf8)
            let before = bytes[..<min(e.offset, bytes.count)]
            let line = before.filter { $0 == 10 }.count + 1
            let lineStart = before.lastIndex(of: 10).map { $0 + 1 } ?? 0
            throw located(path, line: line, column: column(of: e.offset - lineStart, in: Array(bytes[lineStart...])),
                          "invalid JSON: \(e.message)")
        }
        guard case .array(let items) = json else {
            throw QuillError.value("dataset(): \(path) holds a JSON \(json.typeName), not an array of rows",
                                   hint: "a .json dataset is an array; use .jsonl for one row per line")
        }
        return items.map(JSONBridge.value)
    }

    static func csv(_ text: String, path: String, delimiter: Character) throws -> [Value] {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader(delimiter: delimiter).records(text)
        } catch let f as CSVReader.Failure {
            throw located(path, line: f.line, column: f.column, f.message)
        }
        guard let header = records.first else { return [] }
        var seen = Set<String>()
        for name in header.fields where !seen.insert(name).inserted {
            throw located(path, line: header.line, column: 1, "the header names column '\(name)' twice")
        }
        return try records.dropFirst().map { record in
            guard record.fields.count == header.fields.count else {
                throw located(path, line: record.line, column: 1,
                              "\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"), but the header has \(header.fields.count)",
                              hint: "quote fields that contain the delimiter: \"a, b\"")
            }
            return .map(MapObject(zip(header.fields, record.fields).map { (Value.str($0), Value.str($1)) }))
        }
    }

    /// The 1-based column (in characters) of a byte offset within a line.
    static func column(of offset: Int, in line: [UInt8]) -> Int {
        let prefix = line[..<max(0, min(offset, line.count))]
        return String(decoding: prefix, as: UTF8.self).count + 1
    }

    static func located(_ path: String, line: Int, column: Int, _ message: String, hint: String? = nil) -> QuillError {
        QuillError("DatasetError", "\(path):\(line):\(column): \(message)", hint: hint)
    }
}

extension JSONValue {
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
