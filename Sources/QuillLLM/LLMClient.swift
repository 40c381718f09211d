import Foundation
import QuillEngine

/// Runs requests against a model with what every provider shares: the response cache and
/// structured output. Constrained models (the local core) produce valid output by
/// construction and it is only parsed; for the others the shape is described in the prompt,
/// the output validated, and invalid output sent back with the problems for another try.
/// Both paths return the same thing: a response whose `value` fits the constraint.
///
/// With a `CallMonitor`, every call is also reported (events), priced, recorded in the
/// monitor's totals and checked against its budgets before anything is sent.
public struct LLMClient: Sendable {
    public let model: any LanguageModel
    public let cache: ResponseCache?
    public let monitor: CallMonitor?
    /// Extra attempts for unconstrained models whose output does not fit.
    public var maxRepairs = 2

    public init(model: any LanguageModel, cache: ResponseCache? = nil, monitor: CallMonitor? = nil) {
        self.model = model
        self.cache = cache
        self.monitor = monitor
    }

    public func complete(_ request: LLMRequest, context: CallContext = CallContext(),
                         onDelta: ((String) -> Void)? = nil) async throws -> LLMResponse {
        let tracker = monitor.map { CallTracker(monitor: $0, model: model, request: request, context: context) }
        let cacheKey = request.useCache ? cache.map { ($0, $0.key(for: request, model: model)) } : nil
        if let (cache, key) = cacheKey, var hit = cache.lookup(key) {
            hit.templateHash = request.templateHash ?? hit.templateHash
            onDelta?(hit.text)
            return tracker?.cacheHit(hit) ?? hit
        }
        if let tracker, tracker.monitor.dryRun { return tracker.dryRun() }
        var response: LLMResponse
        do {
            response = try await run(request, tracker: tracker, onDelta: tracker?.deltas(onDelta) ?? onDelta)
        } catch {
            tracker?.failed(error)
            throw error
        }
        response.templateHash = request.templateHash
        if let tracker { response = tracker.finished(response) }
        if let (cache, key) = cacheKey, response.finishReason != "cancelled" { cache.store(response, for: key) }
        return response
    }

    /// One request to the model, after the budgets admit it (each repair round is one more).
    private func send(_ request: LLMRequest, tracker: CallTracker?, onDelta: ((String) -> Void)?) async throws -> LLMResponse {
        guard let tracker else { return try await model.complete(request, onDelta: onDelta) }
        try tracker.admit()
        tracker.requested()
        return try await model.complete(request, onDelta: onDelta, onRetry: { tracker.retried($0) })
    }

    private func run(_ request: LLMRequest, tracker: CallTracker?, onDelta: ((String) -> Void)?) async throws -> LLMResponse {
        guard let constraint = request.constraint else { return try await send(request, tracker: tracker, onDelta: onDelta) }
        let validator = try StructuredOutput(constraint)
        if model.enforcesConstraints {
            var response = try await send(request, tracker: tracker, onDelta: onDelta)
            let (value, problems) = validator.check(response.text)
            guard problems.isEmpty else {
                var reasons = problems
                if response.finishReason == "length" {
                    reasons.insert("the output was cut at max_tokens=\(response.usage.outputTokens); raise max_tokens", at: 0)
                }
                throw LLMError.invalidOutput(model: model.name, problems: reasons, output: response.text)
            }
            response.value = value
            return response
        }
        // Unconstrained: ask, validate, and feed the problems back.
        var attempt = request
        attempt.input = .messages(validator.instructed(request.input))
        var total = LLMUsage(inputTokens: 0, outputTokens: 0)
        var repairs = 0
        while true {
            var response = try await send(attempt, tracker: tracker, onDelta: onDelta)
            total.inputTokens += response.usage.inputTokens
            total.outputTokens += response.usage.outputTokens
            total.cachedInputTokens += response.usage.cachedInputTokens
            total.cacheWriteTokens += response.usage.cacheWriteTokens
            let (value, problems) = validator.check(response.text)
            if problems.isEmpty {
                response.value = value
                response.usage = total
                response.repairs = repairs
                return response
            }
            guard repairs < maxRepairs else {
                throw LLMError.invalidOutput(model: model.name, problems: problems, output: response.text)
            }
            repairs += 1
            guard case .messages(var messages) = attempt.input else { break }
            messages.append(.assistant(response.text))
            messages.append(.user(validator.repairMessage(problems)))
            attempt.input = .messages(messages)
        }
        throw LLMError.invalidOutput(model: model.name, problems: ["no valid output"], output: "")
    }
}
