/// Reads a text/event-stream incrementally: bytes arrive in chunks split anywhere (inside a
/// line, inside a UTF-8 sequence, between "\r" and "\n"), events come out whole.
///
/// Follows the WHATWG rules that matter for LLM streams: lines end in "\n", "\r\n" or "\r";
/// a blank line dispatches the event; lines starting with ":" are comments (keep-alives);
/// several `data:` lines join with "\n"; one space after the colon is dropped; an event with
/// no data is not dispatched.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var event: String?
    private var data: [String] = []
    private var hasData = false
    private var id: String?

    public init() {}

    /// Feeds the next chunk; returns the events it completed.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            case UInt8(ascii: "\r"):
                lastWasCR = true
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: a last event without its blank line is still delivered.
    public mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        endLine(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData { events.append(ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)) }
            event = nil
            data.removeAll()
            hasData = false
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let field: String, value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var start = line.index(after: colon)
            if start < line.endIndex, line[start] == UInt8(ascii: " ") { start += 1 }
            value = String(decoding: line[start...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": event = value.isEmpty ? nil : value  // an empty type means the default, "message"
        case "data":
            data.append(value)
            hasData = true
        case "id": id = value
        default: break  // "retry" and unknown fields are ignored
        }
    }
}
