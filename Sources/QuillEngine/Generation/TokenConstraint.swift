/// Grammar-constrained sampling for one sequence: a token is taken only if its bytes keep
/// the text a valid prefix of the grammar, so structured output parses by construction.
///
/// The sampler draws from the unmasked distribution first and the draw is kept when the
/// grammar allows it; only a rejected draw pays for the full mask (a walk of the vocabulary
/// trie) and a second draw from the masked logits. Sampling-then-resampling from the masked
/// distribution this way gives exactly the masked distribution for plain sampling:
/// P(x) = p(x) + (1 − P(A))·p(x)/P(A) = p(x)/P(A) for every allowed x. (With top-k/top-p the
/// second draw truncates the masked distribution, as llama.cpp's grammar sampling does.)
struct TokenConstraint {
    private(set) var matcher: GrammarMatcher
    let trie: TokenTrie
    private var mask: [Bool]
    private var masked: [Float]

    init(grammar: Grammar, trie: TokenTrie) {
        matcher = GrammarMatcher(grammar: grammar)
        self.trie = trie
        mask = [Bool](repeating: false, count: trie.vocabularySize)
        masked = [Float](repeating: 0, count: trie.vocabularySize)
    }

    /// Draws the next token under the grammar.
    mutating func sample(_ sampler: inout Sampler, _ logits: UnsafeBufferPointer<Float>,
                         history: ArraySlice<Int>) throws -> SampledToken {
        let first = sampler.sample(logits, history: history)
        if matcher.allows(token: first.id, in: trie) { return first }
        matcher.allowedTokens(trie, into: &mask)
        var any = false
        for i in 0..<masked.count {
            masked[i] = mask[i] ? logits[i] : -Float.infinity
            any = any || mask[i]
        }
        guard any else {
            throw ModelError("the output grammar admits no token of this vocabulary after \(history.count) tokens")
        }
        return masked.withUnsafeBufferPointer { sampler.sample($0, history: history) }
    }

    /// Advances the grammar over a taken token; false when nothing more may follow.
    mutating func accept(_ token: Int) throws -> Bool {
        try matcher.accept(trie.bytes(of: token))
        return matcher.canContinue
    }

    var isComplete: Bool { matcher.isComplete }
}
