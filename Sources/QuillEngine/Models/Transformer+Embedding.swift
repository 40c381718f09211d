import Foundation

/// Text embeddings from a decoder: mean pooling of the final hidden states.
///
/// A decoder-only model has no pooled output of its own. The embedding of a token sequence is
/// the mean, over every position of the input, of the hidden state after the output norm (the
/// vector the output matrix would turn into logits), scaled to unit Euclidean length. This is
/// what llama.cpp computes with `--pooling mean --embd-normalize 2`, so vectors can be checked
/// against it and compared by dot product (cosine similarity).
extension Transformer {
    /// The unit-length mean-pooled embedding of `tokens` (`config.embeddingLength` values).
    ///
    /// Attention stays causal, as in generation: position i sees tokens 0…i. The sequence gets
    /// its own cache, sized for the input, and is read in passes of `maxBatch` tokens; each pass
    /// takes its turn with the generation passes of the same model.
    public func embedding(of tokens: [Int]) throws -> [Float] {
        guard !tokens.isEmpty else { throw ModelError("the input is empty: there is nothing to embed") }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError("token id \(bad) is out of range (vocabulary size \(config.vocabularySize))")
        }
        guard tokens.count <= config.contextLength else {
            throw ModelError("the input has \(tokens.count) tokens; the model's context holds \(config.contextLength): shorten it")
        }
        let d = config.embeddingLength
        let state = makeState(contextLength: tokens.count)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: maxBatch * d)
        defer { hidden.deallocate() }
        // Summed in Double: a long input adds thousands of rows, and the mean should not depend
        // on how the input was cut into passes.
        var sum = [Double](repeating: 0, count: d)
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + maxBatch)
            // The lock is taken per pass, so a long input lets generation passes run in between.
            passLock.withLock {
                _ = tokens[start..<end].withContiguousStorageIfAvailable { chunk in
                    forward(chunk, scratch: state, placement: Placement(sequence: state), allLogits: nil, isLast: false, hidden: hidden)
                }
            }
            for t in 0..<(end - start) {
                let row = hidden + t * d
                for i in 0..<d { sum[i] += Double(row[i]) }
            }
            start = end
        }
        return Self.unitLength(sum.map { $0 / Double(tokens.count) })
    }

    /// `vector` scaled to Euclidean length 1 (a zero vector stays zero).
    static func unitLength(_ vector: [Double]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return vector.map { Float($0) } }
        return vector.map { Float($0 / norm) }
    }
}
