import Foundation
import QuillEngine

/// One provider's wire format: how an `LLMRequest` becomes an HTTP request and how the
/// replies, whole or streamed, become text, a finish reason and usage. `HostedLanguageModel`
/// does the rest (sending, retries, rate limits, timing) the same way for every provider.
protocol ProviderWire: Sendable {
    /// The HTTP request for `request`; `stream` asks for a streamed reply.
    func httpRequest(_ request: LLMRequest, endpoint: ProviderEndpoint, stream: Bool) throws -> HTTPRequest
    /// Reads a complete reply body.
    func decodeReply(_ body: Data) throws -> WireReply
    /// A fresh decoder for a streamed reply body.
    func streamDecoder() -> any WireStreamDecoder
}

/// A complete reply, provider-neutral.
struct WireReply {
    var text = ""
    /// Normalized: `stop`, `stop_string`, `length`, or the provider's own word.
    var finishReason = "stop"
    var usage: LLMUsage?
    var tokens: [LLMToken] = []
}

/// What a streamed reply's chunks carry.
enum WireStreamEvent: Equatable {
    /// Text and the tokens behind it (when the provider reports log-probabilities).
    case text(String, [LLMToken])
    case finish(String)
    case usage(LLMUsage)
}

/// Turns a streamed body into events as chunks arrive (split anywhere). Throws
/// `LLMError.provider` for an error sent inside the stream or a chunk that is not valid.
protocol WireStreamDecoder {
    mutating func feed(_ chunk: Data) throws -> [WireStreamEvent]
    /// The body ended; throws when it ended before the provider's end marker (a cut stream).
    mutating func finish() throws -> [WireStreamEvent]
}

/// Helpers every wire format uses.
enum Wire {
    /// A JSON body, with the content type every provider expects.
    static func request(_ url: URL, body: JSONValue, headers: [(name: String, value: String)]) -> HTTPRequest {
        HTTPRequest(method: "POST", url: url,
                    headers: [("content-type", "application/json"), ("accept", "application/json")] + headers,
                    body: Data(body.serialized.utf8))
    }

    /// Parses a reply body or a stream chunk's data as JSON.
    static func json(_ text: String, what: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            let shown = text.count > 200 ? String(text.prefix(200)) + "…" : text
            throw WireError.malformed("\(what) is not valid JSON (\(error)): \(shown)")
        }
    }

    static func json(_ data: Data, what: String) throws -> JSONValue {
        try json(String(decoding: data, as: UTF8.self), what: what)
    }

    /// An object's members without the nil ones.
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key, $0) } })
    }

    static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let i)?: return i
        case .double(let d)? where d.isFinite && d == d.rounded(): return Int(d)
        default: return nil
        }
    }

    /// A body's text for an error message, shortened.
    static func text(_ body: Data) -> String {
        let s = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? "(empty body)" : s
    }
}

/// A reply the wire format could not read; `HostedLanguageModel` names the model.
enum WireError: Error {
    case malformed(String)
    /// An error the provider sent inside a stream that had started well.
    case streamError(String)
    /// The stream ended without the provider's end marker.
    case truncated(String)
}
