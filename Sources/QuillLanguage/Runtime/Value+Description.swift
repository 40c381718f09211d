/// How values print: `str(x)` shows strings bare, `repr(x)` (and elements inside lists and maps) quotes them.
extension Value: CustomStringConvertible {
    /// "a" or "an" for a type name in messages ("an int", "a list").
    static func article(_ word: String) -> String {
        guard let first = word.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    /// The text `print` and `str` produce.
    public var description: String {
        switch self {
        case .string(let s): return s.value
        case .int(let i): return String(i)
        case .nil: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .float(let d): return Value.format(d)
        default: break
        }
        var out = ""
        Value.write(self, to: &out, depth: 0)
        return out
    }

    /// The text shown for a value inside a list, in the REPL, and by `repr`.
    public var repr: String {
        var out = ""
        Value.write(self, to: &out, depth: 0)
        return out
    }

    /// Formats a float the way Python does: always with a decimal point or exponent.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    private static func write(_ v: Value, to out: inout String, depth: Int) {
        // Lists and maps may contain themselves; stop descending rather than recurse forever.
        guard depth < 64 else { out += "..."; return }
        switch v {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d): out += format(d)
        case .string(let s): writeQuoted(s.value, to: &out)
        case .list(let l):
            out += "["
            for (i, item) in l.items.enumerated() {
                if i > 0 { out += ", " }
                write(item, to: &out, depth: depth + 1)
            }
            out += "]"
        case .map(let m):
            if m.count == 0 { out += "{}"; return }
            out += "{"
            var first = true
            for (k, val) in m.entries {
                if !first { out += ", " }
                first = false
                write(k, to: &out, depth: depth + 1)
                out += ": "
                write(val, to: &out, depth: depth + 1)
            }
            out += "}"
        case .function(let c): out += "<fn \(c.proto.name)>"
        case .native(let f): out += "<native fn \(f.name)>"
        case .error(let e): out += e.kind == "Error" ? "<error: \(e.message)>" : "<\(e.kind): \(e.message)>"
        case .object(let o): out += o.description
        }
    }

    /// Writes a string in double quotes with Quill escapes, so it reads back as the same literal.
    static func writeQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
