/// The `json` namespace: `json.encode(value, pretty: false, sort_keys: false)` and `json.decode(text)`.
///
/// Round trips are exact: ints stay ints, floats stay floats (`1.0` encodes as `1.0`, and a JSON
/// number with a `.` or exponent decodes as a float; one without decodes as an int when it fits
/// in 64 bits, else as a float). Maps keep their order. Strings are escaped per RFC 8259 with
/// non-ASCII text written as UTF-8. Output spacing follows Python's `json.dumps`: `{"a": [1, 2]}`,
/// and `pretty: true` indents by 2 spaces (`pretty: 4` by 4). Map keys that are ints or bools
/// are written as strings (`{1: true}` encodes as `{"1": true}`).
///
/// Errors are `JSONError`s: values JSON cannot hold (functions, errors, objects, nan, inf),
/// nesting deeper than 512 levels (which also catches a list that contains itself), and for
/// `decode` any syntax error, reported with its line, column (1-based, in characters) and byte
/// offset (0-based): "json.decode(): expected ',' or '}' at line 3, column 7 (byte 41)".
public enum JSON {
    static let maxDepth = 512

    static func namespace() -> NamespaceObject {
        LibrarySupport.namespace("json", functions: [
            NativeFunction("json.encode", ["value", "pretty", "sort_keys"], required: 1) { args in
                var indent = 0
                switch args[1] {
                case .nil: indent = 0
                case .bool(let b): indent = b ? 2 : 0
                case .int(let n) where n >= 0 && n <= 16: indent = n
                default: throw args.typeError(1, expected: "a bool or an indent width from 0 to 16")
                }
                try args.vm.memoryMeter?.checkText(of: args[0], for: "json.encode()", maxDepth: JSON.maxDepth + 1)
                return try args.vm.makeString(try encode(args[0], indent: indent, sortKeys: try args.bool(2, default: false)),
                                              for: "json.encode()")
            },
            NativeFunction("json.decode", ["text"]) { args in try decode(try args.string(0), meter: args.vm.memoryMeter) },
        ])
    }

    static func error(_ function: String, _ message: String, hint: String? = nil) -> QuillError {
        QuillError("JSONError", "json.\(function)(): \(message)", hint: hint)
    }

    // MARK: - Encoding

    /// Encodes a value as JSON text; `indent` 0 means a single line.
    public static func encode(_ value: Value, indent: Int = 0, sortKeys: Bool = false) throws -> String {
        var encoder = Encoder(indent: indent, sortKeys: sortKeys)
        try encoder.write(value, depth: 0)
        return String(decoding: encoder.out, as: UTF8.self)
    }

    struct Encoder {
        var out: [UInt8] = []
        let indent: Int
        let sortKeys: Bool

        init(indent: Int, sortKeys: Bool) {
            self.indent = indent
            self.sortKeys = sortKeys
            out.reserveCapacity(256)
        }

        mutating func append(_ s: String) { out.append(contentsOf: s.utf8) }

        mutating func newline(_ depth: Int) {
            out.append(10)
            out.append(contentsOf: repeatElement(32, count: indent * depth))
        }

        mutating func write(_ value: Value, depth: Int) throws {
            guard depth <= JSON.maxDepth else {
                throw JSON.error("encode", "nesting deeper than \(JSON.maxDepth) levels",
                                 hint: "a list or map that contains itself cannot be encoded")
            }
            switch value {
            case .nil: append("null")
            case .bool(let b): append(b ? "true" : "false")
            case .int(let i): append(String(i))
            case .float(let d):
                guard d.isFinite else {
                    throw JSON.error("encode", "cannot encode \(Value.format(d)) (JSON has no nan or infinity)")
                }
                append(d.description)   // shortest round-trip form, always with '.' or 'e'
            case .string(let s): writeString(s.value)
            case .list(let l):
                if l.items.isEmpty { append("[]"); return }
                out.append(UInt8(ascii: "["))
                for (i, item) in l.items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")); if indent == 0 { out.append(32) } }
                    if indent > 0 { newline(depth + 1) }
                    try write(item, depth: depth + 1)
                }
                if indent > 0 { newline(depth) }
                out.append(UInt8(ascii: "]"))
            case .map(let m):
                if m.count == 0 { append("{}"); return }
                var entries = m.entries.map { (key: JSON.keyString($0.key), value: $0.value) }
                if sortKeys { entries.sort { Value.compareStrings($0.key, $1.key) < 0 } }
                out.append(UInt8(ascii: "{"))
                for (i, entry) in entries.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")); if indent == 0 { out.append(32) } }
                    if indent > 0 { newline(depth + 1) }
                    writeString(entry.key)
                    out.append(UInt8(ascii: ":"))
                    out.append(32)
                    try write(entry.value, depth: depth + 1)
                }
                if indent > 0 { newline(depth) }
                out.append(UInt8(ascii: "}"))
            case .function, .native, .error, .object:
                throw JSON.error("encode", "cannot encode \(value.typeName)",
                                 hint: "JSON holds only nil, bools, numbers, strings, lists and maps")
            }
        }

        /// Writes a quoted string, copying runs that need no escaping in one go.
        mutating func writeString(_ s: String) {
            out.append(UInt8(ascii: "\""))
            TextSearch.withBytes(s) { bytes in
                var runStart = 0
                for (i, c) in bytes.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    runStart = i + 1
                    switch c {
                    case 0x22: append("\\\"")
                    case 0x5C: append("\\\\")
                    case 0x0A: append("\\n")
                    case 0x0D: append("\\r")
                    case 0x09: append("\\t")
                    case 0x08: append("\\b")
                    case 0x0C: append("\\f")
                    default:
                        let hex = Array("0123456789abcdef".utf8)
                        append("\\u00")
                        out.append(hex[Int(c >> 4)])
                        out.append(hex[Int(c & 15)])
                    }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// A map key as JSON object key text.
    static func keyString(_ key: Value) -> String {
        switch key {
        case .string(let s): return s.value
        case .bool(let b): return b ? "true" : "false"
        default: return key.description
        }
    }

    // MARK: - Decoding

    /// Parses JSON text. Never traps: every malformed input is a JSONError.
    public static func decode(_ text: String) throws -> Value { try decode(text, meter: nil) }

    /// Parses JSON text, charging each string, list and map to `meter` (when there is one) as
    /// it is made, so a document too big for the memory limit stops with a MemoryError.
    static func decode(_ text: String, meter: MemoryMeter?) throws -> Value {
        try TextSearch.withBytes(text) { bytes in
            var decoder = Decoder(bytes: bytes, meter: meter)
            decoder.skipWhitespace()
            let value = try decoder.parseValue(depth: 0)
            decoder.skipWhitespace()
            if decoder.i < bytes.count { throw decoder.fail("extra data after the JSON value") }
            return value
        }
    }

    struct Decoder {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        let meter: MemoryMeter?
        init(bytes: UnsafeBufferPointer<UInt8>, meter: MemoryMeter? = nil) {
            self.bytes = bytes
            self.meter = meter
        }

        /// A decoded string, charged under a memory limit.
        @inline(__always) func string(_ s: String) throws -> Value {
            guard let meter else { return .str(s) }
            return try meter.string(s, for: "json.decode()")
        }

        /// A decoded array, charged under a memory limit.
        @inline(__always) func list(_ items: [Value]) throws -> Value {
            guard let meter else { return .list(ListObject(items)) }
            return try meter.list(items, for: "json.decode()")
        }

        /// An error at the current position, or "unexpected end of input" when there is no more.
        func fail(_ expected: String) -> QuillError {
            let message = i >= bytes.count ? "unexpected end of input" : expected
            var line = 1, column = 1
            for k in 0..<min(i, bytes.count) {
                let c = bytes[k]
                if c == 10 { line += 1; column = 1 } else if c & 0xC0 != 0x80 { column += 1 }
            }
            return JSON.error("decode", "\(message) at line \(line), column \(column) (byte \(i))")
        }

        @inline(__always) mutating func skipWhitespace() {
            while i < bytes.count {
                let c = bytes[i]
                guard c == 32 || c == 10 || c == 13 || c == 9 else { return }
                i += 1
            }
        }

        mutating func parseValue(depth: Int) throws -> Value {
            guard i < bytes.count else { throw fail("expected a value") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return try string(parseString())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .nil)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail("expected a value")
            }
        }

        mutating func literal(_ word: StaticString, _ value: Value) throws -> Value {
            let n = word.utf8CodeUnitCount
            let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
            guard bytes.count - i >= n, UnsafeBufferPointer(rebasing: bytes[i..<i + n]).elementsEqual(w) else {
                throw fail("expected a value")
            }
            i += n
            return value
        }

        mutating func parseArray(depth: Int) throws -> Value {
            guard depth <= JSON.maxDepth else { throw fail("nesting deeper than \(JSON.maxDepth) levels") }
            i += 1
            var items: [Value] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return try list([]) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth))
                // The slots are charged when the list is made; check now and then before that.
                if let meter, items.count & 1023 == 0 {
                    try meter.check(MemoryMeter.listBytes(count: items.count), for: "json.decode()")
                }
                skipWhitespace()
                guard i < bytes.count else { throw fail("expected ',' or ']'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return try list(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func parseObject(depth: Int) throws -> Value {
            guard depth <= JSON.maxDepth else { throw fail("nesting deeper than \(JSON.maxDepth) levels") }
            i += 1
            let map: MapObject = meter.map { ChargedMapObject(meter: $0) } ?? MapObject()
            try meter?.grow(map, toCount: 0, for: "json.decode()")
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .map(map) }
            while true {
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key in double quotes")
                }
                let key = try parseString()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipWhitespace()
                try meter?.grow(map, for: "json.decode()")
                map[try string(key)] = try parseValue(depth: depth)
                skipWhitespace()
                guard i < bytes.count else { throw fail("expected ',' or '}'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .map(map) }
                throw fail("expected ',' or '}'")
            }
        }

        @inline(__always) func isDigit(_ k: Int) -> Bool {
            k < bytes.count && Ascii.isDigit(bytes[k])
        }

        mutating func parseNumber() throws -> Value {
            let start = i
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard isDigit(i) else { throw fail("invalid number: expected a digit") }
            if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while isDigit(i) { i += 1 } }
            var isInt = true
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                isInt = false
                i += 1
                guard isDigit(i) else { throw fail("invalid number: expected a digit after '.'") }
                while isDigit(i) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                isInt = false
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard isDigit(i) else { throw fail("invalid number: expected a digit in the exponent") }
                while isDigit(i) { i += 1 }
            }
            if isInt {
                let digitsStart = negative ? start + 1 : start
                if i - digitsStart <= 18 {
                    var n = 0
                    for k in digitsStart..<i { n = n * 10 + Int(bytes[k] &- 48) }
                    return .int(negative ? -n : n)
                }
            }
            let text = TextSearch.string(bytes, start..<i)
            if isInt, let n = Int(text) { return .int(n) }
            guard let d = Double(text) else { throw fail("invalid number") }
            return .float(d)
        }

        /// Parses a string starting at its opening quote; the fast path copies unescaped text in one go.
        mutating func parseString() throws -> String {
            i += 1
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    defer { i += 1 }
                    return TextSearch.string(bytes, start..<i)
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw fail("control character in string (escape it, e.g. \\n or \\u0001)") }
                i += 1
            }
            guard i < bytes.count else { throw fail("unterminated string") }
            var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<i]))
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: buffer, as: UTF8.self)
                }
                if c < 0x20 { throw fail("control character in string (escape it, e.g. \\n or \\u0001)") }
                if c != UInt8(ascii: "\\") { buffer.append(c); i += 1; continue }
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = i - 1
                    i += 1
                    var code = try hex4()
                    if code >= 0xD800 && code < 0xDC00 {
                        guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            i = escapeStart
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else {
                            i = escapeStart
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code < 0xE000 {
                        i = escapeStart
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    // Always a valid scalar here: surrogates were handled above.
                    UTF8.encode(Unicode.Scalar(code)!) { buffer.append($0) }
                    continue
                default:
                    i -= 1
                    throw fail("invalid escape in string")
                }
                i += 1
            }
            throw fail("unterminated string")
        }

        /// Reads four hex digits.
        mutating func hex4() throws -> UInt32 {
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard i < bytes.count, Ascii.isHexDigit(bytes[i]) else { throw fail("invalid \\u escape: expected 4 hex digits") }
                code = code << 4 | Ascii.hexValue(bytes[i])
                i += 1
            }
            return code
        }
    }
}
