/// Number literals.
///
/// - Decimal integers with `_` separators: `1_000_000`.
/// - Hexadecimal `0xFF_FF`, binary `0b1010` and octal `0o17`.
/// - Floats: `1.5`, `1e10`, `2.5E-3`, `1_000.25`. A `.` makes a float only when a digit follows,
///   so `1..5` is int, `..`, int and `1.abs()` is a method call on an int.
///
/// The token text is the spelling without underscores (keeping any `0x`/`0b`/`0o` prefix); the
/// parser converts it and reports overflow. Malformed numbers become a single error token.
extension Lexer {
    mutating func lexNumber() {
        let start = pos
        let n = bytes.count

        // Prefixed integers.
        if bytes[pos] == Ascii.zero, pos + 1 < n {
            let radix: Int
            switch bytes[pos + 1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): radix = 16
            case UInt8(ascii: "b"), UInt8(ascii: "B"): radix = 2
            case UInt8(ascii: "o"), UInt8(ascii: "O"): radix = 8
            default: radix = 10
            }
            if radix != 10 {
                lexPrefixedInteger(radix: radix)
                return
            }
        }

        var isFloat = false
        skipDigits()
        if pos + 1 < n, bytes[pos] == Ascii.dot, Ascii.isDigit(bytes[pos + 1]) {
            isFloat = true
            pos += 1
            skipDigits()
        }
        if pos < n, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            var j = pos + 1
            if j < n, bytes[j] == Ascii.plus || bytes[j] == Ascii.minus { j += 1 }
            // Without exponent digits the `e` is left for the malformed-number check below.
            if j < n, Ascii.isDigit(bytes[j]) {
                isFloat = true
                pos = j
                skipDigits()
            }
        }

        var valid = true
        // Letters or digits glued to the number (`12abc`, `1e`, `3x`) make it malformed.
        if pos < n, Ascii.isIdentifierContinue(bytes[pos]) {
            valid = false
            while pos < n, Ascii.isIdentifierContinue(bytes[pos]) { pos += 1 }
        }
        // A separator must sit between digits: `1_` and `1_.5` are malformed.
        if valid {
            for i in start..<pos where bytes[i] == Ascii.underscore {
                if i + 1 >= pos || !(Ascii.isDigit(bytes[i + 1]) || bytes[i + 1] == Ascii.underscore) {
                    valid = false
                    break
                }
            }
        }
        finishNumber(from: start, kind: isFloat ? .float : .int, valid: valid)
    }

    /// `0x…`, `0b…`, `0o…`: the prefix is at `pos`.
    mutating func lexPrefixedInteger(radix: Int) {
        let start = pos
        let n = bytes.count
        pos += 2
        let digitsStart = pos
        while pos < n, Ascii.isIdentifierContinue(bytes[pos]) { pos += 1 }
        if digitsStart == pos {
            let prefix = String(decoding: bytes[start..<digitsStart], as: UTF8.self)
            emitError("expected digits after '\(prefix)'", from: start, to: pos)
            return
        }
        var valid = Self.digitValue(bytes[digitsStart], radix: radix) != nil
        if valid {
            for i in digitsStart..<pos {
                let b = bytes[i]
                if b == Ascii.underscore {
                    if i + 1 >= pos { valid = false; break }
                } else if Self.digitValue(b, radix: radix) == nil {
                    valid = false
                    break
                }
            }
        }
        finishNumber(from: start, kind: .int, valid: valid)
    }

    mutating func skipDigits() {
        let n = bytes.count
        while pos < n, Ascii.isDigit(bytes[pos]) || bytes[pos] == Ascii.underscore { pos += 1 }
    }

    /// Emits the number token (text without separators) or an "invalid number" error.
    mutating func finishNumber(from start: Int, kind: TokenKind, valid: Bool) {
        guard valid else {
            let spelling = String(decoding: bytes[start..<pos], as: UTF8.self)
            emitError("invalid number '\(spelling)'", from: start, to: pos)
            return
        }
        var text = ""
        text.reserveCapacity(pos - start)
        for i in start..<pos where bytes[i] != Ascii.underscore {
            text.unicodeScalars.append(Unicode.Scalar(bytes[i]))
        }
        emit(kind, from: start, to: pos, text: text)
    }

    static func digitValue(_ b: UInt8, radix: Int) -> Int? {
        guard Ascii.isHexDigit(b) else { return nil }
        let v = Int(Ascii.hexValue(b))
        return v < radix ? v : nil
    }
}
