import Hummingbird
import QuillEngine
import QuillLLM

/// `POST /v1/completions`: OpenAI's legacy text completions — the model continues the prompt
/// as written, with no chat template.
struct OpenAICompletionsRoutes {
    let state: ServerState

    /// OpenAI's default length for this endpoint when a request sets none.
    static let defaultMaxTokens = 16

    func handle(_ request: Request) async throws -> Response {
        let body = try await RequestFields.read(request, limit: state.configuration.maxBodyBytes)
        let modelID = try body.requiredString("model", "name a served model (GET /v1/models lists them)")
        let prompts = try Self.prompts(body)
        var options = try OpenAIOptions(body, configuration: state.configuration, maxTokensFields: ["max_tokens"],
                                        defaultMaxTokens: Self.defaultMaxTokens)
        if let top = try body.int("logprobs", in: 0...20) {
            options.logprobs = true
            options.topLogprobs = top
            options.parameters.topLogprobs = top
        }
        let echo = try body.bool("echo") ?? false
        if let suffix = try body.string("suffix"), !suffix.isEmpty {
            throw APIError.invalidField("suffix", "insertion (fill in the middle) is not supported; drop 'suffix'")
        }
        guard prompts.count * options.n <= state.configuration.maxChoices else {
            throw APIError.invalidField("n", "prompts × n is \(prompts.count * options.n); at most \(state.configuration.maxChoices) completions per request")
        }
        let entry = try state.registry.resolve(modelID)
        let run = GenerationRun(entry: entry, metrics: state.metrics, operation: "text_completion")
        var promptTokens = 0
        var requests: [LLMRequest] = []
        for (i, prompt) in prompts.enumerated() {
            promptTokens += try run.promptTokens(.text(prompt), field: prompts.count == 1 ? "prompt" : "prompt[\(i)]")
            requests += options.requests(input: .text(prompt), constraint: nil)
        }
        // Choice k continues prompt k / n, as OpenAI numbers them.
        let shape = Shape(id: ResponseID.make("cmpl-"), created: ResponseID.now, model: entry.id, prompts: prompts, n: options.n)
        let tokenizer = entry.engine.tokenizer
        let (settings, choiceRequests, promptCount) = (options, requests, promptTokens)

        if !options.stream {
            let responses: [LLMResponse]
            do {
                responses = try await run.run(requests) { _ in }
            } catch {
                throw APIError.from(error)
            }
            let choices = responses.enumerated().map { index, response in
                let prefix = echo ? shape.prompt(of: index) : ""
                let logprobs = options.logprobs
                    ? Logprobs.completion(response.visibleTokens(tokenizer), tokenizer: tokenizer, top: options.topLogprobs, startOffset: prefix.count)
                    : .null
                return shape.choice(index, text: prefix + response.text, logprobs: logprobs, finish: response.openAIFinishReason)
            }
            return .json(shape.completion(choices, usage: OpenAIOptions.usage(promptTokens: promptTokens, responses: responses)))
        }

        return SSEWriter.response { sse in
            let usageField: JSONValue? = settings.includeUsage ? .null : nil
            if echo {
                for index in choiceRequests.indices {
                    try await sse.send(shape.completion([shape.choice(index, text: shape.prompt(of: index), logprobs: .null, finish: nil)], usage: usageField))
                }
            }
            // Where each choice's next text starts, for the log-probabilities' `text_offset`.
            var offsets = choiceRequests.indices.map { echo ? shape.prompt(of: $0).count : 0 }
            do {
                let responses = try await run.run(choiceRequests) { event in
                    switch event {
                    case .delta(let index, let text, let token):
                        guard !text.isEmpty else { return }
                        let logprobs = settings.logprobs && token != nil
                            ? Logprobs.completion([token!], tokenizer: tokenizer, top: settings.topLogprobs, startOffset: offsets[index]) : .null
                        offsets[index] += text.count
                        try await sse.send(shape.completion([shape.choice(index, text: text, logprobs: logprobs, finish: nil)], usage: usageField))
                    case .done(let index, let response):
                        try await sse.send(shape.completion([shape.choice(index, text: "", logprobs: .null, finish: response.openAIFinishReason)], usage: usageField))
                    }
                }
                if settings.includeUsage {
                    try await sse.send(shape.completion([], usage: OpenAIOptions.usage(promptTokens: promptCount, responses: responses)))
                }
            } catch {
                try await sse.send(APIError.from(error).body(flavor: .openAI, requestID: shape.id))
            }
            try await sse.sendDone()
        }
    }

    /// The fixed parts of a response and how its objects are shaped.
    struct Shape: Sendable {
        let id: String
        let created: Int
        let model: String
        let prompts: [String]
        let n: Int

        func prompt(of choice: Int) -> String { prompts[choice / n] }

        func choice(_ index: Int, text: String, logprobs: JSONValue, finish: String?) -> JSONValue {
            .object([("text", .string(text)), ("index", .int(index)), ("logprobs", logprobs),
                     ("finish_reason", finish.map(JSONValue.string) ?? .null)])
        }

        func completion(_ choices: [JSONValue], usage: JSONValue?) -> JSONValue {
            var fields: [(key: String, value: JSONValue)] = [
                ("id", .string(id)), ("object", .string("text_completion")), ("created", .int(created)),
                ("model", .string(model)), ("system_fingerprint", .null), ("choices", .array(choices)),
            ]
            if let usage { fields.append(("usage", usage)) }
            return .object(fields)
        }
    }

    /// `prompt`: a string or a list of strings (one completion each). Token-id prompts are
    /// refused: the local models take text.
    static func prompts(_ body: RequestFields) throws -> [String] {
        switch body["prompt"] {
        case nil:
            throw APIError.missingField("prompt", "give the text to continue (a string or a list of strings)")
        case .string(let s)?:
            return [s]
        case .array(let items)? where !items.isEmpty:
            return try items.enumerated().map { i, item in
                guard case .string(let s) = item else {
                    throw APIError.invalidField("prompt[\(i)]", "must be a string (token-id prompts are not supported), got \(RequestFields.kind(of: item))")
                }
                return s
            }
        case .array?:
            throw APIError.invalidField("prompt", "must hold at least one prompt")
        case let other?:
            throw body.wrongType("prompt", "a string or a list of strings", other)
        }
    }
}
