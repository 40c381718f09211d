import Quill

/// How the REPL shows a value: its `repr` (strings quoted, so `"1"` and `1` differ), cut to a
/// length with a note of how much was left out, coloured by type on a terminal.
enum ValueFormatter {
    static func format(_ value: Value, color: Bool, limit: Int) -> String {
        var text = value.repr
        if text.count > limit {
            let more = text.count - limit
            text = String(text.prefix(limit)) + "… (\(more) more characters)"
        }
        guard color else { return text }
        let code: String
        switch value {
        case .string: code = "32"          // green
        case .int, .float: code = "36"     // cyan
        case .bool, .nil: code = "35"      // magenta
        case .error: code = "31"           // red
        default: return text
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
