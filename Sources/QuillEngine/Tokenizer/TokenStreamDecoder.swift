/// Turns a stream of tokens into text pieces that never split a UTF-8 character: bytes of an
/// incomplete character are held until the token that completes it arrives.
public struct TokenStreamDecoder: Sendable {
    private let tokenizer: Tokenizer
    private var pending: [UInt8] = []
    public var renderSpecial: Bool

    public init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// The text that became complete with this token (possibly empty).
    public mutating func append(_ token: Int) -> String {
        pending.append(contentsOf: tokenizer.bytes(of: token, renderSpecial: renderSpecial))
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[0..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held, repaired if it is not valid UTF-8 (end of stream).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var back = 0
        // Walk back over at most three continuation bytes to the lead byte of the last character.
        while i >= 0, back < 4, bytes[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return bytes.count > 3 ? bytes.count : 0 }
        let lead = bytes[i]
        let needed = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
        return back + 1 >= needed ? bytes.count : i
    }
}
