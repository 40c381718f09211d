import QuillLLM
import XCTest

/// The text/event-stream parser: events come out whole however the bytes are split.
final class SSEParserTests: XCTestCase {
    /// Feeds `bytes` in the pieces `cuts` marks, then ends the stream.
    private func parse(_ bytes: [UInt8], cuts: [Int] = [], finish: Bool = true) -> [ServerSentEvent] {
        var parser = SSEParser()
        var events: [ServerSentEvent] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            events += parser.feed(bytes[start..<cut])
            start = cut
        }
        if finish { events += parser.finish() }
        return events
    }

    /// Anthropic's shape: `event:` lines, a keep-alive comment, a ping, multi-line data, UTF-8.
    private let stream = """
        : keep-alive

        event: message_start
        data: {"type":"message_start"}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"text":"héllo 😀 wörld"}

        data: first line
        data: second line
        data:

        id: 7
        data:no space after the colon
        data:  two spaces keep one

        retry: 1000
        event: nothing-but-a-name

        data: [DONE]


        """

    private let expected = [
        ServerSentEvent(event: "message_start", data: #"{"type":"message_start"}"#),
        ServerSentEvent(event: "ping", data: #"{"type": "ping"}"#),
        ServerSentEvent(event: "content_block_delta", data: #"{"text":"héllo 😀 wörld"}"#),
        ServerSentEvent(event: nil, data: "first line\nsecond line\n"),
        ServerSentEvent(event: nil, data: "no space after the colon\n two spaces keep one", id: "7"),
        // The last event ID stays until another `id:` line changes it (WHATWG).
        ServerSentEvent(event: nil, data: "[DONE]", id: "7"),
    ]

    func testWholeStream() {
        XCTAssertEqual(parse(Array(stream.utf8)), expected)
    }

    /// Every split into two pieces, inside lines, inside "\r\n" and inside UTF-8 sequences.
    func testSplitAtEveryBytePosition() {
        for lineEnd in ["\n", "\r\n", "\r"] {
            let bytes = Array(stream.replacingOccurrences(of: "\n", with: lineEnd).utf8)
            for cut in 0...bytes.count {
                XCTAssertEqual(parse(bytes, cuts: [cut]), expected, "line end \(lineEnd.debugDescription), cut at \(cut)")
            }
        }
    }

    func testOneByteAtATime() {
        let bytes = Array(stream.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        XCTAssertEqual(parse(bytes, cuts: Array(1..<bytes.count)), expected)
    }

    /// A "\r" that ends one chunk and a "\n" that starts the next are one line end, not two
    /// (two would end the event early).
    func testCRLFSplitAcrossChunks() {
        let bytes = Array("data: a\r\ndata: b\r\n\r\n".utf8)
        let cr = bytes.firstIndex(of: UInt8(ascii: "\r"))! + 1
        XCTAssertEqual(parse(bytes, cuts: [cr], finish: false), [ServerSentEvent(data: "a\nb")])
    }

    func testEventsWithoutDataAreNotDispatched() {
        XCTAssertEqual(parse(Array("event: ping\n\n: comment\n\nid: 3\n\n".utf8)), [])
    }

    func testEventsComeOutAsSoonAsTheirBlankLineArrives() {
        var parser = SSEParser()
        XCTAssertEqual(parser.feed(Array("data: one\n".utf8)), [])
        XCTAssertEqual(parser.feed(Array("\ndata: tw".utf8)), [ServerSentEvent(data: "one")])
        XCTAssertEqual(parser.feed(Array("o\n\n".utf8)), [ServerSentEvent(data: "two")])
        XCTAssertEqual(parser.finish(), [])
    }

    /// A stream cut after its last data line still yields that event from `finish()`.
    func testFinishDeliversAnUnterminatedEvent() {
        XCTAssertEqual(parse(Array("data: a\n\ndata: b".utf8)), [ServerSentEvent(data: "a"), ServerSentEvent(data: "b")])
        XCTAssertEqual(parse(Array("data: a\n\ndata: b\n".utf8)), [ServerSentEvent(data: "a"), ServerSentEvent(data: "b")])
    }

    /// A field name without a colon has an empty value; an empty `event:` means the default type.
    func testFieldWithoutColonAndEmptyEventName() {
        XCTAssertEqual(parse(Array("data\n\nevent:\ndata: x\n\n".utf8)),
                       [ServerSentEvent(data: ""), ServerSentEvent(event: nil, data: "x")])
    }

    /// OpenAI's shape: only `data:` lines, ending with [DONE].
    func testOpenAIStream() {
        let text = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n"
        XCTAssertEqual(parse(Array(text.utf8)).map(\.data), [#"{"choices":[{"delta":{"content":"Hi"}}]}"#, "[DONE]"])
    }
}
