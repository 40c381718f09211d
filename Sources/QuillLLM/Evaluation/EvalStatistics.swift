import Foundation

/// The statistics of evaluation summaries: mean, sample standard deviation and a percentile
/// bootstrap interval, deterministic (a fixed seed), so the same scores always report the same
/// interval and a CI log can be compared run to run.
public enum EvalStatistics {
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n − 1); 0 for one value, NaN for none.
    public static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return values.isEmpty ? .nan : 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// The `level` percentile bootstrap interval of the mean: `resamples` means of samples drawn
    /// with replacement, cut at the (1 − level)/2 and (1 + level)/2 quantiles.
    public static func bootstrapInterval(_ values: [Double], level: Double = 0.95, resamples: Int = 1000,
                                         seed: UInt64 = 0x5EED_B007) -> (low: Double, high: Double) {
        guard values.count > 1 else { return values.isEmpty ? (.nan, .nan) : (values[0], values[0]) }
        var state = seed
        var means = [Double](repeating: 0, count: resamples)
        let n = values.count
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(splitmix(&state) % UInt64(n))] }
            means[r] = sum / Double(n)
        }
        means.sort()
        return (quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2))
    }

    /// The `q` quantile of sorted values, interpolating linearly between neighbours.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let i = Int(position.rounded(.down)), fraction = position - Double(i)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * fraction : sorted[i]
    }

    private static func splitmix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
