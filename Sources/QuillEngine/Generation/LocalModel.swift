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

    /// Loads a model file. `cacheType` is the element type of the sequences' KV caches (see
    /// `KVCacheType`).
    public init(path: String, threads: Int? = nil, exactF32: Bool = false, cacheType: KVCacheType = .f32) throws {
        let start = MonotonicClock.now()
        file = try GGUFFile(path: path)
        transformer = try Transformer(file: file, threads: threads, exactF32: exactF32, cacheType: cacheType)
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

    /// Serves this model's generations; concurrent requests are decoded together.
    public var scheduler: GenerationScheduler {
        schedulerLock.withLock {
            if let s = _scheduler { return s }
            let s = GenerationScheduler(model: self)
            _scheduler = s
            return s
        }
    }
    private var _scheduler: GenerationScheduler?
    private let schedulerLock = NSLock()

    /// Continues a token sequence. `onPiece` sees each piece of text as it completes (on the
    /// calling thread) and may return false to stop. Safe to call from several threads at
    /// once: the calls are decoded together by `scheduler`.
    public func generate(tokens prompt: [Int], options: GenerationOptions,
                         onPiece: (GeneratedPiece) -> Bool) throws -> GenerationResult {
        let channel = BlockingQueue<GenerationEvent>()
        let ticket = try scheduler.submit(tokens: prompt, options: options) { channel.push($0) }
        // After `onPiece` says stop, the scheduler may already have decoded further: what it
        // sends after that point is dropped, and the result ends where the caller stopped.
        var stoppedAt: (tokens: Int, text: String)?
        var text = ""
        while true {
            switch channel.pop() {
            case .piece(let piece):
                guard stoppedAt == nil else { continue }
                text += piece.text
                if !onPiece(piece) {
                    stoppedAt = (piece.tokenCount, text)
                    ticket.cancel()
                }
            case .finished(var result):
                if let stoppedAt {
                    result.tokens = Array(result.tokens.prefix(stoppedAt.tokens))
                    result.text = stoppedAt.text
                    result.finishReason = .cancelled
                }
                return result
            case .failed(let error): throw error
            }
        }
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
    /// Output grammar: every token must keep the text a valid prefix (structured output).
    public var grammar: Grammar? = nil
    public init() {}
}

/// A piece of generated text as it becomes complete.
public struct GeneratedPiece: Sendable {
    public var text: String
    /// The token that completed it (nil for text flushed at the end).
    public var token: SampledToken?
    /// How many tokens the sequence has generated with this piece.
    public var tokenCount = 0
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
    /// Prompt tokens whose keys and values were copied from an earlier or concurrent request
    /// sharing the same start, instead of being computed (prefix caching).
    public var cachedPromptTokens: Int = 0

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
