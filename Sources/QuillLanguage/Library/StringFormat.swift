#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `"template".format(...)`: Python-style replacement fields.
///
/// - `{}` takes the next positional argument, `{0}`, `{1}` a given one.
/// - `{name}` looks `name` up in the *last* argument, which must be a map:
///   `"{user} is {age}".format({user: "ann", age: 3})`. (Variadic built-ins take no named
///   arguments, so the map stands in for Python's keyword arguments.)
/// - `{{` and `}}` are literal braces.
/// - After a colon, a format spec: `[[fill]align][sign][0][width][,][.precision][type]` with
///   align `<` `>` `^`, sign `+` `-` or space, type one of `s d x X o b f e g %`:
///   `"{:>8.2f}".format(3.14159)` is `"    3.14"`, `"{:,}".format(1234567)` is `"1,234,567"`.
///   Numbers align right and everything else left by default; `0` pads numbers with zeros after
///   the sign. Without a type, a value prints as `str()` would (a float with a precision uses `g`).
enum StringFormatter {
    /// Under a memory limit (`meter`) each value's text is checked before it is made, and the
    /// result after each field (a field adds at most its width, 10,000, beyond its value).
    static func format(_ template: String, _ values: [Value], function: String, meter: MemoryMeter? = nil) throws -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 16 * values.count)
        var nextAuto = 0
        let named: MapObject? = { if case .map(let m)? = values.last { return m } else { return nil } }()
        var i = template.startIndex
        let end = template.endIndex
        func position(_ index: String.Index) -> Int { template.distance(from: template.startIndex, to: index) }

        while i < end {
            guard let brace = template[i...].firstIndex(where: { $0 == "{" || $0 == "}" }) else {
                out += template[i...]
                break
            }
            out += template[i..<brace]
            let next = template.index(after: brace)
            if template[brace] == "}" {
                guard next < end, template[next] == "}" else {
                    throw QuillError.value("\(function)(): unmatched '}' at character \(position(brace))",
                                           hint: "write '}}' for a literal brace")
                }
                out += "}"
                i = template.index(after: next)
                continue
            }
            if next < end, template[next] == "{" {
                out += "{"
                i = template.index(after: next)
                continue
            }
            guard let close = template[next...].firstIndex(of: "}") else {
                throw QuillError.value("\(function)(): unmatched '{' at character \(position(brace))",
                                       hint: "write '{{' for a literal brace")
            }
            let field = template[next..<close]
            let colon = field.firstIndex(of: ":")
            let name = String(field[..<(colon ?? field.endIndex)])
            let spec = colon.map { String(field[field.index(after: $0)...]) } ?? ""
            let value: Value
            if name.isEmpty {
                guard nextAuto < values.count else {
                    throw QuillError.index("\(function)(): placeholder #\(nextAuto + 1) has no argument (\(values.count) given)")
                }
                value = values[nextAuto]
                nextAuto += 1
            } else if let n = Int(name) {
                guard n >= 0, n < values.count else {
                    throw QuillError.index("\(function)(): placeholder {\(name)} has no argument (\(values.count) given)")
                }
                value = values[n]
            } else {
                guard let m = named, let v = m[.str(name)] else {
                    throw QuillError.key("\(function)(): no value for placeholder {\(name)}",
                                         hint: "pass a map as the last argument, e.g. \"{\(name)}\".format({\(name): 1})")
                }
                value = v
            }
            if let meter {
                try meter.checkText(of: value, for: "\(function)()")
                out += try formatValue(value, spec: spec, function: function)
                try meter.check(MemoryMeter.stringBytes(utf8: out.utf8.count), for: "\(function)()")
            } else {
                out += try formatValue(value, spec: spec, function: function)
            }
            i = template.index(after: close)
        }
        return out
    }

    /// A parsed format spec.
    struct Spec {
        var fill: Character = " "
        var align: Character?
        var sign: Character = "-"
        var zero = false
        var width = 0
        var grouping = false
        var precision: Int?
        var type: Character?
    }

    static func parseSpec(_ text: String, function: String) throws -> Spec {
        var spec = Spec()
        let c = Array(text)
        var i = 0
        func bad() -> QuillError {
            QuillError.value("\(function)(): invalid format spec '\(text)'",
                             hint: "the form is [[fill]align][sign][0][width][,][.precision][type], e.g. '>8.2f'")
        }
        if c.count >= 2, "<>^".contains(c[1]) {
            spec.fill = c[0]; spec.align = c[1]; i = 2
        } else if c.count >= 1, "<>^".contains(c[0]) {
            spec.align = c[0]; i = 1
        }
        if i < c.count, "+- ".contains(c[i]) { spec.sign = c[i]; i += 1 }
        if i < c.count, c[i] == "0" { spec.zero = true; i += 1 }
        var width = 0
        while i < c.count, let d = c[i].wholeNumberValue, c[i].isASCII {
            width = width * 10 + d
            guard width <= 10_000 else { throw bad() }
            i += 1
        }
        spec.width = width
        if i < c.count, c[i] == "," { spec.grouping = true; i += 1 }
        if i < c.count, c[i] == "." {
            i += 1
            var p = 0, digits = 0
            while i < c.count, let d = c[i].wholeNumberValue, c[i].isASCII {
                p = p * 10 + d
                guard p <= 200 else { throw bad() }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw bad() }
            spec.precision = p
        }
        if i < c.count {
            guard "sdxXobfFeEgG%".contains(c[i]) else { throw bad() }
            spec.type = c[i]
            i += 1
        }
        guard i == c.count else { throw bad() }
        return spec
    }

    /// Formats one value by a spec (the text after the colon).
    static func formatValue(_ value: Value, spec text: String, function: String) throws -> String {
        if text.isEmpty { return value.description }
        let spec = try parseSpec(text, function: function)
        var negative = false
        var body: String
        var isNumber = true

        func needs(_ what: String) -> QuillError {
            QuillError.type("\(function)(): format '{:\(text)}' needs \(what), not \(value.typeName)")
        }
        switch spec.type {
        case nil, "s":
            switch (value, spec.type) {
            case (.int(let n), nil):
                negative = n < 0
                body = String(n.magnitude)
            case (.float(let d), nil):
                if let p = spec.precision {
                    negative = d.sign == .minus && !d.isNaN
                    body = cFormat("%.\(p)g", abs(d))
                } else {
                    negative = d.sign == .minus && !d.isNaN
                    body = Value.format(abs(d))
                }
            default:
                isNumber = false
                body = value.description
                if let p = spec.precision, body.count > p { body = String(body.prefix(p)) }
            }
        case "d", "x", "X", "o", "b":
            guard case .int(let n) = value else { throw needs("an int") }
            negative = n < 0
            switch spec.type {
            case "x": body = String(n.magnitude, radix: 16)
            case "X": body = String(n.magnitude, radix: 16, uppercase: true)
            case "o": body = String(n.magnitude, radix: 8)
            case "b": body = String(n.magnitude, radix: 2)
            default: body = String(n.magnitude)
            }
        default:
            guard let d = value.numberValue else { throw needs("a number") }
            negative = d.sign == .minus && !d.isNaN
            let p = spec.precision ?? 6
            switch spec.type {
            case "f", "F": body = cFormat("%.\(p)f", abs(d))
            case "e": body = cFormat("%.\(p)e", abs(d))
            case "E": body = cFormat("%.\(p)E", abs(d))
            case "g": body = cFormat("%.\(p)g", abs(d))
            case "G": body = cFormat("%.\(p)G", abs(d))
            default: body = cFormat("%.\(p)f", abs(d) * 100) + "%"
            }
            if spec.type == "F" { body = body.uppercased() }
        }

        var signText = ""
        if isNumber {
            if negative { signText = "-" } else if spec.sign == "+" { signText = "+" } else if spec.sign == " " { signText = " " }
            if spec.grouping { body = group(body) }
        }
        let length = signText.count + body.count
        guard spec.width > length else { return signText + body }
        let missing = spec.width - length
        if spec.align == nil && spec.zero && isNumber {
            return signText + String(repeating: "0", count: missing) + body
        }
        let fill = String(spec.fill)
        switch spec.align ?? (isNumber ? ">" : "<") {
        case "<": return signText + body + String(repeating: fill, count: missing)
        case "^":
            return String(repeating: fill, count: missing / 2) + signText + body
                + String(repeating: fill, count: missing - missing / 2)
        default: return String(repeating: fill, count: missing) + signText + body
        }
    }

    /// Inserts thousands separators into the leading run of digits.
    static func group(_ body: String) -> String {
        let digits = body.prefix(while: { $0.isASCII && $0.isNumber })
        guard digits.count > 3 else { return body }
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return out + body[digits.endIndex...]
    }

    /// Formats one Double with a C printf format (correctly rounded by the C library).
    static func cFormat(_ format: String, _ value: Double) -> String {
        var size = 64
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let n = withVaList([value]) { vsnprintf(&buffer, size, format, $0) }
            if n < 0 { return Value.format(value) }
            if Int(n) < size {
                return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            size = Int(n) + 1
        }
    }
}
