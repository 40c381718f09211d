/// The per-sequence half of generation: turns each step's logits into the next token and
/// the text it completes, and decides when the sequence ends (end token, stop string,
/// grammar complete, length). The forward passes are someone else's (`GenerationScheduler`),
/// so one decoder serves a lone request and a sequence in a batch alike.
struct SequenceDecoder {
    let promptCount: Int
    let maxTokens: Int
    private(set) var history: [Int]
    private(set) var generated: [SampledToken] = []
    private(set) var text = ""
    /// Set when the sequence has ended.
    private(set) var finish: GenerationResult.FinishReason?
    private var sampler: Sampler
    private var decoder: TokenStreamDecoder
    private var stops: StopStringMatcher
    private var constraint: TokenConstraint?
    private let endOfGeneration: Set<Int>

    init(prompt: [Int], options: GenerationOptions, tokenizer: Tokenizer, vocabularySize: Int,
         constraint: TokenConstraint?) {
        promptCount = prompt.count
        maxTokens = max(0, options.maxTokens)
        history = prompt
        sampler = Sampler(parameters: options.sampling, vocabularySize: vocabularySize)
        decoder = TokenStreamDecoder(tokenizer: tokenizer)
        stops = StopStringMatcher(options.stop)
        self.constraint = constraint
        endOfGeneration = tokenizer.vocabulary.endOfGeneration
        if maxTokens == 0 { finish = .length }
    }

    /// One step: samples from `logits`, and returns the text that became complete (held back
    /// while it may be the start of a stop string) with the token that produced it. After the
    /// step, `finish` says whether the sequence ended; if not, `history.last` is the token
    /// to evaluate next.
    mutating func step(_ logits: UnsafeBufferPointer<Float>) throws -> GeneratedPiece? {
        precondition(finish == nil, "step after the sequence finished")
        let token = constraint == nil
            ? sampler.sample(logits, history: history[...])
            : try constraint!.sample(&sampler, logits, history: history[...])
        if endOfGeneration.contains(token.id) {
            finish = .endOfSequence
            return nil
        }
        generated.append(token)
        history.append(token.id)
        if var c = constraint {
            constraint = nil  // keep the matcher uniquely referenced while it advances
            if try !c.accept(token.id) { finish = .endOfSequence }
            constraint = c
        }
        let (emit, stopped) = stops.feed(decoder.append(token.id))
        text += emit
        if stopped {
            finish = .stopString
        } else if finish == nil, generated.count >= maxTokens {
            finish = .length
        }
        return emit.isEmpty && !stopped ? nil : GeneratedPiece(text: emit, token: token, tokenCount: generated.count)
    }

    /// Ends the sequence early (cancelled by the caller, or its context is full).
    mutating func end(_ reason: GenerationResult.FinishReason) {
        if finish == nil { finish = reason }
    }

    /// Text still held back (a partial stop string or character) once the sequence is over;
    /// dropped after a stop string, since it belongs to the stop.
    mutating func flush() -> String {
        guard finish != .stopString else { return "" }
        let rest = stops.flush() + decoder.flush()
        text += rest
        return rest
    }

    /// Whether the output grammar, if any, accepts the text as complete.
    var constraintSatisfied: Bool { constraint?.isComplete ?? true }
}
