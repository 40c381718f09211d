/// Splits a newline-delimited JSON stream (Ollama's) into lines as chunks arrive, split
/// anywhere; blank lines are skipped and a last line without its newline is kept.
public struct NDJSONParser: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Feeds the next chunk; returns the complete lines it ended (without their newlines).
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                flush(into: &lines)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    /// Ends the stream, returning a last unterminated line if there is one.
    public mutating func finish() -> [String] {
        var lines: [String] = []
        flush(into: &lines)
        return lines
    }

    private mutating func flush(into lines: inout [String]) {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        if pending.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) {
            lines.append(String(decoding: pending, as: UTF8.self))
        }
        pending.removeAll(keepingCapacity: true)
    }
}
