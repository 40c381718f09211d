import CQuillKernels
import Foundation

/// A chosen token with its log-probability under the model and, when asked, the most
/// likely alternatives at that step.
public struct SampledToken: Sendable, Equatable {
    public var id: Int
    /// ln p(token) under the model's own distribution (the raw logits' softmax).
    public var logprob: Float
    public var alternatives: [(id: Int, logprob: Float)]

    public static func == (a: SampledToken, b: SampledToken) -> Bool {
        a.id == b.id && a.logprob == b.logprob && a.alternatives.map(\.id) == b.alternatives.map(\.id)
    }
}

/// Picks next tokens: penalties, then a chain of small samplers (top-k → top-p → min-p →
/// temperature, llama.cpp's order), then a draw from what remains with a seeded generator —
/// or the arg-max at temperature 0.
public struct Sampler {
    public let parameters: SamplingParameters
    private var penalties: Penalties
    /// The penalized copy of the logit row (empty without penalties).
    private var penalized: [Float]
    private var chain: [any TokenSampler]
    private var candidates: Candidates
    private var rng: RandomGenerator

    public init(parameters: SamplingParameters, vocabularySize: Int) {
        self.parameters = parameters
        penalties = Penalties(repetition: parameters.repetitionPenalty, presence: parameters.presencePenalty,
                              frequency: parameters.frequencyPenalty)
        penalized = penalties.isActive ? [Float](repeating: 0, count: vocabularySize) : []
        // Top-k is taken as the candidates are loaded (`Candidates.load(_:top:)`).
        chain = [TopPSampler(p: parameters.topP), MinPSampler(p: parameters.minP),
                 TemperatureSampler(temperature: parameters.temperature)]
        candidates = Candidates(capacity: vocabularySize)
        rng = RandomGenerator(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Chooses the next token from a logit row; `history` is the sequence so far.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: ArraySlice<Int>) -> SampledToken {
        guard penalties.isActive, !history.isEmpty else { return choose(from: logits, logits: logits) }
        let count = min(logits.count, penalized.count)
        // Taken out of self for the closure, which calls mutating methods (no copy is made).
        var row = penalized
        penalized = []
        defer { penalized = row }
        return row.withUnsafeMutableBufferPointer { buffer in
            let part = UnsafeMutableBufferPointer(rebasing: buffer[..<count])
            _ = part.update(fromContentsOf: logits.prefix(count))
            penalties.apply(to: part, history: history.suffix(parameters.penaltyWindow))
            return choose(from: UnsafeBufferPointer(part), logits: logits)
        }
    }

    /// Samples from `row` (the logits, penalized); `logits` are the model's own, for logprobs.
    private mutating func choose(from row: UnsafeBufferPointer<Float>, logits: UnsafeBufferPointer<Float>) -> SampledToken {
        if parameters.temperature <= 0 {
            // The arg-max (the lowest id among equals), in one pass over the row.
            candidates.load(row, top: 1)
            return token(Int(candidates.entries[0].id), logits)
        }
        candidates.load(row, top: parameters.topK)
        for i in chain.indices { chain[i].apply(&candidates) }
        candidates.softmax()
        let r = rng.unit()
        var cumulative: Float = 0
        var chosen = candidates.count - 1
        for i in 0..<candidates.count {
            cumulative += candidates.entries[i].probability
            if r < cumulative { chosen = i; break }
        }
        return token(Int(candidates.entries[chosen].id), logits)
    }

    /// The chosen token with its log-probability (and the alternatives', when asked).
    private func token(_ id: Int, _ logits: UnsafeBufferPointer<Float>) -> SampledToken {
        // One log-sum-exp over the row serves the token's log-probability and its alternatives'.
        let normalizer = Self.logSumExp(logits)
        let alternatives = parameters.topLogprobs > 0
            ? TopK.indices(logits, count: parameters.topLogprobs).map { ($0, logits[$0] - normalizer) }
            : []
        return SampledToken(id: id, logprob: logits[id] - normalizer, alternatives: alternatives)
    }

    /// ln Σ exp(logit), computed stably: log-probabilities are logits minus this.
    static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        guard let base = logits.baseAddress else { return -.infinity }
        return quill_log_sum_exp_f32(base, Int64(logits.count))
    }
}
