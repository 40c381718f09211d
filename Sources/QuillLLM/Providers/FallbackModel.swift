import QuillEngine

/// Several models tried in order: `model(["openai:gpt-4o-mini", "local"])`. A request goes
/// to the first; if it fails before any text arrived, to the next, and so on. The response's
/// `model` names the one that answered. Text already delivered cannot be taken back, so a
/// failure after the first delta is reported as it is rather than retried elsewhere.
public final class FallbackModel: LanguageModel, @unchecked Sendable {
    public let models: [any LanguageModel]
    /// Models of the list that could not be opened (a missing key), with why: named in the
    /// error when every model fails.
    public let unavailable: [String]

    public init(models: [any LanguageModel], unavailable: [String] = []) {
        self.models = models
        self.unavailable = unavailable
    }

    public var name: String { models.map(\.name).joined(separator: " | ") }
    /// Constrained decoding only when every model does it; otherwise all are asked and validated.
    public var enforcesConstraints: Bool { models.allSatisfy(\.enforcesConstraints) }
    public var cacheIdentity: String { models.map(\.cacheIdentity).joined(separator: "|") }

    public func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var failures = self.unavailable
                for model in self.models {
                    var delivered = false
                    do {
                        for try await event in model.stream(request) {
                            if case .delta = event { delivered = true }
                            continuation.yield(event)
                        }
                        continuation.finish()
                        return
                    } catch {
                        if delivered || error is CancellationError || Task.isCancelled {
                            continuation.finish(throwing: error)
                            return
                        }
                        failures.append("\(error)")
                    }
                }
                continuation.finish(throwing: LLMError.allFailed(failures))
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The first model's tokenizer that works (hosted models have none).
    public func tokenize(_ text: String) throws -> [Int] {
        try firstAnswer { try $0.tokenize(text) }
    }

    public func countTokens(_ input: LLMInput) throws -> Int {
        try firstAnswer { try $0.countTokens(input) }
    }

    private func firstAnswer<T>(_ body: (any LanguageModel) throws -> T) throws -> T {
        var last: Error = LLMError.allFailed(unavailable)
        for model in models {
            do { return try body(model) } catch { last = error }
        }
        throw last
    }
}
