/// A token of the code before the cursor, as completion sees it.
///
/// Coarser than the language's own tokens: completion only needs names, literals and the
/// brackets, dots, commas and colons that give them structure. Offsets are UTF-8 bytes in the line.
struct CompletionToken: Equatable {
    enum Kind: Equatable {
        /// An identifier or keyword.
        case word
        case number
        /// A complete string literal.
        case string
        /// `(` `)` `[` `]` `{` `}` `,` `:` `.` `..` `..<` `=>` or any other single byte of punctuation.
        case punct
    }

    var kind: Kind
    var start: Int
    var end: Int
    /// The spelling, or for a string its content with simple escapes processed.
    var text: String
    /// For strings: no interpolation and no escape this scanner does not cook, so `text` is the value.
    var isPlain = true

    func isPunct(_ spelling: String) -> Bool { kind == .punct && text == spelling }
}

/// Where the cursor is once the text before it has been scanned.
enum CursorPlace: Equatable {
    /// In code; the tokens are those of the innermost code around the cursor.
    case code
    /// Inside a string literal that is still open.
    case string(OpenString)
    /// In a comment or a multi-line string literal, where nothing is offered.
    case elsewhere
}

/// A string literal open at the cursor.
struct OpenString: Equatable {
    /// Offset of the opening quote.
    var quote: Int
    /// Offset where the text after the last interpolation starts (right after the quote when there is none).
    var segmentStart: Int
    /// The text from `segmentStart` to the cursor, with simple escapes processed.
    var text: String
    /// No interpolation and no uncooked escape: `text` is everything the literal holds so far.
    var isPlain: Bool
}

/// The result of scanning a line up to the cursor.
struct ScannedLine {
    /// The tokens of the innermost code context: the whole line, or the `\( )` of a string
    /// interpolation the cursor is in. When the cursor is in a string, the code the string is part of.
    var tokens: [CompletionToken]
    var place: CursorPlace
}

/// Splits the text before the cursor into tokens, following strings and their interpolations
/// so that completion works inside `"\(user.na`.
///
/// Unlike the language's lexer, it never reports errors and keeps an unterminated string's
/// text, which is exactly what completion needs at the end of a half-typed line.
struct LineScanner {
    private let bytes: [UInt8]
    private var pos = 0

    /// A code context (the line, or an interpolation) or a string literal being read.
    private enum Context {
        /// `depth` counts the parentheses open in this context, so the `)` that ends an
        /// interpolation is told apart from one that closes a call inside it.
        case code(depth: Int)
        case string
    }
    private var stack: [Context] = [.code(depth: 0)]
    /// The tokens of each code context on `stack`, in the same order (kept apart so that
    /// appending does not copy them).
    private var frames: [[CompletionToken]] = [[]]
    /// The string literals on `stack`, likewise.
    private var strings: [OpenString] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Scans all the bytes given (the line up to the cursor).
    static func scan(_ bytes: [UInt8]) -> ScannedLine {
        var scanner = LineScanner(bytes)
        return scanner.run()
    }

    private mutating func run() -> ScannedLine {
        while pos < bytes.count {
            if case .string = stack[stack.count - 1] {
                scanStringByte()
                continue
            }
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                pos += 1
            case UInt8(ascii: "#"):
                return finish(.elsewhere)
            case UInt8(ascii: "\""):
                if pos + 2 < bytes.count, bytes[pos + 1] == b, bytes[pos + 2] == b { return finish(.elsewhere) }
                stack.append(.string)
                strings.append(OpenString(quote: pos, segmentStart: pos + 1, text: "", isPlain: true))
                pos += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                scanNumber()
            default:
                if Self.isWordByte(b) { scanWord() } else { scanPunctuation() }
            }
        }
        if case .string = stack[stack.count - 1], let open = strings.last {
            return finish(.string(open))
        }
        return finish(.code)
    }

    private func finish(_ place: CursorPlace) -> ScannedLine {
        ScannedLine(tokens: frames.last ?? [], place: place)
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    // MARK: - Code

    private mutating func emit(_ kind: CompletionToken.Kind, from start: Int, text: String, isPlain: Bool = true) {
        frames[frames.count - 1].append(CompletionToken(kind: kind, start: start, end: pos, text: text, isPlain: isPlain))
    }

    private mutating func scanWord() {
        let start = pos
        while pos < bytes.count, Self.isWordByte(bytes[pos]) { pos += 1 }
        emit(.word, from: start, text: String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    /// Digits, letters and `_` (hex, exponents, separators), and a fraction only when a digit
    /// follows the dot, so `1..5` and `1.` stay a number then punctuation.
    private mutating func scanNumber() {
        let start = pos
        while pos < bytes.count {
            if Self.isWordByte(bytes[pos]) {
                pos += 1
            } else if bytes[pos] == UInt8(ascii: "."), pos + 1 < bytes.count,
                      bytes[pos + 1] >= UInt8(ascii: "0"), bytes[pos + 1] <= UInt8(ascii: "9") {
                pos += 1
            } else {
                break
            }
        }
        emit(.number, from: start, text: String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    private mutating func scanPunctuation() {
        let start = pos
        let rest = bytes[pos...]
        for spelling in ["..<", "..", "=>"] where rest.starts(with: spelling.utf8) {
            pos += spelling.utf8.count
            emit(.punct, from: start, text: spelling)
            return
        }
        let b = bytes[pos]
        pos += 1
        // Non-ASCII bytes outside strings are not Quill; keep each scalar as one token.
        while b >= 0xC0, pos < bytes.count, bytes[pos] & 0xC0 == 0x80 { pos += 1 }
        if b == UInt8(ascii: ")"), case .code(let depth) = stack[stack.count - 1] {
            if depth == 0, stack.count > 1 {
                // The `)` of an interpolation: back to the string around it.
                stack.removeLast()
                frames.removeLast()
                strings[strings.count - 1].segmentStart = pos
                strings[strings.count - 1].text = ""
                return
            }
            stack[stack.count - 1] = .code(depth: max(depth - 1, 0))
        } else if b == UInt8(ascii: "("), case .code(let depth) = stack[stack.count - 1] {
            stack[stack.count - 1] = .code(depth: depth + 1)
        }
        emit(.punct, from: start, text: String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    // MARK: - Strings

    private mutating func scanStringByte() {
        let last = strings.count - 1
        let b = bytes[pos]
        if b == UInt8(ascii: "\"") {
            pos += 1
            stack.removeLast()
            let open = strings.removeLast()
            emit(.string, from: open.quote, text: open.text, isPlain: open.isPlain)
            return
        }
        if b == UInt8(ascii: "\\") {
            guard pos + 1 < bytes.count else {
                // A backslash just before the cursor: the escape is not written yet.
                pos += 1
                strings[last].isPlain = false
                return
            }
            let next = bytes[pos + 1]
            pos += 2
            switch next {
            case UInt8(ascii: "("):
                strings[last].isPlain = false
                stack.append(.code(depth: 0))
                frames.append([])
            case UInt8(ascii: "n"): strings[last].text += "\n"
            case UInt8(ascii: "t"): strings[last].text += "\t"
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"):
                strings[last].text.unicodeScalars.append(Unicode.Scalar(next))
            default: strings[last].isPlain = false
            }
            return
        }
        // Copy a run of ordinary bytes at once; a run never splits a UTF-8 sequence because
        // quotes and backslashes are ASCII.
        let start = pos
        while pos < bytes.count, bytes[pos] != UInt8(ascii: "\""), bytes[pos] != UInt8(ascii: "\\") { pos += 1 }
        strings[last].text += String(decoding: bytes[start..<pos], as: UTF8.self)
    }
}
