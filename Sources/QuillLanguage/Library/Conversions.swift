/// The conversion built-ins: `int`, `float`, `ord` and `chr`.
enum Conversions {
    /// `int(value, base: 10)`.
    ///
    /// - A float is truncated toward zero; nan, infinities and values beyond 64 bits are a ValueError.
    /// - A bool is 0 or 1; an int is returned unchanged.
    /// - A string is parsed: surrounding whitespace is ignored, then an optional sign and digits
    ///   in `base` (2–36), with single underscores allowed between digits (`"1_000"`). For bases
    ///   16, 8 and 2 a matching `0x`, `0o` or `0b` prefix is allowed.
    static func toInt(_ args: Args) throws -> Value {
        let base: Int? = args[1].isNil ? nil : try args.int(1)
        switch args[0] {
        case .string(let s):
            return .int(try parseInt(s.value, base: base ?? 10))
        case _ where base != nil:
            throw QuillError.type("int(): base is only allowed when converting a string, not \(args[0].typeWithArticle)")
        case .int: return args[0]
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            guard d.isFinite else { throw QuillError.value("int(): cannot convert \(Value.format(d)) to int") }
            guard let i = Int(exactly: d.rounded(.towardZero)) else {
                throw QuillError.value("int(): \(Value.format(d)) is out of range for a 64-bit int")
            }
            return .int(i)
        default:
            throw QuillError.type("int(): cannot convert \(args[0].typeWithArticle) to int")
        }
    }

    static func parseInt(_ text: String, base: Int) throws -> Int {
        guard (2...36).contains(base) else {
            throw QuillError.value("int(): base must be between 2 and 36, got \(base)")
        }
        func invalid() -> QuillError {
            QuillError.value("int(): cannot convert '\(text)' to int" + (base == 10 ? "" : " in base \(base)"))
        }
        var s = Substring(text.trimmingWhitespace())
        var sign = ""
        if let c = s.first, c == "+" || c == "-" {
            if c == "-" { sign = "-" }
            s = s.dropFirst()
        }
        let prefixes = [16: "0x", 8: "0o", 2: "0b"]
        if let p = prefixes[base], s.lowercased().hasPrefix(p) { s = s.dropFirst(2) }
        guard let first = s.first, let last = s.last, first != "_", last != "_", !s.contains("__") else {
            throw invalid()
        }
        let digits = s.filter { $0 != "_" }
        guard digits.allSatisfy({ digitValue($0) < base }) else {
            throw invalid()
        }
        guard let n = Int(sign + digits, radix: base) else {
            throw QuillError.value("int(): '\(text)' is out of range for a 64-bit int")
        }
        return n
    }

    /// The value of an ASCII digit or letter (a = 10 ... z = 35).
    private static func digitValue(_ c: Character) -> Int {
        guard let a = c.asciiValue else { return 99 }
        switch a {
        case 48...57: return Int(a) - 48
        case 97...122: return Int(a) - 87
        case 65...90: return Int(a) - 55
        default: return 99
        }
    }

    /// `float(value)`: ints and bools convert exactly (ints may round to the nearest float);
    /// strings hold a decimal number, optionally with an exponent and single underscores between
    /// digits, or `inf`, `-inf`, `infinity`, `nan` (any case); surrounding whitespace is ignored.
    static func toFloat(_ args: Args) throws -> Value {
        switch args[0] {
        case .float: return args[0]
        case .int(let i): return .float(Double(i))
        case .bool(let b): return .float(b ? 1 : 0)
        case .string(let s):
            let t = s.value.trimmingWhitespace()
            let invalid = QuillError.value("float(): cannot convert '\(s.value)' to float")
            // Swift also reads hex floats ("0x1p3"); Quill does not.
            guard !t.isEmpty, !t.contains(where: { "xXpP".contains($0) }),
                  !t.hasPrefix("_"), !t.hasSuffix("_"), !t.contains("__") else { throw invalid }
            let cleaned = t.contains("_") ? try removeDigitUnderscores(t, invalid) : t
            guard let d = Double(cleaned) else { throw invalid }
            return .float(d)
        default:
            throw QuillError.type("float(): cannot convert \(args[0].typeWithArticle) to float")
        }
    }

    /// Removes underscores that sit between two digits; any other underscore is invalid.
    private static func removeDigitUnderscores(_ t: String, _ invalid: QuillError) throws -> String {
        let chars = Array(t)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c == "_" {
                guard i > 0, i + 1 < chars.count, chars[i - 1].isASCII, chars[i - 1].isNumber,
                      chars[i + 1].isASCII, chars[i + 1].isNumber else { throw invalid }
                continue
            }
            out.append(c)
        }
        return out
    }

    /// `ord(char)`: the code point of a one-code-point string.
    static func ord(_ args: Args) throws -> Value {
        let s = try args.string(0)
        let scalars = s.unicodeScalars
        guard scalars.count == 1, let scalar = scalars.first else {
            throw QuillError.value("ord(): expected a single character (one code point), got '\(s)'")
        }
        return .int(Int(scalar.value))
    }

    /// `chr(code)`: the one-character string for a code point.
    static func chr(_ args: Args) throws -> Value {
        let code = try args.int(0)
        guard code >= 0, code <= 0x10FFFF, let scalar = Unicode.Scalar(UInt32(code)) else {
            throw QuillError.value("chr(): \(code) is not a valid Unicode code point")
        }
        return .str(String(Character(scalar)))
    }
}

extension String {
    /// The string without leading and trailing whitespace (Unicode white space, including newlines).
    func trimmingWhitespace() -> String {
        var sub = Substring(self)
        while let f = sub.first, f.isWhitespace { sub.removeFirst() }
        while let l = sub.last, l.isWhitespace { sub.removeLast() }
        return String(sub)
    }
}
