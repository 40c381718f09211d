/// Byte constants and classification, so the lexer can work on UTF-8 bytes.
enum Ascii {
    static let newline = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let tab = UInt8(ascii: "\t")
    static let space = UInt8(ascii: " ")
    static let hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let underscore = UInt8(ascii: "_")
    static let lparen = UInt8(ascii: "(")
    static let rparen = UInt8(ascii: ")")
    static let lbrace = UInt8(ascii: "{")
    static let rbrace = UInt8(ascii: "}")
    static let lbracket = UInt8(ascii: "[")
    static let rbracket = UInt8(ascii: "]")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let semicolon = UInt8(ascii: ";")
    static let dot = UInt8(ascii: ".")
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let star = UInt8(ascii: "*")
    static let slash = UInt8(ascii: "/")
    static let percent = UInt8(ascii: "%")
    static let equal = UInt8(ascii: "=")
    static let bang = UInt8(ascii: "!")
    static let less = UInt8(ascii: "<")
    static let greater = UInt8(ascii: ">")
    static let question = UInt8(ascii: "?")
    static let ampersand = UInt8(ascii: "&")
    static let bar = UInt8(ascii: "|")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    @inline(__always) static func isIdentifierStart(_ b: UInt8) -> Bool { isLetter(b) || b == underscore }

    @inline(__always) static func isIdentifierContinue(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) || b == underscore }

    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
    }

    static func hexValue(_ b: UInt8) -> UInt32 {
        if isDigit(b) { return UInt32(b - zero) }
        if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f") { return UInt32(b - UInt8(ascii: "a") + 10) }
        if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F") { return UInt32(b - UInt8(ascii: "A") + 10) }
        return 0
    }

    /// Spaces, tabs and the like, but not `\n`.
    @inline(__always) static func isHorizontalSpace(_ b: UInt8) -> Bool {
        b == space || b == tab || b == cr || b == 0x0B || b == 0x0C
    }

    /// UTF-8 continuation bytes do not start a column.
    @inline(__always) static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }

    static func scalarLength(leadByte b: UInt8) -> Int {
        switch b {
        case 0xF0...0xF7: return 4
        case 0xE0...0xEF: return 3
        case 0xC0...0xDF: return 2
        default: return 1
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
