/// How the next token is chosen. The defaults are llama.cpp's.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 picks the most likely token (greedy).
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens (0: all).
    public var topK: Int = 40
    /// Keep the smallest set of tokens whose probability reaches p (1: all).
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP times the most likely one (0: none).
    public var minP: Float = 0.05
    /// Divides positive (multiplies negative) logits of recent tokens (1: off).
    public var repetitionPenalty: Float = 1.0
    /// Subtracted once from the logit of every recent token (0: off).
    public var presencePenalty: Float = 0
    /// Subtracted per occurrence from the logit of recent tokens (0: off).
    public var frequencyPenalty: Float = 0
    /// How many recent tokens the penalties look at.
    public var penaltyWindow: Int = 64
    /// Same seed, same model, same prompt: same tokens. nil draws a seed from the system.
    public var seed: UInt64? = nil
    /// Per generated token, report this many most likely alternatives with log-probabilities.
    public var topLogprobs: Int = 0

    public init() {}

    /// Greedy decoding: temperature 0, no penalties.
    public static var greedy: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }
}
