import Foundation

/// A loaded model ready to generate: the transformer, its tokenizer and chat format.
///
/// ```swift
/// let model = try LocalModel(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let result = try model.generate(chat: [ChatMessage(role: "user", content: "Hi")]) { piece in
///     print(piece.text, terminator: "")
///     return true
/// }
/// ```
public final class LocalModel: @unchecked Sendable {
    public let file: GGUFFile
    public let transformer: Transformer
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    /// Seconds the load took (mapping, parsing, tokenizer tables).
    public let loadSeconds: Double

    public init(path: String, threads: Int? = nil, exactF32: Bool = false) throws {
        let start = MonotonicClock.now()
        file = try GGUFFile(path: path)
        transformer = try Transformer(file: file, threads: threads, exactF32: exactF32)
        tokenizer = try Tokenizer(file: file)
        chatTemplate = ChatTemplate(file: file)
        loadSeconds = MonotonicClock.now() - start
    }

    public var name: String { transformer.config.name }

    /// Generates a reply to a conversation, rendered with the model's chat template.
    public func generate(chat messages: [ChatMessage], options: GenerationOptions = GenerationOptions(),
                         onPiece: (GeneratedPiece) -> Bool = { _ in true }) throws -> GenerationResult {
        let prompt = chatTemplate.render(messages)
        return try generate(tokens: tokenizer.encode(prompt, addSpecial: true, parseSpecial: true), options: options, onPiece: onPiece)
    }

    /// Continues a plain text prompt.
    public func generate(prompt: String, options: GenerationOptions = GenerationOptions(),
                         onPiece: (GeneratedPiece) -> Bool = { _ in true }) throws -> GenerationResult {
        try generate(tokens: tokenizer.encode(prompt, addSpecial: true, parseSpecial: options.parseSpecial), options: options, onPiece: onPiece)
    }

    /// Continues a token sequence. `onPiece` sees each piece of text as it completes and may
    /// return false to stop.
    public func generate(tokens prompt: [Int], options: GenerationOptions,
                         onPiece: (GeneratedPiece) -> Bool) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw ModelError("the prompt is empty: nothing to continue") }
        let maxTokens = max(0, options.maxTokens)
        let state = transformer.makeState(contextLength: min(transformer.config.contextLength,
                                                             options.contextLength ?? prompt.count + maxTokens))
        guard prompt.count < state.contextLength else {
            throw ModelError("the prompt has \(prompt.count) tokens; the context holds \(state.contextLength)")
        }
        var sampler = Sampler(parameters: options.sampling, vocabularySize: transformer.config.vocabularySize)
        var decoder = TokenStreamDecoder(tokenizer: tokenizer)
        var stops = StopStringMatcher(options.stop)
        var history = prompt
        var generated: [SampledToken] = []
        var text = ""
        var finish = GenerationResult.FinishReason.length

        let t0 = MonotonicClock.now()
        try transformer.evaluate(prompt, state: state)
        let t1 = MonotonicClock.now()
        generation: while generated.count < maxTokens {
            let token = sampler.sample(state.lastLogits, history: history[...])
            if tokenizer.vocabulary.endOfGeneration.contains(token.id) {
                finish = .endOfSequence
                break
            }
            generated.append(token)
            history.append(token.id)
            let (emit, stopped) = stops.feed(decoder.append(token.id))
            text += emit
            if !emit.isEmpty || stopped, !onPiece(GeneratedPiece(text: emit, token: token)) {
                finish = .cancelled
                break
            }
            if stopped { finish = .stopString; break }
            if generated.count == maxTokens { break }
            guard state.position < state.contextLength else { finish = .contextFull; break generation }
            try transformer.evaluate([token.id], state: state)
        }
        if finish != .stopString {
            let rest = stops.flush() + decoder.flush()
            if !rest.isEmpty {
                text += rest
                _ = onPiece(GeneratedPiece(text: rest, token: nil))
            }
        }
        let t2 = MonotonicClock.now()
        return GenerationResult(text: text, tokens: generated, promptTokens: prompt.count, finishReason: finish,
                                promptSeconds: t1 - t0, generationSeconds: t2 - t1, cacheBytes: state.cacheBytes)
    }
}

/// What to generate: sampling, length, stop conditions.
public struct GenerationOptions: Sendable {
    public var sampling = SamplingParameters()
    public var maxTokens = 256
    /// Generation ends when the text contains one of these (the stop string is not returned).
    public var stop: [String] = []
    /// Context to reserve (default: prompt + maxTokens).
    public var contextLength: Int? = nil
    /// For plain prompts: turn special-token text into special tokens.
    public var parseSpecial = true
    public init() {}
}

/// A piece of generated text as it becomes complete.
public struct GeneratedPiece: Sendable {
    public var text: String
    /// The token that completed it (nil for text flushed at the end).
    public var token: SampledToken?
}

public struct GenerationResult: Sendable {
    public enum FinishReason: String, Sendable {
        case endOfSequence = "stop", stopString = "stop_string", length, cancelled, contextFull = "context_full"
    }

    public var text: String
    public var tokens: [SampledToken]
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var promptSeconds: Double
    public var generationSeconds: Double
    /// Size of the sequence's KV cache (reserved for the whole context of the request).
    public var cacheBytes: Int

    public var tokenIDs: [Int] { tokens.map(\.id) }
}

/// Seconds on the monotonic clock, for timing loads and generations.
public enum MonotonicClock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
