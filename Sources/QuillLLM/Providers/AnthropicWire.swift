import Foundation
import QuillEngine

/// Anthropic's Messages API.
///
/// Versions: a request with sampling settings (temperature, top_p, top_k) goes out under
/// `anthropic-version: 2023-06-01` with `x-api-key`, because version 2026-10-21 rejects those
/// fields; every other request uses 2026-10-21 with a bearer key, as the current SDK does.
struct AnthropicWire: ProviderWire {
    static let currentVersion = "2026-10-21"
    static let samplingVersion = "2023-06-01"
    /// Messages requires max_tokens; this is used when neither the call nor the model sets it.
    static let defaultMaxTokens = 1024

    func httpRequest(_ request: LLMRequest, endpoint: ProviderEndpoint, stream: Bool) throws -> HTTPRequest {
        guard case .messages(let all) = request.input else {
            throw LLMError.invalidParameter(name: "raw", message: "Anthropic has no text-continuation API; send messages (drop raw: true)")
        }
        let p = request.parameters
        for (name, set) in [("min_p", p.minP != nil), ("seed", p.seed != nil), ("repeat_penalty", p.repetitionPenalty != nil),
                            ("presence_penalty", p.presencePenalty != nil), ("frequency_penalty", p.frequencyPenalty != nil),
                            ("logprobs", p.topLogprobs != nil)] where set {
            throw LLMError.invalidParameter(name: name, message: "Anthropic's Messages API has no \(name); remove it for anthropic: models")
        }
        let system = all.filter { $0.role == "system" || $0.role == "developer" }.map(\.content)
        let messages = all.filter { $0.role != "system" && $0.role != "developer" }
        guard !messages.isEmpty else {
            throw LLMError.invalidParameter(name: "messages", message: "Anthropic needs at least one user message besides the system prompt")
        }
        let sampling = p.temperature != nil || p.topP != nil || p.topK != nil
        let members: [(String, JSONValue?)] = [
            ("model", .string(endpoint.model)),
            ("max_tokens", .int(p.maxTokens ?? Self.defaultMaxTokens)),
            ("system", system.isEmpty ? nil : .string(system.joined(separator: "\n\n"))),
            ("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })),
            ("stop_sequences", p.stop.map { .array($0.map { .string($0) }) }),
            ("temperature", p.temperature.map { .double($0) }),
            ("top_p", p.topP.map { .double($0) }),
            ("top_k", p.topK.map { .int($0) }),
            ("stream", stream ? .bool(true) : nil),
        ]
        var headers: [(name: String, value: String)] = [("anthropic-version", sampling ? Self.samplingVersion : Self.currentVersion)]
        if let key = endpoint.apiKey { headers.append(sampling ? ("x-api-key", key) : ("authorization", "Bearer \(key)")) }
        return Wire.request(endpoint.url("v1/messages"), body: Wire.object(members), headers: headers)
    }

    func decodeReply(_ body: Data) throws -> WireReply {
        let json = try Wire.json(body, what: "the reply")
        if json["type"]?.stringValue == "error" { throw WireError.streamError(Self.errorSummary(json)) }
        guard let content = json["content"]?.arrayValue else { throw WireError.malformed("the reply has no content: \(Wire.text(body))") }
        var reply = WireReply()
        reply.text = content.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
        reply.finishReason = Self.finish(json["stop_reason"]?.stringValue)
        reply.usage = Self.usage(json["usage"], output: nil)
        return reply
    }

    func streamDecoder() -> any WireStreamDecoder { StreamDecoder() }

    /// An `error` event or reply: `{"type":"error","error":{"type","message"}}` → "message (type)".
    static func errorSummary(_ json: JSONValue) -> String {
        ProviderErrorBody(json)?.summary ?? json.serialized
    }

    static func finish(_ reason: String?) -> String {
        switch reason {
        case "end_turn"?, nil: return "stop"
        case "max_tokens"?: return "length"
        case "stop_sequence"?: return "stop_string"
        case let other?: return other
        }
    }

    /// Anthropic counts cache reads and writes apart from `input_tokens`; Quill's input count
    /// includes them, with the cached and written parts reported separately.
    static func usage(_ json: JSONValue?, output: Int?) -> LLMUsage? {
        guard let json, let input = Wire.int(json["input_tokens"]) else { return nil }
        let read = Wire.int(json["cache_read_input_tokens"]) ?? 0
        let write = Wire.int(json["cache_creation_input_tokens"]) ?? 0
        return LLMUsage(inputTokens: input + read + write, outputTokens: output ?? Wire.int(json["output_tokens"]) ?? 0,
                        cachedInputTokens: read, cacheWriteTokens: write)
    }

    /// `event:` + `data:` pairs: message_start (input usage), content_block_delta (text),
    /// message_delta (stop reason, output tokens), message_stop; `error` events mid-stream.
    struct StreamDecoder: WireStreamDecoder {
        var parser = SSEParser()
        var usage: LLMUsage?
        var stopped = false

        mutating func feed(_ chunk: Data) throws -> [WireStreamEvent] { try events(parser.feed(chunk)) }

        mutating func finish() throws -> [WireStreamEvent] {
            let last = try events(parser.finish())
            guard stopped else { throw WireError.truncated("the stream ended before message_stop") }
            return last
        }

        private mutating func events(_ sse: [ServerSentEvent]) throws -> [WireStreamEvent] {
            var out: [WireStreamEvent] = []
            for event in sse {
                let type = event.event
                if type == "ping" { continue }
                let json = try Wire.json(event.data, what: "a stream event")
                switch type ?? json["type"]?.stringValue {
                case "error"?:
                    throw WireError.streamError(AnthropicWire.errorSummary(json))
                case "message_start"?:
                    usage = AnthropicWire.usage(json["message"]?["usage"], output: 0)
                case "content_block_delta"?:
                    if json["delta"]?["type"]?.stringValue == "text_delta", let text = json["delta"]?["text"]?.stringValue, !text.isEmpty {
                        out.append(.text(text, []))
                    }
                case "message_delta"?:
                    if let reason = json["delta"]?["stop_reason"]?.stringValue { out.append(.finish(AnthropicWire.finish(reason))) }
                    if let output = Wire.int(json["usage"]?["output_tokens"]) {
                        var u = usage ?? LLMUsage(inputTokens: 0, outputTokens: 0)
                        u.outputTokens = output
                        usage = u
                    }
                case "message_stop"?:
                    stopped = true
                    if let usage { out.append(.usage(usage)) }
                default:
                    break  // content_block_start/stop and event types added later
                }
            }
            return out
        }
    }
}
