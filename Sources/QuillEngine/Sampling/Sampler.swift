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

/// Picks next tokens: a chain of small samplers (penalties → top-k → top-p → min-p →
/// temperature, llama.cpp's order), then a draw from what remains with a seeded generator —
/// or the arg-max at temperature 0.
public struct Sampler {
    public let parameters: SamplingParameters
    private var chain: [any TokenSampler]
    private var candidates: Candidates
    private var rng: RandomGenerator

    public init(parameters: SamplingParameters, vocabularySize: Int) {
        self.parameters = parameters
        var chain: [any TokenSampler] = [
            PenaltySampler(repetition: parameters.repetitionPenalty, presence: parameters.presencePenalty,
                           frequency: parameters.frequencyPenalty),
        ]
        if parameters.temperature > 0 {
            chain += [TopKSampler(k: parameters.topK), TopPSampler(p: parameters.topP),
                      MinPSampler(p: parameters.minP), TemperatureSampler(temperature: parameters.temperature)] as [any TokenSampler]
        }
        self.chain = chain
        candidates = Candidates(capacity: vocabularySize)
        rng = RandomGenerator(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Chooses the next token from a logit row; `history` is the sequence so far.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: ArraySlice<Int>) -> SampledToken {
        if parameters.temperature <= 0, !hasPenalties {
            // Plain greedy: the arg-max of the row itself, without copying it into candidates.
            var best = 0
            for i in 1..<max(logits.count, 1) where logits[i] > logits[best] { best = i }
            return token(best, logits)
        }
        candidates.load(logits)
        let window = history.suffix(parameters.penaltyWindow)
        for i in chain.indices { chain[i].apply(&candidates, history: window) }
        let id: Int
        if parameters.temperature <= 0 {
            var best = 0
            for i in 1..<max(candidates.count, 1) where candidates.entries[i].logit > candidates.entries[best].logit { best = i }
            id = Int(candidates.entries[best].id)
        } else {
            candidates.softmax()
            let r = rng.unit()
            var cumulative: Float = 0
            var chosen = candidates.count - 1
            for i in 0..<candidates.count {
                cumulative += candidates.entries[i].probability
                if r < cumulative { chosen = i; break }
            }
            id = Int(candidates.entries[chosen].id)
        }
        return token(id, logits)
    }

    private var hasPenalties: Bool {
        parameters.repetitionPenalty != 1 || parameters.presencePenalty != 0 || parameters.frequencyPenalty != 0
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
