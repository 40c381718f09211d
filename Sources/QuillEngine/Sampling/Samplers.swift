import Foundation

/// One link of a sampler chain: narrows or reshapes the candidates.
public protocol TokenSampler {
    mutating func apply(_ candidates: inout Candidates)
}

/// Repetition (divide/multiply), presence (once) and frequency (per occurrence) penalties
/// on tokens seen in the recent window, as in llama.cpp and the OpenAI API. They come first,
/// on a copy of the whole logit row, before any token is dropped.
public struct Penalties {
    var repetition: Float, presence: Float, frequency: Float
    private var counts: [Int32: Int] = [:]

    public init(repetition: Float, presence: Float, frequency: Float) {
        self.repetition = repetition
        self.presence = presence
        self.frequency = frequency
    }

    public var isActive: Bool { repetition != 1 || presence != 0 || frequency != 0 }

    /// Adjusts, in place, the logits of the tokens in `history`.
    public mutating func apply(to row: UnsafeMutableBufferPointer<Float>, history: ArraySlice<Int>) {
        guard !history.isEmpty, isActive else { return }
        counts.removeAll(keepingCapacity: true)
        for t in history { counts[Int32(truncatingIfNeeded: t), default: 0] += 1 }
        for (id, n) in counts where id >= 0 && Int(id) < row.count {
            let i = Int(id)
            var logit = row[i]
            logit = logit > 0 ? logit / repetition : logit * repetition
            logit -= Float(n) * frequency + presence
            row[i] = logit
        }
    }
}

/// Nucleus sampling: the smallest prefix whose probability mass reaches p.
public struct TopPSampler: TokenSampler {
    let p: Float
    public mutating func apply(_ c: inout Candidates) {
        guard p < 1 else { return }
        c.keepTop(c.count)
        c.softmax()
        var mass: Float = 0
        for i in 0..<c.count {
            mass += c.entries[i].probability
            if mass >= p { c.count = i + 1; return }
        }
    }
}

/// Drops tokens whose probability is below `p` times the best token's.
public struct MinPSampler: TokenSampler {
    let p: Float
    public mutating func apply(_ c: inout Candidates) {
        guard p > 0, c.count > 1 else { return }
        var best = -Float.infinity
        for i in 0..<c.count where c.entries[i].logit > best { best = c.entries[i].logit }
        // p_i >= p * p_max  ⟺  logit_i >= logit_max + ln p
        let threshold = best + logf(p)
        var write = 0
        for read in 0..<c.count where c.entries[read].logit >= threshold {
            c.entries[write] = c.entries[read]
            write += 1
        }
        c.count = write
    }
}

public struct TemperatureSampler: TokenSampler {
    let temperature: Float
    public mutating func apply(_ c: inout Candidates) {
        for i in 0..<c.count { c.entries[i].logit /= temperature }
    }
}
