import Foundation
import QuillEngine

/// Ollama's native API: `/api/chat` for messages, `/api/generate` (raw) for text; streamed
/// replies are newline-delimited JSON whose last line (`done: true`) carries the counts.
struct OllamaWire: ProviderWire {
    func httpRequest(_ request: LLMRequest, endpoint: ProviderEndpoint, stream: Bool) throws -> HTTPRequest {
        let p = request.parameters
        let options = Wire.object([
            ("temperature", p.temperature.map { .double($0) }), ("top_p", p.topP.map { .double($0) }),
            ("top_k", p.topK.map { .int($0) }), ("min_p", p.minP.map { .double($0) }),
            ("num_predict", p.maxTokens.map { .int($0) }), ("seed", p.seed.map { .int($0) }),
            ("stop", p.stop.map { .array($0.map { .string($0) }) }),
            ("repeat_penalty", p.repetitionPenalty.map { .double($0) }),
            ("presence_penalty", p.presencePenalty.map { .double($0) }),
            ("frequency_penalty", p.frequencyPenalty.map { .double($0) }),
        ])
        var members: [(String, JSONValue?)] = [("model", .string(endpoint.model))]
        let path: String
        switch request.input {
        case .messages(let messages):
            path = "api/chat"
            members.append(("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })))
        case .text(let text):
            path = "api/generate"
            members += [("prompt", .string(text)), ("raw", .bool(true))]
        }
        // Ollama takes a JSON schema as `format` and constrains its output to it.
        if case .jsonSchema(let schema)? = request.constraint { members.append(("format", schema)) }
        members += [("options", options), ("stream", .bool(stream))]
        return Wire.request(endpoint.url(path), body: Wire.object(members), headers: [])
    }

    func decodeReply(_ body: Data) throws -> WireReply {
        var reply = WireReply()
        try Self.apply(Wire.json(body, what: "the reply"), to: &reply)
        return reply
    }

    func streamDecoder() -> any WireStreamDecoder { StreamDecoder() }

    /// Adds one reply object (whole, or one line of a stream) to `reply`.
    static func apply(_ json: JSONValue, to reply: inout WireReply) throws {
        if json["error"] != nil, let error = ProviderErrorBody(json) { throw WireError.streamError(error.summary) }
        reply.text += json["message"]?["content"]?.stringValue ?? json["response"]?.stringValue ?? ""
        if json["done"] == .bool(true) {
            reply.finishReason = json["done_reason"]?.stringValue ?? "stop"
            reply.usage = LLMUsage(inputTokens: Wire.int(json["prompt_eval_count"]) ?? 0, outputTokens: Wire.int(json["eval_count"]) ?? 0)
        }
    }

    struct StreamDecoder: WireStreamDecoder {
        var parser = NDJSONParser()
        var done = false

        mutating func feed(_ chunk: Data) throws -> [WireStreamEvent] { try events(parser.feed(chunk)) }

        mutating func finish() throws -> [WireStreamEvent] {
            let last = try events(parser.finish())
            guard done else { throw WireError.truncated("the stream ended before its done line") }
            return last
        }

        private mutating func events(_ lines: [String]) throws -> [WireStreamEvent] {
            var out: [WireStreamEvent] = []
            for line in lines {
                var reply = WireReply()
                try OllamaWire.apply(Wire.json(line, what: "a stream line"), to: &reply)
                if !reply.text.isEmpty { out.append(.text(reply.text, [])) }
                if let usage = reply.usage {
                    done = true
                    out += [.finish(reply.finishReason), .usage(usage)]
                }
            }
            return out
        }
    }
}
