import Foundation
import QuillEngine
import QuillLLM

/// What one choice of a request reports while it is generated.
enum ChoiceEvent: Sendable {
    /// New text of choice `index`, with the token that completed it (when the model reports one).
    case delta(index: Int, text: String, token: LLMToken?)
    /// Choice `index` ended; the response has its whole text, tokens and usage.
    case done(index: Int, response: LLMResponse)
}

/// Runs the choices of one request on a served model and records their metrics.
///
/// Every choice is its own generation submitted to the model's scheduler at once, so `n`
/// choices — like separate clients — are decoded together. Events of all choices arrive on one
/// stream in the order they happen. If the consumer stops (its `handle` throws because the
/// client went away), every choice's generation is cancelled: each child task is cancelled
/// while it waits for its model stream, which ends that stream and cancels its engine ticket.
struct GenerationRun {
    let entry: ModelRegistry.Entry
    let metrics: ServerMetrics
    /// `chat`, `text_completion` (the GenAI operation names).
    let operation: String

    /// Generates every request (one per choice) and returns the responses in choice order.
    func run(_ requests: [LLMRequest], handle: (ChoiceEvent) async throws -> Void) async throws -> [LLMResponse] {
        let (merged, continuation) = AsyncThrowingStream<ChoiceEvent, Error>.makeStream()
        let model = entry.model, metrics = self.metrics, id = entry.id
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, request) in requests.enumerated() {
                // The stream submits its request to the scheduler as it is made: all choices are
                // queued before any is awaited.
                let stream = model.stream(request)
                metrics.sequence(model: id, 1)
                group.addTask {
                    defer { metrics.sequence(model: id, -1) }
                    do {
                        var finished = false
                        for try await event in stream {
                            switch event {
                            case .delta(let text, let token): continuation.yield(.delta(index: index, text: text, token: token))
                            case .done(let response):
                                finished = true
                                continuation.yield(.done(index: index, response: response))
                            case .retry: break
                            }
                        }
                        // A stream that ends without its result would leave the consumer waiting.
                        if !finished, !Task.isCancelled {
                            throw LLMError.provider(model: id, message: "the generation ended without a result")
                        }
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
            }
            var responses = [LLMResponse?](repeating: nil, count: requests.count)
            var remaining = requests.count
            for try await event in merged {
                if case .done(let index, let response) = event {
                    responses[index] = response
                    record(response)
                    remaining -= 1
                }
                do {
                    try await handle(event)
                } catch {
                    // The client is gone: leaving the group cancels the choices still generating.
                    if remaining > 0 { metrics.increment(ServerMetrics.cancelled, [("gen_ai_request_model", id)], by: Double(remaining)) }
                    throw error
                }
                if remaining == 0 { break }
            }
            continuation.finish()
            guard remaining == 0 else { throw CancellationError() }
            return responses.map { $0! }
        }
    }

    /// Token counts and timings of one finished generation.
    private func record(_ response: LLMResponse) {
        let labels: ServerMetrics.Labels = [("gen_ai_operation_name", operation), ("gen_ai_request_model", entry.id)]
        metrics.increment(ServerMetrics.tokenUsage, labels + [("gen_ai_token_type", "input")], by: Double(response.usage.inputTokens))
        metrics.increment(ServerMetrics.tokenUsage, labels + [("gen_ai_token_type", "output")], by: Double(response.usage.outputTokens))
        metrics.observe(ServerMetrics.operationDuration, labels, response.latency)
        if let first = response.timeToFirstToken {
            metrics.observe(ServerMetrics.timeToFirstToken, labels, first)
            if response.usage.outputTokens > 1 {
                metrics.observe(ServerMetrics.timePerOutputToken, labels, (response.latency - first) / Double(response.usage.outputTokens - 1))
            }
        }
    }

    /// The prompt tokens of an input, checked against the model's context before anything is
    /// queued: a prompt that does not fit is the client's to shorten (400), not a server error.
    func promptTokens(_ input: LLMInput, field: String) throws -> Int {
        let count = try entry.model.countTokens(input)
        let context = entry.engine.transformer.config.contextLength
        guard count < context else {
            throw APIError(.badRequest, "'\(field)' takes \(count) tokens; the model '\(entry.id)' reads at most \(context - 1) before it must generate: shorten it",
                           param: field, code: "context_length_exceeded")
        }
        guard count > 0 else { throw APIError.invalidField(field, "is empty: there is nothing to continue") }
        return count
    }

    /// Which stop string ended a response (`stop_string` finish): the generated tokens go past
    /// the returned text by exactly the stop string the engine matched.
    func matchedStop(_ response: LLMResponse, stops: [String]) -> String? {
        guard response.finishReason == "stop_string" else { return nil }
        let tokenizer = entry.engine.tokenizer
        let all = response.tokens.flatMap { tokenizer.bytes(of: $0.id) }
        let shown = Array(response.text.utf8)
        guard all.count >= shown.count else { return stops.first }
        let rest = all[shown.count...]
        return stops.first { rest.starts(with: Array($0.utf8)) } ?? stops.first { String(decoding: rest, as: UTF8.self).contains($0) }
    }
}

extension LLMResponse {
    /// OpenAI's `finish_reason`: `stop` for an end token, a stop string or a finished grammar;
    /// `length` when `max_tokens` or the context ran out.
    var openAIFinishReason: String {
        switch finishReason {
        case "length", "context_full": return "length"
        default: return "stop"
        }
    }

    /// Anthropic's `stop_reason`.
    var anthropicStopReason: String {
        switch finishReason {
        case "length", "context_full": return "max_tokens"
        case "stop_string": return "stop_sequence"
        default: return "end_turn"
        }
    }
}
