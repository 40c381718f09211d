import Foundation
import QuillEngine

/// One call as the monitor sees it: makes its events, holds its worst case against the
/// budgets while it runs, and charges what it really cost when it ends. `LLMClient` drives it.
final class CallTracker: @unchecked Sendable {
    let monitor: CallMonitor
    let model: any LanguageModel
    let request: LLMRequest
    let context: CallContext
    /// The identity every event of this call shares.
    let base: CallEvent
    private let started = MonotonicClock.now()
    private let state = Locked((firstToken: Double?.none, holds: [(limit: SpendLimit, amount: Decimal)]()))

    init(monitor: CallMonitor, model: any LanguageModel, request: LLMRequest, context: CallContext) {
        self.monitor = monitor
        self.model = model
        self.request = request
        self.context = context
        let operation = if case .messages = request.input { "chat" } else { "text_completion" }
        base = CallEvent(kind: .request, id: CallEvent.newID(), parentSpan: context.parentSpan, model: model.name,
                         provider: CallEvent.provider(of: model.name), operation: operation,
                         promptHash: CallEvent.promptHash(request.input), templateHash: request.templateHash,
                         parameters: request.parameters, input: monitor.redactContent ? nil : request.input,
                         constraint: request.constraint)
    }

    private var elapsed: Double { MonotonicClock.now() - started }

    func emit(_ event: CallEvent) {
        monitor.bus.publish(event)
        context.observe?(event)
    }

    private func wants(_ kind: CallEvent.Kind) -> Bool {
        monitor.bus.wants(kind) || (context.observe != nil && (kind != .token || context.wantsTokens))
    }

    // MARK: Budgets

    /// The specs a call may be answered by (several for a fallback list).
    private var specs: [String] { model.name.components(separatedBy: " | ") }

    /// The most this call can cost, and how that was worked out; nil cost when a price is unknown.
    func worstCase() -> (cost: Decimal?, detail: String) {
        let (tokens, exact) = InputTokens.atMost(request.input, model: model)
        var worst: Decimal = 0
        var detail = ""
        for spec in specs {
            guard let price = monitor.prices.price(for: spec) else {
                return (nil, "no price is known for \(spec); set one with set_price(\"\(spec)\", input: …, output: …)")
            }
            let maxOutput = maxOutputTokens(spec, price)
            let cost = price.worstCase(inputTokens: tokens, maxOutput: maxOutput)
            if cost >= worst {
                worst = cost
                detail = "\(exact ? "" : "at most ")\(tokens) input tokens and up to \(maxOutput) output tokens"
            }
        }
        return (worst, detail)
    }

    private func maxOutputTokens(_ spec: String, _ price: ModelPrice) -> Int {
        if let n = request.parameters.maxTokens { return n }
        if CallEvent.provider(of: spec) == "anthropic" { return AnthropicWire.defaultMaxTokens }
        return price.maxOutputTokens ?? 4096
    }

    /// Holds the call's worst case in every budget that covers it, or refuses it (a `budget`
    /// event, then `BudgetExceeded`) before anything is sent.
    func admit() throws {
        let limits = monitor.spendLimits.filter { l in specs.contains { l.covers($0) } } + context.limits
        guard !limits.isEmpty else { return }
        let (needed, detail) = worstCase()
        var held: [(limit: SpendLimit, amount: Decimal)] = []
        for limit in limits {
            if let needed, limit.hold(needed) {
                held.append((limit, needed))
                continue
            }
            for h in held { h.limit.settle(held: h.amount, spent: 0) }
            let refusal = BudgetExceeded(model: model.name, scope: limit.scope, limit: limit.limit,
                                         spent: limit.spent + limit.held, needed: needed, detail: detail)
            var event = base.next(.budget)
            event.status = .refused
            event.cost = needed.map { .usd($0) } ?? .unknown
            event.error = refusal.description
            event.errorType = "budget_exceeded"
            emit(event)
            throw refusal
        }
        state.withLock { $0.holds += held }
    }

    private func settle(_ cost: Decimal) {
        let holds = state.withLock { s in defer { s.holds = [] }; return s.holds }
        for h in holds { h.limit.settle(held: h.amount, spent: cost) }
    }

    // MARK: Events

    func requested() { emit(base.next(.request)) }

    /// Wraps the caller's delta handler so that the first piece of text makes a `first_token`
    /// event and every piece a `token` event when someone listens; nil when nobody needs deltas.
    func deltas(_ onDelta: ((String) -> Void)?) -> ((String) -> Void)? {
        let tokens = wants(.token), first = wants(.firstToken)
        guard onDelta != nil || tokens || first else { return nil }
        return { [self] text in
            if !text.isEmpty {
                let ttft = state.withLock { s -> Double? in
                    guard s.firstToken == nil else { return nil }
                    s.firstToken = elapsed
                    return s.firstToken
                }
                if let ttft, first {
                    var e = base.next(.firstToken)
                    e.timeToFirstToken = ttft
                    emit(e)
                }
            }
            if tokens {
                var e = base.next(.token)
                e.text = text
                emit(e)
            }
            onDelta?(text)
        }
    }

    func retried(_ retry: RetryEvent) {
        var e = base.next(.retry)
        e.retry = retry
        e.error = retry.reason
        emit(e)
    }

    /// A response from the response cache: free, nothing sent.
    func cacheHit(_ response: LLMResponse) -> LLMResponse {
        var r = response
        r.cost = .usd(0)
        var e = base.next(.cacheHit)
        e.status = .cached
        e.usage = response.usage
        e.cost = .usd(0)
        e.latency = elapsed
        e.text = monitor.redactContent ? nil : response.text
        e.finishReason = response.finishReason
        emit(e)
        return r
    }

    /// Charges a finished call and reports it; returns the response with its cost.
    func finished(_ response: LLMResponse) -> LLMResponse {
        var r = response
        if r.usage.inputTokens == 0, r.usage.outputTokens == 0, !r.text.isEmpty, base.provider != "local" {
            // A provider (or proxy) that ignores the request for usage: estimate rather than call it free.
            monitor.warnOnce("usage:" + r.model, "\(r.model) reported no token usage; its cost is estimated from the text's length")
            r.usage = LLMUsage(inputTokens: InputTokens.estimate(request.input), outputTokens: (r.text.utf8.count + 3) / 4)
        }
        let cost = monitor.cost(of: r.model, usage: r.usage, seconds: r.latency)
        r.cost = cost
        settle(cost.amount ?? 0)
        var e = base.next(.response)
        e.model = r.model
        e.provider = CallEvent.provider(of: r.model)
        e.status = r.finishReason == "cancelled" ? .cancelled : .ok
        e.usage = r.usage
        e.latency = r.latency
        e.timeToFirstToken = r.timeToFirstToken ?? state.withLock { $0.firstToken }
        let generating = r.latency - (e.timeToFirstToken ?? 0)
        if r.usage.outputTokens > 0, generating > 0 { e.tokensPerSecond = Double(r.usage.outputTokens) / generating }
        e.cost = cost
        e.finishReason = r.finishReason
        e.repairs = r.repairs
        e.text = monitor.redactContent ? nil : r.text
        emit(e)
        return r
    }

    /// Reports a failed call and releases its holds (a failure is charged nothing: a provider
    /// bills no tokens for a request it refused, and none were reported for one cut off).
    func failed(_ error: Error) {
        settle(0)
        var e = base.next(.error)
        let cancelled = error is CancellationError
        e.status = cancelled ? .cancelled : .error
        e.latency = elapsed
        e.error = cancelled ? "cancelled" : "\(error)"
        e.errorType = CallEvent.errorType(of: error)
        emit(e)
    }

    /// `--dry-run` and `estimate`: prices the call and answers with a stub, sending nothing.
    func dryRun() -> LLMResponse {
        let (tokens, _) = InputTokens.about(request.input, model: model)
        let spec = specs[0]
        let price = monitor.prices.price(for: spec)
        let maxOutput = price.map { maxOutputTokens(spec, $0) } ?? request.parameters.maxTokens ?? 0
        let usage = LLMUsage(inputTokens: tokens, outputTokens: maxOutput)
        let cost: Cost = price.map { .usd($0.worstCase(inputTokens: tokens, maxOutput: maxOutput)) } ?? .unknown
        let (text, value) = DryRunStub.answer(for: request.constraint)
        var e = base.next(.response)
        e.status = .dryRun
        e.usage = usage
        e.cost = cost
        e.latency = 0
        e.finishReason = "dry_run"
        e.text = text
        emit(e)
        return LLMResponse(model: model.name, text: text, value: value, finishReason: "dry_run", usage: usage,
                           latency: 0, timeToFirstToken: nil, templateHash: request.templateHash, cost: cost)
    }
}
