import Foundation
import QuillLLM

/// The attribute names of call spans: OpenTelemetry's GenAI semantic conventions (still in
/// "Development", so spelled out here rather than taken from an OpenTelemetry package that
/// may rename them) and Quill's own `quill.*` attributes for what the conventions lack.
public enum GenAIAttribute {
    /// `chat` or `text_completion`.
    public static let operationName = "gen_ai.operation.name"
    /// `openai`, `anthropic`, `ollama`, `openai-compatible`, `local`.
    public static let providerName = "gen_ai.provider.name"
    /// The model spec the script called (`openai:gpt-4o-mini`).
    public static let requestModel = "gen_ai.request.model"
    /// The `max_tokens` parameter.
    public static let requestMaxTokens = "gen_ai.request.max_tokens"
    /// The `temperature` parameter.
    public static let requestTemperature = "gen_ai.request.temperature"
    /// The `top_p` parameter.
    public static let requestTopP = "gen_ai.request.top_p"
    /// The `top_k` parameter (a double in the conventions).
    public static let requestTopK = "gen_ai.request.top_k"
    /// The `seed` parameter.
    public static let requestSeed = "gen_ai.request.seed"
    /// The `stop` strings, as a string array.
    public static let requestStopSequences = "gen_ai.request.stop_sequences"
    /// The `presence_penalty` parameter.
    public static let requestPresencePenalty = "gen_ai.request.presence_penalty"
    /// The `frequency_penalty` parameter.
    public static let requestFrequencyPenalty = "gen_ai.request.frequency_penalty"
    /// The model that answered (for a fallback list, the one that did).
    public static let responseModel = "gen_ai.response.model"
    /// Why generation stopped, as a string array (one entry: Quill asks for one choice).
    public static let responseFinishReasons = "gen_ai.response.finish_reasons"
    /// Every input token, cached ones included.
    public static let usageInputTokens = "gen_ai.usage.input_tokens"
    /// Output tokens.
    public static let usageOutputTokens = "gen_ai.usage.output_tokens"
    /// Input tokens read from the provider's prompt cache.
    public static let usageCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens"
    /// Input tokens written to the provider's prompt cache.
    public static let usageCacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens"
    /// A short class of failure (`http_429`, `timeout`, `budget_exceeded`, …).
    public static let errorType = "error.type"

    /// The call's id (also its span id, kept here as Quill's run store names it).
    public static let quillCallID = "quill.call.id"
    /// The hash of the prompt, the same for the same input in any run.
    public static let quillPromptHash = "quill.prompt_hash"
    /// The hash of the `prompt` declaration that made the input.
    public static let quillTemplateHash = "quill.template_hash"
    /// How the call ended: `ok`, `error`, `cancelled`, `refused`.
    public static let quillStatus = "quill.status"
    /// What the call cost in US dollars, as exact decimal text (absent when no price is known);
    /// on the run's span, the sum of the calls whose cost is known.
    public static let quillCostUSD = "quill.cost_usd"
    /// On the run's span: false when some call's cost was unknown, so `quill.cost_usd` is a floor.
    public static let quillCostComplete = "quill.cost_complete"
    /// For a call a budget refused: the most it could have cost, in US dollars.
    public static let quillBudgetNeededUSD = "quill.budget.needed_usd"
    /// Seconds from the request to the end.
    public static let quillLatency = "quill.latency_s"
    /// Seconds from the request to the first piece of text.
    public static let quillTimeToFirstToken = "quill.ttft_s"
    /// Output tokens per second after the first token.
    public static let quillTokensPerSecond = "quill.tokens_per_second"
    /// The span the call belongs to in the script (a batch item, an evaluation row).
    public static let quillParentSpan = "quill.parent_span"
    /// On the run's span: the script that ran.
    public static let quillScript = "quill.script"
    /// On the run's span: how many calls ended (answered, failed or refused).
    public static let quillCalls = "quill.calls"
    /// On the run's span: how many of them failed or were refused.
    public static let quillFailedCalls = "quill.failed_calls"
}

extension OTLPSpan {
    /// The span of a finished call (`response`, `error` or `budget` event), a child of `parent`.
    init(call event: CallEvent, traceId: String, parent: String) {
        let end = event.time
        let start = end - max(0, event.latency ?? 0)
        var a = OTLPAttributes()
        a.add(GenAIAttribute.operationName, event.operation)
        a.add(GenAIAttribute.providerName, event.provider)
        a.add(GenAIAttribute.requestModel, event.model)
        let p = event.parameters
        a.add(GenAIAttribute.requestMaxTokens, p.maxTokens)
        a.add(GenAIAttribute.requestTemperature, p.temperature)
        a.add(GenAIAttribute.requestTopP, p.topP)
        a.add(GenAIAttribute.requestTopK, p.topK.map(Double.init))
        a.add(GenAIAttribute.requestSeed, p.seed)
        a.add(GenAIAttribute.requestStopSequences, p.stop)
        a.add(GenAIAttribute.requestPresencePenalty, p.presencePenalty)
        a.add(GenAIAttribute.requestFrequencyPenalty, p.frequencyPenalty)
        if event.kind == .response {
            a.add(GenAIAttribute.responseModel, event.model)
            a.add(GenAIAttribute.responseFinishReasons, event.finishReason.map { [$0] })
        }
        if let u = event.usage {
            a.add(GenAIAttribute.usageInputTokens, u.inputTokens)
            a.add(GenAIAttribute.usageOutputTokens, u.outputTokens)
            a.add(GenAIAttribute.usageCacheReadInputTokens, u.cachedInputTokens)
            a.add(GenAIAttribute.usageCacheCreationInputTokens, u.cacheWriteTokens)
        }
        a.add(GenAIAttribute.errorType, event.errorType)
        a.add(GenAIAttribute.quillCallID, event.id)
        a.add(GenAIAttribute.quillPromptHash, event.promptHash)
        a.add(GenAIAttribute.quillTemplateHash, event.templateHash)
        a.add(GenAIAttribute.quillStatus, event.status.rawValue)
        // A budget event's cost is what the call might have cost, not what it did.
        let costKey = event.kind == .budget ? GenAIAttribute.quillBudgetNeededUSD : GenAIAttribute.quillCostUSD
        a.add(costKey, event.cost?.amount.map(Money.format))
        a.add(GenAIAttribute.quillLatency, event.latency)
        a.add(GenAIAttribute.quillTimeToFirstToken, event.timeToFirstToken)
        a.add(GenAIAttribute.quillTokensPerSecond, event.tokensPerSecond)
        a.add(GenAIAttribute.quillParentSpan, event.parentSpan)

        let failed = event.kind != .response
        // Call ids are span ids already; anything else (an event made by hand) gets a fresh one
        // so that one odd id cannot make the collector reject the batch.
        self.init(traceId: traceId, spanId: Self.isSpanID(event.id) ? event.id : Self.newSpanID(),
                  parentSpanId: parent, name: "\(event.operation) \(event.model)", kind: .client,
                  start: start, end: end, attributes: a.list,
                  status: failed ? .error(event.error ?? event.errorType) : .ok)
    }
}
