import Foundation

/// What one model charges, in US dollars per million tokens, and how much it reads and writes.
///
/// Cached input tokens are priced at `cacheRead` and tokens written to a prompt cache at
/// `cacheWrite` (each the input price when the provider has none); requests whose input
/// exceeds 200k tokens use the `above200k` prices when the model has them (the whole request,
/// as the providers bill). Local compute may be priced by the hour instead (`perHour`).
public struct ModelPrice: Sendable, Equatable {
    public var input: Decimal
    public var output: Decimal
    public var cacheRead: Decimal?
    public var cacheWrite: Decimal?
    public var inputAbove200k: Decimal?
    public var outputAbove200k: Decimal?
    /// US dollars per hour of generation time, for local models.
    public var perHour: Decimal?
    public var maxInputTokens: Int?
    public var maxOutputTokens: Int?

    public init(input: Decimal, output: Decimal, cacheRead: Decimal? = nil, cacheWrite: Decimal? = nil,
                inputAbove200k: Decimal? = nil, outputAbove200k: Decimal? = nil, perHour: Decimal? = nil,
                maxInputTokens: Int? = nil, maxOutputTokens: Int? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.inputAbove200k = inputAbove200k
        self.outputAbove200k = outputAbove200k
        self.perHour = perHour
        self.maxInputTokens = maxInputTokens
        self.maxOutputTokens = maxOutputTokens
    }

    /// Nothing to pay (local models by default).
    public static let free = ModelPrice(input: 0, output: 0)

    /// The cost of a call that used `usage` and took `seconds`.
    public func cost(_ usage: LLMUsage, seconds: Double = 0) -> Decimal {
        let long = usage.inputTokens > 200_000
        let inputPrice = long ? inputAbove200k ?? input : input
        let outputPrice = long ? outputAbove200k ?? output : output
        let cached = max(0, usage.cachedInputTokens), written = max(0, usage.cacheWriteTokens)
        let plain = max(0, usage.inputTokens - cached - written)
        var perMillion = Decimal(plain) * inputPrice
        perMillion += Decimal(cached) * (cacheRead ?? inputPrice)
        perMillion += Decimal(written) * (cacheWrite ?? inputPrice)
        perMillion += Decimal(max(0, usage.outputTokens)) * outputPrice
        var total = perMillion / 1_000_000
        if let perHour, seconds > 0 { total += Money.decimal(seconds) * perHour / 3600 }
        return total
    }

    /// The most a call can cost before it is sent: every input token at the input price (none
    /// assumed cached) and `maxOutput` tokens at the output price. Time-priced local compute
    /// cannot be bounded in advance and is charged when the call ends.
    public func worstCase(inputTokens: Int, maxOutput: Int) -> Decimal {
        cost(LLMUsage(inputTokens: inputTokens, outputTokens: maxOutput))
    }
}
