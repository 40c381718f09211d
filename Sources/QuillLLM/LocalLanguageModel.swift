import Foundation
import QuillEngine

/// The bundled CPU core as a `LanguageModel`: a GGUF model run in-process. Requests from
/// any number of threads or tasks share the model's `GenerationScheduler`, so concurrent
/// requests are decoded together. Output constraints are enforced token by token.
public final class LocalLanguageModel: LanguageModel, @unchecked Sendable {
    public let name: String
    public let model: LocalModel
    public let cacheIdentity: String
    public var enforcesConstraints: Bool { enforcing }
    private let enforcing: Bool

    /// Loads a model file, with the KV cache type `QUILL_KV_CACHE_TYPE` names (f32 by default).
    /// `enforceConstraints: false` generates freely and leaves validation
    /// and repair to `LLMClient` (how hosted providers are handled; useful for testing that path).
    public init(name: String, path: String, enforceConstraints: Bool = true) throws {
        self.name = name
        do {
            model = try LocalModel(path: path, cacheType: try KVCacheType.fromEnvironment())
        } catch {
            throw LLMError.unavailable(model: name, message: "\(error)")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? Int) ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        cacheIdentity = "local:\((path as NSString).lastPathComponent):\(size):\(Int(modified))"
        enforcing = enforceConstraints
    }

    /// One instance per (file, enforcement), so every `model("local")` of a process shares
    /// the weights and the scheduler — which is what lets concurrent requests batch.
    public static func shared(name: String, path: String, enforceConstraints: Bool = true) throws -> LocalLanguageModel {
        let key = "\(path)|\(enforceConstraints)"
        return try registry.withLock { models in
            if let m = models[key] { return m }
            let m = try LocalLanguageModel(name: name, path: path, enforceConstraints: enforceConstraints)
            models[key] = m
            return m
        }
    }
    private static let registry = Locked<[String: LocalLanguageModel]>([:])

    public func tokenize(_ text: String) throws -> [Int] {
        model.tokenizer.encode(text, addSpecial: false, parseSpecial: false)
    }

    public func countTokens(_ input: LLMInput) throws -> Int { promptTokens(input).count }

    /// The tokens the model reads for an input: messages through the chat template.
    func promptTokens(_ input: LLMInput) -> [Int] {
        switch input {
        case .messages(let messages):
            let rendered = model.chatTemplate.render(messages)
            return model.tokenizer.encode(rendered, addSpecial: true, parseSpecial: true)
        case .text(let text):
            return model.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        }
    }

    public func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error> {
        AsyncThrowingStream { continuation in
            do {
                let options = try generationOptions(request)
                let prompt = promptTokens(request.input)
                let started = MonotonicClock.now()
                let firstText = Locked<Double?>(nil)
                let tokenizer = model.tokenizer
                let name = self.name, streaming = request.stream
                let ticket = try model.scheduler.submit(tokens: prompt, options: options) { event in
                    switch event {
                    case .piece(let piece):
                        if !piece.text.isEmpty { firstText.withLock { t in if t == nil { t = MonotonicClock.now() } } }
                        guard streaming else { break }
                        let token = piece.token.map { Self.token($0, tokenizer) }
                        continuation.yield(.delta(piece.text, token: token))
                    case .finished(let result):
                        let end = MonotonicClock.now()
                        let tokens = result.tokens.map { Self.token($0, tokenizer) }
                        continuation.yield(.done(LLMResponse(
                            model: name, text: result.text, finishReason: result.finishReason.rawValue,
                            usage: LLMUsage(inputTokens: result.promptTokens, outputTokens: result.tokens.count,
                                            cachedInputTokens: result.cachedPromptTokens),
                            latency: end - started, timeToFirstToken: firstText.withLock { $0 }.map { $0 - started },
                            templateHash: request.templateHash, tokens: tokens)))
                        continuation.finish()
                    case .failed(let error):
                        continuation.finish(throwing: LLMError.provider(model: name, message: error.message))
                    }
                }
                continuation.onTermination = { reason in
                    if case .cancelled = reason { ticket.cancel() }
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// A sampled token as the LLM layer reports it, with its alternatives when they were asked for.
    static func token(_ sampled: SampledToken, _ tokenizer: Tokenizer) -> LLMToken {
        func text(_ id: Int) -> String { String(decoding: tokenizer.bytes(of: id), as: UTF8.self) }
        return LLMToken(id: sampled.id, text: text(sampled.id), logprob: Double(sampled.logprob),
                        alternatives: sampled.alternatives.map { LLMToken(id: $0.id, text: text($0.id), logprob: Double($0.logprob)) })
    }

    /// The engine's options for a request, with every setting range-checked.
    func generationOptions(_ request: LLMRequest) throws -> GenerationOptions {
        let p = request.parameters
        var options = GenerationOptions()
        var s = SamplingParameters()
        if let t = p.temperature {
            guard t >= 0, t.isFinite else { throw LLMError.invalidParameter(name: "temperature", message: "must be ≥ 0, got \(t)") }
            s.temperature = Float(t)
        }
        if let v = p.topP {
            guard v > 0, v <= 1 else { throw LLMError.invalidParameter(name: "top_p", message: "must be in (0, 1], got \(v)") }
            s.topP = Float(v)
        }
        if let v = p.topK {
            guard v >= 0 else { throw LLMError.invalidParameter(name: "top_k", message: "must be ≥ 0 (0: all tokens), got \(v)") }
            s.topK = v
        }
        if let v = p.minP {
            guard v >= 0, v <= 1 else { throw LLMError.invalidParameter(name: "min_p", message: "must be in [0, 1], got \(v)") }
            s.minP = Float(v)
        }
        if let v = p.repetitionPenalty {
            guard v > 0 else { throw LLMError.invalidParameter(name: "repeat_penalty", message: "must be > 0 (1: off), got \(v)") }
            s.repetitionPenalty = Float(v)
        }
        if let v = p.presencePenalty { s.presencePenalty = Float(v) }
        if let v = p.frequencyPenalty { s.frequencyPenalty = Float(v) }
        if let v = p.seed { s.seed = UInt64(bitPattern: Int64(v)) }
        if let v = p.topLogprobs {
            guard (0...20).contains(v) else { throw LLMError.invalidParameter(name: "logprobs", message: "must be in 0...20, got \(v)") }
            s.topLogprobs = v
        }
        options.sampling = s
        if let v = p.maxTokens {
            guard v >= 0 else { throw LLMError.invalidParameter(name: "max_tokens", message: "must be ≥ 0, got \(v)") }
            options.maxTokens = v
        }
        options.stop = p.stop ?? []
        if case .text = request.input { options.parseSpecial = false }
        if enforcing, let constraint = request.constraint {
            options.grammar = try Self.grammar(for: constraint)
        }
        return options
    }

    private static let grammars = GrammarCache()

    /// The compiled grammar of a constraint (compiled once per distinct constraint).
    static func grammar(for constraint: OutputConstraint) throws -> Grammar {
        do {
            switch constraint {
            case .jsonSchema(let schema): return try grammars.jsonSchema(schema)
            case .regex(let pattern): return try grammars.regex(pattern)
            case .choices(let options): return try grammars.choices(options)
            case .grammar(let text): return try grammars.gbnf(text)
            }
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError.invalidConstraint("\(error)")
        }
    }
}
