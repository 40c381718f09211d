import Hummingbird
import QuillEngine
import QuillLLM

/// `POST /v1/chat/completions`: OpenAI's Chat Completions over a local model, whole or streamed.
struct OpenAIChatRoutes {
    let state: ServerState

    /// A chat request as read from its body.
    struct ChatRequest {
        var model: String
        var messages: [LLMMessage]
        var options: OpenAIOptions
        var constraint: OutputConstraint?

        init(_ body: RequestFields, configuration: ServerConfiguration) throws {
            model = try body.requiredString("model", "name a served model (GET /v1/models lists them)")
            guard let items = try body.array("messages") else {
                throw APIError.missingField("messages", "send the conversation as a list of {role, content} objects")
            }
            guard !items.isEmpty else { throw APIError.invalidField("messages", "must hold at least one message") }
            messages = try items.enumerated().map { try Self.message($1, path: "messages[\($0)]") }
            options = try OpenAIOptions(body, configuration: configuration, maxTokensFields: ["max_tokens", "max_completion_tokens"],
                                        defaultMaxTokens: configuration.defaultMaxTokens)
            options.logprobs = try body.bool("logprobs") ?? false
            if let top = try body.int("top_logprobs", in: 0...20) {
                guard options.logprobs else {
                    throw APIError.invalidField("top_logprobs", "needs 'logprobs': true; set it, or drop top_logprobs")
                }
                options.topLogprobs = top
            }
            if options.logprobs { options.parameters.topLogprobs = options.topLogprobs }
            constraint = try Self.responseFormat(body)
            if let tools = try body.array("tools"), !tools.isEmpty, try body.string("tool_choice") != "none" {
                throw APIError.invalidField("tools", "function calling is not supported by quill serve's local models; remove 'tools', or ask for JSON with response_format json_schema")
            }
        }

        /// One message: `role` and `content` (a string, or a list of text parts).
        static func message(_ value: JSONValue, path: String) throws -> LLMMessage {
            let m = try RequestFields(value, path: path)
            let roles = ["system", "developer", "user", "assistant", "tool"]
            let role = try m.requiredString("role", "one of \(roles.joined(separator: ", "))")
            guard roles.contains(role) else {
                throw APIError.invalidField(m.name("role"), "must be one of \(roles.joined(separator: ", ")), got '\(role)'")
            }
            let content: String
            switch m["content"] {
            case nil:
                // An assistant turn that only called tools has no content.
                guard role == "assistant" else { throw APIError.missingField(m.name("content"), "give the message's text") }
                content = ""
            case .string(let s)?:
                content = s
            case .array(let parts)?:
                content = try parts.enumerated().map { i, part in
                    let p = try RequestFields(part, path: m.name("content") + "[\(i)]")
                    let type = try p.requiredString("type", "'text' (the local models read text only)")
                    guard type == "text" else {
                        throw APIError.invalidField(p.name("type"), "'\(type)' parts are not supported: the local models read text only; send {\"type\": \"text\", \"text\": ...}")
                    }
                    return try p.requiredString("text", "the part's text")
                }.joined()
            case let other?:
                throw m.wrongType("content", "a string or a list of text parts", other)
            }
            // Chat templates know `system`; OpenAI's newer `developer` role means the same.
            return LLMMessage(role: role == "developer" ? "system" : role, content: content)
        }

        /// `response_format`: free text, any JSON object, or JSON fitting a schema — enforced
        /// token by token by the local core's constrained decoding.
        static func responseFormat(_ body: RequestFields) throws -> OutputConstraint? {
            guard let format = try body.object("response_format") else { return nil }
            let type = try format.requiredString("type", "text, json_object or json_schema")
            switch type {
            case "text":
                return nil
            case "json_object":
                return .jsonSchema(.object([("type", .string("object"))]))
            case "json_schema":
                guard let spec = try format.object("json_schema") else {
                    throw APIError.missingField("response_format.json_schema", "give {name, schema} for type json_schema")
                }
                _ = try spec.string("name")
                _ = try spec.bool("strict")
                let schema = spec["schema"] ?? .object([("type", .string("object"))])
                guard case .object = schema else { throw spec.wrongType("schema", "a JSON Schema object", schema) }
                do {
                    // Compiled here so a schema the grammar compiler rejects is a 400 before any
                    // stream starts (the result is cached for the generation).
                    _ = try GrammarCache.shared.jsonSchema(schema)
                } catch {
                    throw APIError.invalidField("response_format.json_schema.schema", "cannot be enforced: \(error)")
                }
                return .jsonSchema(schema)
            default:
                throw APIError.invalidField("response_format.type", "must be text, json_object or json_schema, got '\(type)'")
            }
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let body = try await RequestFields.read(request, limit: state.configuration.maxBodyBytes)
        let chat = try ChatRequest(body, configuration: state.configuration)
        let entry = try state.registry.resolve(chat.model)
        let run = GenerationRun(entry: entry, metrics: state.metrics, operation: "chat")
        let input = LLMInput.messages(chat.messages)
        let promptTokens = try run.promptTokens(input, field: "messages")
        let requests = chat.options.requests(input: input, constraint: chat.constraint)
        let id = ResponseID.make("chatcmpl-"), created = ResponseID.now
        if chat.options.stream {
            return stream(chat, run: run, requests: requests, promptTokens: promptTokens, id: id, created: created)
        }
        let responses: [LLMResponse]
        do {
            responses = try await run.run(requests) { _ in }
        } catch {
            throw APIError.from(error)
        }
        let tokenizer = entry.engine.tokenizer
        var choices: [JSONValue] = []
        for (index, response) in responses.enumerated() {
            if case .jsonSchema(let schema)? = chat.constraint, response.openAIFinishReason == "stop" {
                try Self.checkStructured(response.text, schema: schema)
            }
            let logprobs = chat.options.logprobs
                ? Logprobs.chat(response.visibleTokens(tokenizer), tokenizer: tokenizer, top: chat.options.topLogprobs) : .null
            choices.append(.object([
                ("index", .int(index)),
                ("message", .object([("role", .string("assistant")), ("content", .string(response.text)), ("refusal", .null)])),
                ("logprobs", logprobs), ("finish_reason", .string(response.openAIFinishReason)),
            ]))
        }
        return .json(.object([
            ("id", .string(id)), ("object", .string("chat.completion")), ("created", .int(created)), ("model", .string(entry.id)),
            ("choices", .array(choices)), ("usage", OpenAIOptions.usage(promptTokens: promptTokens, responses: responses)),
            ("system_fingerprint", .null),
        ]))
    }

    /// Structured output is valid by construction; this re-check turns a broken guarantee into a
    /// clear 500 instead of invalid JSON in a 200.
    static func checkStructured(_ text: String, schema: JSONValue) throws {
        let problems: [String]
        do {
            problems = JSONSchemaValidator.validate(try JSONValue.parse(text), against: schema)
        } catch {
            problems = ["not valid JSON: \(error)"]
        }
        guard problems.isEmpty else {
            throw APIError(.internalServerError, "the constrained output does not fit the schema (\(problems.joined(separator: "; "))); please report this", code: "model_error")
        }
    }

    /// The streamed response: a role chunk per choice, content chunks as text is generated, a
    /// finishing chunk per choice, the usage chunk when asked for, then `[DONE]`.
    private func stream(_ chat: ChatRequest, run: GenerationRun, requests: [LLMRequest], promptTokens: Int,
                        id: String, created: Int) -> Response {
        let tokenizer = run.entry.engine.tokenizer
        let options = chat.options, model = run.entry.id
        return SSEWriter.response { sse in
            func chunk(_ choices: [JSONValue], usage: JSONValue = .null) -> JSONValue {
                var fields: [(key: String, value: JSONValue)] = [
                    ("id", .string(id)), ("object", .string("chat.completion.chunk")), ("created", .int(created)),
                    ("model", .string(model)), ("system_fingerprint", .null), ("choices", .array(choices)),
                ]
                if options.includeUsage { fields.append(("usage", usage)) }
                return .object(fields)
            }
            func choice(_ index: Int, _ delta: [(key: String, value: JSONValue)], logprobs: [LLMToken]? = nil, finish: String? = nil) -> JSONValue {
                .object([("index", .int(index)), ("delta", .object(delta)),
                         ("logprobs", logprobs.map { Logprobs.chat($0, tokenizer: tokenizer, top: options.topLogprobs) } ?? .null),
                         ("finish_reason", finish.map(JSONValue.string) ?? .null)])
            }
            for index in requests.indices {
                try await sse.send(chunk([choice(index, [("role", .string("assistant")), ("content", .string("")), ("refusal", .null)])]))
            }
            // Tokens whose log-probabilities went out with a chunk, per choice; a token whose
            // text was held back (part of a character, or maybe a stop string) goes out with the
            // choice's last chunk.
            var sent = [[Int]](repeating: [], count: requests.count)
            do {
                let responses = try await run.run(requests) { event in
                    switch event {
                    case .delta(let index, let text, let token):
                        guard !text.isEmpty else { return }
                        var entries: [LLMToken]?
                        if options.logprobs, let token {
                            entries = [token]
                            sent[index].append(token.id)
                        }
                        try await sse.send(chunk([choice(index, [("content", .string(text))], logprobs: entries)]))
                    case .done(let index, let response):
                        var rest: [LLMToken]?
                        if options.logprobs { rest = Logprobs.unsent(response.visibleTokens(tokenizer), sent: sent[index]) }
                        try await sse.send(chunk([choice(index, [], logprobs: rest, finish: response.openAIFinishReason)]))
                    }
                }
                if options.includeUsage {
                    try await sse.send(chunk([], usage: OpenAIOptions.usage(promptTokens: promptTokens, responses: responses)))
                }
            } catch {
                // After the 200 head, an error can only travel as a record of the stream (when the
                // client has gone, this write fails too and ends the response).
                let apiError = APIError.from(error)
                try await sse.send(apiError.body(flavor: .openAI, requestID: id))
            }
            try await sse.sendDone()
        }
    }
}
