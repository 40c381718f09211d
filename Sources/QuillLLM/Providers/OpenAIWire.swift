import Foundation
import QuillEngine

/// OpenAI's Chat Completions (and, for raw text, Completions) — also what vLLM, TGI,
/// llama.cpp's server, LM Studio and `quill serve` speak (`compatible`).
struct OpenAIWire: ProviderWire {
    /// True for `openai-compatible:` servers: `max_tokens` instead of OpenAI's
    /// `max_completion_tokens`, and the sampling options OpenAI lacks (top_k, min_p,
    /// repetition_penalty) are passed through as those servers accept them.
    let compatible: Bool

    func httpRequest(_ request: LLMRequest, endpoint: ProviderEndpoint, stream: Bool) throws -> HTTPRequest {
        let p = request.parameters
        if !compatible {
            for (name, set) in [("top_k", p.topK != nil), ("min_p", p.minP != nil), ("repeat_penalty", p.repetitionPenalty != nil)] where set {
                throw LLMError.invalidParameter(name: name, message: "OpenAI's API has no \(name); remove it for openai: models")
            }
        }
        if let stop = p.stop, stop.count > 4 {
            throw LLMError.invalidParameter(name: "stop", message: "OpenAI accepts at most 4 stop strings, got \(stop.count)")
        }
        var members: [(String, JSONValue?)] = [("model", .string(endpoint.model))]
        let path: String
        switch request.input {
        case .messages(let messages):
            path = "chat/completions"
            members.append(("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })))
        case .text(let text):
            path = "completions"
            members.append(("prompt", .string(text)))
        }
        let maxTokens = p.maxTokens.map { JSONValue.int($0) }
        members += [
            (compatible ? "max_tokens" : "max_completion_tokens", maxTokens),
            ("temperature", p.temperature.map { .double($0) }),
            ("top_p", p.topP.map { .double($0) }),
            ("seed", p.seed.map { .int($0) }),
            ("stop", p.stop.map { .array($0.map { .string($0) }) }),
            ("presence_penalty", p.presencePenalty.map { .double($0) }),
            ("frequency_penalty", p.frequencyPenalty.map { .double($0) }),
        ]
        if compatible {
            members += [("top_k", p.topK.map { .int($0) }), ("min_p", p.minP.map { .double($0) }),
                        ("repetition_penalty", p.repetitionPenalty.map { .double($0) })]
        }
        if let n = p.topLogprobs, case .messages = request.input {
            members += [("logprobs", .bool(true)), ("top_logprobs", n > 0 ? .int(n) : nil)]
        }
        // Native JSON-schema mode; the output is still validated (strict mode would reject
        // schemas that leave properties optional, so it is not asked for).
        if case .jsonSchema(let schema)? = request.constraint, case .messages = request.input {
            members.append(("response_format", .object([
                ("type", .string("json_schema")),
                ("json_schema", .object([("name", .string("output")), ("schema", schema), ("strict", .bool(false))])),
            ])))
        }
        if stream {
            members += [("stream", .bool(true)), ("stream_options", .object([("include_usage", .bool(true))]))]
        }
        let auth = endpoint.apiKey.map { [(name: "authorization", value: "Bearer \($0)")] } ?? []
        return Wire.request(endpoint.url(path), body: Wire.object(members), headers: auth)
    }

    func decodeReply(_ body: Data) throws -> WireReply {
        let json = try Wire.json(body, what: "the reply")
        if json["error"] != nil, let error = ProviderErrorBody(json) { throw WireError.streamError(error.summary) }
        guard let choice = json["choices"]?.arrayValue?.first else {
            throw WireError.malformed("the reply has no choices: \(Wire.text(body))")
        }
        var reply = WireReply()
        reply.text = choice["message"]?["content"]?.stringValue ?? choice["text"]?.stringValue ?? ""
        reply.finishReason = choice["finish_reason"]?.stringValue ?? "stop"
        reply.usage = Self.usage(json["usage"])
        reply.tokens = Self.tokens(choice["logprobs"])
        return reply
    }

    func streamDecoder() -> any WireStreamDecoder { StreamDecoder() }

    static func usage(_ json: JSONValue?) -> LLMUsage? {
        guard let json, let input = Wire.int(json["prompt_tokens"]), let output = Wire.int(json["completion_tokens"]) else { return nil }
        return LLMUsage(inputTokens: input, outputTokens: output,
                        cachedInputTokens: Wire.int(json["prompt_tokens_details"]?["cached_tokens"]) ?? 0)
    }

    /// `logprobs.content[]`: hosted tokens have no id, so it is -1.
    static func tokens(_ logprobs: JSONValue?) -> [LLMToken] {
        (logprobs?["content"]?.arrayValue ?? []).compactMap { entry in
            guard let text = entry["token"]?.stringValue, let lp = entry["logprob"]?.numberValue else { return nil }
            return LLMToken(id: -1, text: text, logprob: lp)
        }
    }

    /// `data: {chunk}` events until `data: [DONE]`.
    struct StreamDecoder: WireStreamDecoder {
        var parser = SSEParser()
        var done = false

        mutating func feed(_ chunk: Data) throws -> [WireStreamEvent] { try events(parser.feed(chunk)) }

        mutating func finish() throws -> [WireStreamEvent] {
            let last = try events(parser.finish())
            guard done else { throw WireError.truncated("the stream ended before [DONE]") }
            return last
        }

        private mutating func events(_ sse: [ServerSentEvent]) throws -> [WireStreamEvent] {
            var out: [WireStreamEvent] = []
            for event in sse {
                if event.data == "[DONE]" { done = true; continue }
                let json = try Wire.json(event.data, what: "a stream chunk")
                if json["error"] != nil, let error = ProviderErrorBody(json) { throw WireError.streamError(error.summary) }
                if let usage = OpenAIWire.usage(json["usage"]) { out.append(.usage(usage)) }
                guard let choice = json["choices"]?.arrayValue?.first else { continue }
                let tokens = OpenAIWire.tokens(choice["logprobs"])
                if let text = choice["delta"]?["content"]?.stringValue ?? choice["text"]?.stringValue, !text.isEmpty {
                    out.append(.text(text, tokens))
                }
                if let reason = choice["finish_reason"]?.stringValue { out.append(.finish(reason)) }
            }
            return out
        }
    }
}
