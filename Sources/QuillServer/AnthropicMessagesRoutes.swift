import HTTPTypes
import Hummingbird
import QuillEngine
import QuillLLM

/// `POST /v1/messages`: Anthropic's Messages API over a local model, whole or streamed.
///
/// Both generations of the official SDK are accepted: `anthropic-version: 2023-06-01` (SDK 1.x
/// and older, which send `x-api-key`) and `2026-10-21` (SDK 2.x, which sends a bearer token).
/// Under 2026-10-21 the sampling settings `temperature`, `top_p` and `top_k` are rejected, as the
/// hosted API does. Authentication itself is checked by `APIMiddleware`.
struct AnthropicMessagesRoutes {
    let state: ServerState

    static let versions = ["2023-06-01", "2026-10-21"]

    /// A Messages request as read from its body.
    struct MessagesRequest {
        var model: String
        var messages: [LLMMessage]
        var parameters = LLMParameters()
        var stream: Bool

        init(_ body: RequestFields, version: String) throws {
            model = try body.requiredString("model", "name a served model (GET /v1/models lists them)")
            guard let maxTokens = try body.int("max_tokens", in: 1...1_000_000) else {
                throw APIError.missingField("max_tokens", "give the most tokens to generate, e.g. 1024")
            }
            parameters.maxTokens = maxTokens
            var messages: [LLMMessage] = []
            switch body["system"] {
            case nil: break
            case .string(let s)?: messages.append(.system(s))
            case .array(let blocks)?: messages.append(.system(try Self.text(of: blocks, path: "system")))
            case let other?: throw body.wrongType("system", "a string or a list of text blocks", other)
            }
            guard let items = try body.array("messages") else {
                throw APIError.missingField("messages", "send the conversation as a list of {role, content} objects")
            }
            guard !items.isEmpty else { throw APIError.invalidField("messages", "must hold at least one message") }
            for (i, item) in items.enumerated() {
                let m = try RequestFields(item, path: "messages[\(i)]")
                let role = try m.requiredString("role", "user or assistant")
                guard role == "user" || role == "assistant" else {
                    throw APIError.invalidField(m.name("role"), "must be user or assistant, got '\(role)' (put system text in the top-level 'system')")
                }
                let content: String
                switch m["content"] {
                case .string(let s)?: content = s
                case .array(let blocks)?: content = try Self.text(of: blocks, path: m.name("content"))
                case nil: throw APIError.missingField(m.name("content"), "give the message's text")
                case let other?: throw m.wrongType("content", "a string or a list of content blocks", other)
                }
                messages.append(LLMMessage(role: role, content: content))
            }
            self.messages = messages
            parameters.stop = try body.stopStrings("stop_sequences", limit: 16, allowSingle: false)
            stream = try body.bool("stream") ?? false
            if let tools = try body.array("tools"), !tools.isEmpty {
                throw APIError.invalidField("tools", "tool use is not supported by quill serve's local models; remove 'tools'")
            }
            for field in ["temperature", "top_p", "top_k"] where body[field] != nil && version == "2026-10-21" {
                throw APIError.invalidField(field, "is not accepted under anthropic-version 2026-10-21; remove it, or send anthropic-version: 2023-06-01 to set sampling")
            }
            parameters.temperature = try body.double("temperature", in: 0...1)
            parameters.topP = try body.double("top_p", in: 0...1)
            if parameters.topP == 0 { throw APIError.invalidField("top_p", "must be greater than 0") }
            parameters.topK = try body.int("top_k", in: 0...1_000_000)
        }

        /// The text of a list of content blocks; only `text` blocks can be read by the local models.
        static func text(of blocks: [JSONValue], path: String) throws -> String {
            try blocks.enumerated().map { i, block in
                let b = try RequestFields(block, path: "\(path)[\(i)]")
                let type = try b.requiredString("type", "'text'")
                guard type == "text" else {
                    throw APIError.invalidField(b.name("type"), "'\(type)' blocks are not supported: the local models read text only; send {\"type\": \"text\", \"text\": ...}")
                }
                return try b.requiredString("text", "the block's text")
            }.joined(separator: "\n\n")
        }
    }

    func handle(_ request: Request) async throws -> Response {
        guard let version = request.headers[.anthropicVersion] else {
            throw APIError(.badRequest, "anthropic-version: header is required; send anthropic-version: \(Self.versions.last!) (SDK 2.x) or 2023-06-01")
        }
        guard Self.versions.contains(version) else {
            throw APIError(.badRequest, "anthropic-version: '\(version)' is not supported; use one of \(Self.versions.joined(separator: ", "))")
        }
        let body = try await RequestFields.read(request, limit: state.configuration.maxBodyBytes)
        let messages = try MessagesRequest(body, version: version)
        let entry = try state.registry.resolve(messages.model)
        let run = GenerationRun(entry: entry, metrics: state.metrics, operation: "chat")
        let input = LLMInput.messages(messages.messages)
        let inputTokens = try run.promptTokens(input, field: "messages")
        var llmRequest = LLMRequest(input: input, parameters: messages.parameters)
        llmRequest.stream = messages.stream
        let id = ResponseID.make("msg_")
        let stops = messages.parameters.stop ?? []

        @Sendable func usage(_ output: Int) -> JSONValue {
            .object([("input_tokens", .int(inputTokens)), ("output_tokens", .int(output)),
                     ("cache_creation_input_tokens", .int(0)), ("cache_read_input_tokens", .int(0))])
        }
        @Sendable func message(content: [JSONValue], stopReason: String?, stopSequence: String?, output: Int) -> JSONValue {
            .object([("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")),
                     ("model", .string(entry.id)), ("content", .array(content)),
                     ("stop_reason", stopReason.map(JSONValue.string) ?? .null),
                     ("stop_sequence", stopSequence.map(JSONValue.string) ?? .null), ("usage", usage(output))])
        }

        if !messages.stream {
            let response: LLMResponse
            do {
                response = try await run.run([llmRequest]) { _ in }[0]
            } catch {
                throw APIError.from(error)
            }
            return .json(message(content: [.object([("type", .string("text")), ("text", .string(response.text))])],
                                 stopReason: response.anthropicStopReason, stopSequence: run.matchedStop(response, stops: stops),
                                 output: response.usage.outputTokens))
        }

        let streamed = llmRequest
        return SSEWriter.response { sse in
            try await sse.send(.object([("type", .string("message_start")),
                                        ("message", message(content: [], stopReason: nil, stopSequence: nil, output: 0))]),
                               event: "message_start")
            try await sse.send(.object([("type", .string("content_block_start")), ("index", .int(0)),
                                        ("content_block", .object([("type", .string("text")), ("text", .string(""))]))]),
                               event: "content_block_start")
            try await sse.send(.object([("type", .string("ping"))]), event: "ping")
            do {
                let response = try await run.run([streamed]) { event in
                    guard case .delta(_, let text, _) = event, !text.isEmpty else { return }
                    try await sse.send(.object([("type", .string("content_block_delta")), ("index", .int(0)),
                                                ("delta", .object([("type", .string("text_delta")), ("text", .string(text))]))]),
                                       event: "content_block_delta")
                }[0]
                try await sse.send(.object([("type", .string("content_block_stop")), ("index", .int(0))]), event: "content_block_stop")
                let stop = run.matchedStop(response, stops: stops)
                try await sse.send(.object([
                    ("type", .string("message_delta")),
                    ("delta", .object([("stop_reason", .string(response.anthropicStopReason)),
                                       ("stop_sequence", stop.map(JSONValue.string) ?? .null)])),
                    ("usage", .object([("output_tokens", .int(response.usage.outputTokens))])),
                ]), event: "message_delta")
                try await sse.send(.object([("type", .string("message_stop"))]), event: "message_stop")
            } catch {
                // After the 200 head an error is an `error` event (when the client has gone, this
                // write fails too and ends the response).
                try await sse.send(APIError.from(error).body(flavor: .anthropic, requestID: id), event: "error")
            }
        }
    }
}

extension HTTPField.Name {
    static let anthropicVersion = HTTPField.Name("anthropic-version")!
    static let xAPIKey = HTTPField.Name("x-api-key")!
}
