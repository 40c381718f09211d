/// Reads CSV (RFC 4180) and TSV: fields separated by a delimiter, quoted fields with `""`
/// for a quote and line breaks inside, LF or CRLF line ends, a header row naming the columns.
/// Errors name the line and column where the problem is.
struct CSVReader {
    struct Failure: Error {
        let line: Int
        let column: Int
        let message: String
    }

    /// One record and the line it starts on.
    struct Record {
        let line: Int
        let fields: [String]
    }

    let delimiter: Character

    /// Every record of the text (blank lines skipped).
    func records(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, column = 0, recordLine = 1
        var quoted = false, wasQuoted = false, quoteLine = 0, quoteColumn = 0
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            column += 1
            if quoted {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                        column += 1
                    } else {
                        quoted = false
                        pending = next
                        if let n = next, n != delimiter, n != "\n", n != "\r\n", n != "\r" {
                            throw Failure(line: line, column: column + 1, message: "unexpected '\(n)' after a closing quote; a quote inside a quoted field is written \"\"")
                        }
                    }
                } else {
                    field.append(c)
                    if c == "\n" || c == "\r\n" { line += 1; column = 0 }
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
                quoteLine = line
                quoteColumn = column
            case delimiter:
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                column = 0
                recordLine = line
            default:
                field.append(c)
            }
        }
        if quoted { throw Failure(line: quoteLine, column: quoteColumn, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}
