/// Grammar-constrained sampling for one sequence: a token is taken only if its bytes keep
/// the text a valid prefix of the grammar, so structured output parses by construction.
///
/// The sampler draws from the unmasked distribution first and the draw is kept when the
/// grammar allows it; only a rejected draw pays for the full mask (a walk of the vocabulary
/// trie) and a second draw from the masked logits. Sampling-then-resampling from the masked
/// distribution this way gives exactly the masked distribution: P(x) = p(x) + (1 − P(A))·p(x)/P(A)
/// = p(x)/P(A) for every allowed x.
struct TokenConstraint {
    private(set) var matcher: GrammarMatcher
    let trie: TokenTrie
    let tokenizer: Tokenizer
    private var mask: [Bool]
    private var masked: [Float]

    init(grammar: Grammar, trie: TokenTrie, tokenizer: Tokenizer) {
        matcher = GrammarMatcher(grammar: grammar)
        self.trie = trie
        self.tokenizer = tokenizer
        mask = [Bool](repeating: false, count: tokenizer.vocabulary.count)
        masked = [Float](repeating: 0, count: tokenizer.vocabulary.count)
    }

    /// Whether the grammar admits `token` next. End-of-generation tokens are admitted only
    /// when the text is complete; other control tokens never (they have no text to check).
    func allows(_ token: Int) -> Bool {
        if tokenizer.vocabulary.endOfGeneration.contains(token) { return matcher.isComplete }
        switch tokenizer.vocabulary.kinds[token] {
        case .control, .unknown, .unused: return false
        default:
            let bytes = tokenizer.bytes(of: token)
            return !bytes.isEmpty && matcher.allows(bytes)
        }
    }

    /// Draws the next token under the grammar.
    mutating func sample(_ sampler: inout Sampler, _ logits: UnsafeBufferPointer<Float>,
                         history: ArraySlice<Int>) throws -> SampledToken {
        let first = sampler.sample(logits, history: history)
        if allows(first.id) { return first }
        matcher.allowedTokens(trie, into: &mask)
        var any = false
        for id in tokenizer.vocabulary.endOfGeneration where id < mask.count { mask[id] = matcher.isComplete }
        for i in 0..<masked.count {
            masked[i] = mask[i] ? logits[i] : -Float.infinity
            any = any || mask[i]
        }
        guard any else {
            throw ModelError("the output grammar admits no token after \(history.count) tokens: no token of this vocabulary continues the text")
        }
        return masked.withUnsafeBufferPointer { sampler.sample($0, history: history) }
    }

    /// Advances the grammar over a taken token; false when nothing more may follow.
    mutating func accept(_ token: Int) throws -> Bool {
        try matcher.accept(tokenizer.bytes(of: token))
        return matcher.canContinue
    }

    var isComplete: Bool { matcher.isComplete }
}
