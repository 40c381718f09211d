import Hummingbird
import NIOCore
import QuillEngine

/// Writes a server-sent-events response: `data: <json>` records for OpenAI's streams, and
/// `event: <type>` + `data: <json>` pairs for Anthropic's (whose SDK dispatches on the event
/// line). Every record is written — and so flushed to the client — as soon as it is made.
/// A write throws once the client has gone, which is how a stream learns to stop generating.
struct SSEWriter {
    private var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) {
        self.writer = writer
    }

    /// One `data:` record holding a JSON value, optionally preceded by an `event:` line.
    mutating func send(_ value: JSONValue, event: String? = nil) async throws {
        var record = ""
        if let event { record += "event: \(event)\n" }
        record += "data: \(value.serialized)\n\n"
        try await writer.write(ByteBuffer(string: record))
    }

    /// OpenAI's end-of-stream marker, `data: [DONE]`.
    mutating func sendDone() async throws {
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
    }

    /// Ends the response body.
    consuming func finish() async throws {
        try await writer.finish(nil)
    }

    /// The response for a stream whose records `body` writes; the body finishes the stream.
    static func response(_ body: @escaping @Sendable (inout SSEWriter) async throws -> Void) -> Response {
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sse = SSEWriter(writer)
            try await body(&sse)
            try await sse.finish()
        })
    }
}
