/// String literals: escapes, interpolation, and Swift-style multi-line strings.
///
/// A literal is lexed in segments. A segment ends at `\(` (emitting `.interpolation`), or at
/// the closing quote(s) (emitting `.string`). After `\(` the main loop lexes the expression;
/// the `)` that closes the interpolation calls `continueString` to lex the next segment.
///
/// Single-line segments are cooked (escapes processed) while scanning. Multi-line segments
/// cannot be: the indentation to strip is only known at the closing `"""`. So their tokens are
/// emitted with empty text, their raw byte ranges are remembered, and all of them are cooked
/// when the literal closes.
extension Lexer {
    /// A string literal being lexed.
    struct StringState {
        var multiline: Bool
        /// Offset of the opening quote(s).
        var openOffset: Int
        /// `brackets.count` when the literal started; closing it on error truncates back to this.
        var bracketDepth: Int
        /// Multi-line only: the literal segments so far.
        var segments: [Segment] = []
        /// Multi-line only: the opening `"""` was not followed by a newline (already reported).
        var badOpening = false
        /// Multi-line only: only literal whitespace since the start of the current source line,
        /// so a `"""` here is the closing delimiter.
        var lineIsBlankSoFar = false
        /// Multi-line only: where the current source line starts.
        var currentLineStart = 0
    }

    /// A literal segment of a multi-line string, cooked when the literal closes.
    struct Segment {
        var tokenIndex: Int
        var rawStart: Int
        var rawEnd: Int
        /// The segment starts at the beginning of a source line (so indentation is stripped
        /// there); false for a segment that follows an interpolation or a bad opening.
        var atLineStart: Bool
    }

    /// At a `"`: starts a single-line or multi-line literal.
    mutating func lexStringStart() {
        let start = pos
        if peekByte(1) == Ascii.quote && peekByte(2) == Ascii.quote {
            lexMultilineStart()
            return
        }
        strings.append(StringState(multiline: false, openOffset: start, bracketDepth: brackets.count))
        pos += 1
        scanSingleLine(segmentStart: start)
    }

    /// After the `)` that ended an interpolation: lexes the next segment of `strings.last`.
    mutating func continueString(segmentStart: Int) {
        guard let top = strings.last else { return }
        if top.multiline {
            strings[strings.count - 1].lineIsBlankSoFar = false
            scanMultiline(segmentStart: segmentStart, rawStart: pos, atLineStart: false)
        } else {
            scanSingleLine(segmentStart: segmentStart)
        }
    }

    // MARK: - Single-line strings

    /// Scans a single-line segment from `pos` and emits its token. At a newline or end of file
    /// it stops with the literal still open; the main loop then reports it as unterminated.
    mutating func scanSingleLine(segmentStart: Int) {
        var cooked: [UInt8] = []
        let n = bytes.count
        while pos < n {
            let b = bytes[pos]
            if b == Ascii.quote {
                pos += 1
                emit(.string, from: segmentStart, to: pos, text: String(decoding: cooked, as: UTF8.self))
                strings.removeLast()
                return
            }
            if b == Ascii.newline { return }
            if b == Ascii.backslash {
                if peekByte(1) == Ascii.lparen {
                    pos += 2
                    emit(.interpolation, from: segmentStart, to: pos, text: String(decoding: cooked, as: UTF8.self))
                    brackets.append(.interpolation)
                    return
                }
                pos = cookEscape(at: pos, into: &cooked, report: true)
                continue
            }
            cooked.append(b)
            pos += 1
        }
    }

    // MARK: - Escapes

    /// Processes the escape sequence whose backslash is at `i`, appending its value to `out`.
    /// Reports invalid escapes as error tokens when `report` is set. Returns the offset after
    /// the escape. A backslash before a newline or at end of file is left for the caller.
    mutating func cookEscape(at i: Int, into out: inout [UInt8], report: Bool) -> Int {
        let n = bytes.count
        guard i + 1 < n else { return i + 1 }
        let c = bytes[i + 1]
        switch c {
        case UInt8(ascii: "n"): out.append(Ascii.newline)
        case UInt8(ascii: "t"): out.append(Ascii.tab)
        case UInt8(ascii: "r"): out.append(Ascii.cr)
        case UInt8(ascii: "0"): out.append(0)
        case Ascii.backslash, Ascii.quote, Ascii.apostrophe: out.append(c)
        case Ascii.newline, Ascii.cr:
            return i + 1
        case UInt8(ascii: "u"):
            return cookUnicodeEscape(at: i, into: &out, report: report)
        default:
            let (text, length) = scalar(at: i + 1)
            if report { emitError("invalid escape sequence '\\\(text)'", from: i, to: i + 1 + length) }
            return i + 1 + max(1, length)
        }
        return i + 2
    }

    /// `\u{1F600}`: one to eight hex digits naming a valid Unicode scalar.
    mutating func cookUnicodeEscape(at i: Int, into out: inout [UInt8], report: Bool) -> Int {
        let n = bytes.count
        var j = i + 2
        guard j < n, bytes[j] == Ascii.lbrace else {
            if report { emitError("expected '{' after '\\u' in escape sequence; write \\u{XXXX}", from: i, to: j) }
            return j
        }
        j += 1
        let digitsStart = j
        var value: UInt32 = 0
        while j < n, Ascii.isHexDigit(bytes[j]), j - digitsStart < 9 {
            value = value &* 16 &+ Ascii.hexValue(bytes[j])
            j += 1
        }
        let count = j - digitsStart
        guard count >= 1, count <= 8, j < n, bytes[j] == Ascii.rbrace else {
            if report { emitError("invalid unicode escape sequence; expected 1 to 8 hex digits in \\u{...}", from: i, to: j) }
            // Skip to the closing brace on this line, if any, so lexing resumes sensibly.
            var k = j
            while k < n, bytes[k] != Ascii.rbrace, bytes[k] != Ascii.quote, bytes[k] != Ascii.newline { k += 1 }
            return k < n && bytes[k] == Ascii.rbrace ? k + 1 : k
        }
        j += 1
        guard let scalar = Unicode.Scalar(value) else {
            if report {
                emitError("invalid unicode scalar U+\(String(value, radix: 16, uppercase: true)) in escape sequence", from: i, to: j)
            }
            return j
        }
        Unicode.UTF8.encode(scalar) { out.append($0) }
        return j
    }

    // MARK: - Multi-line strings

    /// At `"""`: the rest of the line must be blank; content starts on the next line.
    mutating func lexMultilineStart() {
        let start = pos
        let n = bytes.count
        pos += 3
        var state = StringState(multiline: true, openOffset: start, bracketDepth: brackets.count)
        var j = pos
        while j < n, Ascii.isHorizontalSpace(bytes[j]) { j += 1 }
        if j < n, bytes[j] == Ascii.newline {
            noteNewline(at: j)
            pos = j + 1
            state.lineIsBlankSoFar = true
            state.currentLineStart = pos
            strings.append(state)
            scanMultiline(segmentStart: start, rawStart: pos, atLineStart: true)
        } else {
            emitError("multi-line string content must begin on a new line", from: start, to: start + 3)
            // Recover by treating the rest of the line as content (and accepting a closing
            // delimiter anywhere) rather than reporting more errors for the same mistake.
            state.badOpening = true
            state.currentLineStart = lineStart
            strings.append(state)
            scanMultiline(segmentStart: start, rawStart: pos, atLineStart: false)
        }
    }

    /// Scans a multi-line segment starting at `pos` (raw content from `rawStart`). Emits an
    /// `.interpolation` placeholder at `\(`, or the final `.string` and cooks every segment at
    /// the closing `"""`. At end of file it returns with the literal open (reported by `finish`).
    mutating func scanMultiline(segmentStart: Int, rawStart: Int, atLineStart: Bool) {
        let top = strings.count - 1
        let n = bytes.count
        while pos < n {
            let b = bytes[pos]
            switch b {
            case Ascii.newline:
                noteNewline(at: pos)
                pos += 1
                strings[top].lineIsBlankSoFar = true
                strings[top].currentLineStart = pos
            case Ascii.space, Ascii.tab, Ascii.cr:
                pos += 1
            case Ascii.quote where peekByte(1) == Ascii.quote && peekByte(2) == Ascii.quote:
                closeMultiline(segmentStart: segmentStart, rawStart: rawStart, atLineStart: atLineStart)
                return
            case Ascii.backslash:
                if peekByte(1) == Ascii.lparen {
                    strings[top].segments.append(Segment(tokenIndex: tokens.count, rawStart: rawStart, rawEnd: pos, atLineStart: atLineStart))
                    pos += 2
                    emit(.interpolation, from: segmentStart, to: pos, text: "")
                    brackets.append(.interpolation)
                    return
                }
                strings[top].lineIsBlankSoFar = false
                // `\` at the end of a line joins it with the next; cooking drops both.
                var j = pos + 1
                while j < n, Ascii.isHorizontalSpace(bytes[j]) { j += 1 }
                if j < n, bytes[j] == Ascii.newline {
                    pos = j
                    continue
                }
                // Validate now so the error points at the escape; cooking repeats it silently.
                var scratch: [UInt8] = []
                pos = cookEscape(at: pos, into: &scratch, report: true)
            default:
                strings[top].lineIsBlankSoFar = false
                pos += 1
            }
        }
    }

    /// At the closing `"""` (at `pos`): emits the final segment and cooks all segments.
    mutating func closeMultiline(segmentStart: Int, rawStart: Int, atLineStart: Bool) {
        let top = strings.count - 1
        let state = strings[top]
        let onOwnLine = state.lineIsBlankSoFar
        if !onOwnLine && !state.badOpening {
            emitError("multi-line string literal closing delimiter must begin on a new line", from: pos, to: pos + 3)
        }
        // The closing line's indentation is stripped from every line. Without a proper
        // closing line nothing is stripped (and nothing more is reported).
        var indent = 0..<0
        var rawEnd = pos
        if onOwnLine {
            indent = state.currentLineStart..<pos
            // The newline before the closing line is not part of the value.
            var end = state.currentLineStart - 1
            if end - 1 >= rawStart, bytes[end - 1] == Ascii.cr { end -= 1 }
            rawEnd = max(rawStart, end)
        }
        strings[top].segments.append(Segment(tokenIndex: tokens.count, rawStart: rawStart, rawEnd: rawEnd, atLineStart: atLineStart))
        pos += 3
        emit(.string, from: segmentStart, to: pos, text: "")

        let segments = strings[top].segments
        strings.removeLast()
        for (i, segment) in segments.enumerated() {
            let text = cookMultiline(segment, isLast: i == segments.count - 1, indent: indent)
            if segment.tokenIndex < tokens.count { tokens[segment.tokenIndex].text = text }
        }
    }

    /// Cooks one multi-line segment: strips the closing indentation at each line start,
    /// empties whitespace-only lines, joins `\`-continued lines and processes escapes.
    /// Lines lacking the indentation are reported (escape errors were reported while scanning).
    mutating func cookMultiline(_ segment: Segment, isLast: Bool, indent: Range<Int>) -> String {
        var out: [UInt8] = []
        var i = segment.rawStart
        let end = min(segment.rawEnd, bytes.count)
        var atLineStart = segment.atLineStart
        while i < end {
            if atLineStart {
                atLineStart = false
                var lineEnd = i
                while lineEnd < end, bytes[lineEnd] != Ascii.newline { lineEnd += 1 }
                if hasIndent(at: i, lineEnd: lineEnd, indent: indent) {
                    i += indent.count
                } else {
                    var blank = true
                    for k in i..<lineEnd where !Ascii.isHorizontalSpace(bytes[k]) { blank = false; break }
                    // A line cut short by an interpolation is not blank.
                    if blank && (lineEnd < end || isLast) {
                        i = lineEnd
                        continue
                    }
                    emitError("insufficient indentation of line in multi-line string", from: i, to: i + 1)
                }
                continue
            }
            let b = bytes[i]
            if b == Ascii.newline {
                out.append(b)
                i += 1
                atLineStart = true
            } else if b == Ascii.cr && i + 1 < end && bytes[i + 1] == Ascii.newline {
                i += 1
            } else if b == Ascii.backslash {
                var j = i + 1
                while j < end, Ascii.isHorizontalSpace(bytes[j]) { j += 1 }
                if j < end, bytes[j] == Ascii.newline {
                    i = j + 1
                    atLineStart = true
                } else if j >= end {
                    // A continuation just before the closing line joins with nothing.
                    i = end
                } else {
                    i = cookEscape(at: i, into: &out, report: false)
                }
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True if the line starting at `i` begins with exactly the bytes of `indent`.
    func hasIndent(at i: Int, lineEnd: Int, indent: Range<Int>) -> Bool {
        guard lineEnd - i >= indent.count else { return false }
        var k = 0
        for b in indent {
            if bytes[i + k] != bytes[b] { return false }
            k += 1
        }
        return true
    }
}
