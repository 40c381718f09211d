extension JSONValue {
    /// Parses exactly one JSON text (RFC 8259: no comments, no trailing commas, no leading
    /// zeros, no raw control characters in strings, whitespace only around tokens).
    ///
    /// Numbers without fraction or exponent that fit in `Int` become `.int`, others `.double`.
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(Array(text.utf8))
        return try parser.parseDocument()
    }
}

/// Text given to `JSONValue.parse` that is not one JSON text: where, and what was expected.
public struct JSONParseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Byte offset in the UTF-8 text.
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "JSON error at byte \(offset): \(message)" }
}

/// A strict recursive-descent JSON reader over UTF-8 bytes.
struct JSONParser {
    /// Deeper nesting is refused rather than risking the thread's stack.
    static let maxDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw failure("expected the end of the text after the value, found \(found)") }
        return value
    }

    private mutating func parseValue() throws -> JSONValue {
        guard index < bytes.count else { throw failure("expected a value, found the end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try nested { try $0.parseObject() }
        case UInt8(ascii: "["): return try nested { try $0.parseArray() }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("expected a value (object, array, string, number, true, false or null), found \(found)")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws -> JSONValue) throws -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        return try body(&self)
    }

    private mutating func parseObject() throws -> JSONValue {
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name in double quotes, found \(found)") }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw failure("expected ':' after the member name, found \(found)") }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw failure("expected ',' or '}' after an object member, found \(found)")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw failure("expected ',' or ']' after an array element, found \(found)")
            }
        }
    }

    private mutating func parseString() throws -> String {
        let open = index
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw JSONParseError(offset: open, "unterminated string; expected a closing '\"'")
            }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0..<0x20:
                throw failure("control character U+\(hexByte(b)) in a string; write it escaped (\\n, \\t, \\u00XX)")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws {
        let start = index
        index += 1
        guard index < bytes.count else { throw failure("expected an escape after '\\', found the end of the text") }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e); return
        case UInt8(ascii: "b"): out.append(0x08); return
        case UInt8(ascii: "f"): out.append(0x0C); return
        case UInt8(ascii: "n"): out.append(0x0A); return
        case UInt8(ascii: "r"): out.append(0x0D); return
        case UInt8(ascii: "t"): out.append(0x09); return
        default: break
        }
        guard e == UInt8(ascii: "u") else {
            throw JSONParseError(offset: start, "invalid escape '\\\(Character(UnicodeScalar(e)))'; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
        var scalar = try hex4(escapeAt: start)
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(offset: start, "unpaired surrogate \\u\(String(scalar, radix: 16)); expected a \\uDC00-\\uDFFF escape after it")
            }
            index += 2
            let low = try hex4(escapeAt: index - 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONParseError(offset: index - 6, "expected a low surrogate \\uDC00-\\uDFFF, found \\u\(String(low, radix: 16))")
            }
            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw JSONParseError(offset: start, "unpaired low surrogate \\u\(String(scalar, radix: 16))")
        }
        out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
    }

    private mutating func hex4(escapeAt: Int) throws -> UInt32 {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
              bytes[index..<index + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else {
            throw JSONParseError(offset: escapeAt, "expected four hexadecimal digits after '\\u'")
        }
        index += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw failure("expected a digit after '-', found \(found)") }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek, isDigit(next) {
            throw failure("a number may not have a leading zero")
        }
        skipDigits()
        var integral = true
        if peek == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let d = peek, isDigit(d) else { throw failure("expected a digit after the decimal point, found \(found)") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let d = peek, isDigit(d) else { throw failure("expected a digit in the exponent, found \(found)") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let i = Int(text) { return .int(i) }
        guard let d = Double(text) else { throw JSONParseError(offset: start, "number '\(text)' is out of range") }
        return .double(d)
    }

    private mutating func literal(_ word: StaticString) throws {
        let expected = word.withUTF8Buffer { Array($0) }
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw failure("expected '\(word)', found \(found)")
        }
        index += expected.count
    }

    private mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    private mutating func skipDigits() { while let b = peek, isDigit(b) { index += 1 } }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The byte at the current position, for messages.
    private var found: String {
        guard let b = peek else { return "the end of the text" }
        return b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(hexByte(b))"
    }

    private func failure(_ message: String) -> JSONParseError { JSONParseError(offset: index, message) }
}

/// Two uppercase hexadecimal digits.
private func hexByte(_ byte: UInt8) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return hex.count == 1 ? "0" + hex : hex
}
