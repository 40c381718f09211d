import CQuillKernels
import Foundation

/// Causal grouped-query attention over each sequence's cache, on the pool.
///
/// Three ways to share it between the threads, with the same arithmetic:
/// - by tile: a prompt's tokens eight at a time (Transformer+PromptAttention.swift);
/// - by query: units of (token, query heads) dealt round-robin (batched decoding, a single
///   token over a short context, and prompts the tiles do not take);
/// - by position (`splitAttention`): one token over a long context, where the units would be
///   single heads and every head of a group would read its keys and values from memory
///   again (three times for SmolLM2, seven for Qwen2.5). Each cached row is then read once.
extension Transformer {
    /// The context length from which one decoding token's attention is split over positions:
    /// below it the cache stays in the caches of the cores, and three pool runs cost more
    /// than the rereading they save.
    static let splitAttentionMinimum = 256

    /// Attention of layer `l` for the pass's tokens, leaving each head's output in `s.attention`.
    func attention(layer l: Int, tokens n: Int, scratch s: InferenceState, placement: Placement) {
        if n == 1 && pool.threadCount > 1 && attendedRange(layer: l, placement: placement, token: 0).count >= Self.splitAttentionMinimum {
            runStep(.splitScores, layer: l, tokens: n, scratch: s, placement: placement)
            runStep(.splitWeights, layer: l, tokens: n, scratch: s, placement: placement)
            runStep(.splitValues, layer: l, tokens: n, scratch: s, placement: placement)
        } else {
            runStep(.attention, layer: l, tokens: n, scratch: s, placement: placement)
        }
    }

    /// The positions token `t` of the pass attends to: all before it and itself, or the last
    /// `window` of them.
    func attendedRange(layer l: Int, placement: Placement, token t: Int) -> Range<Int> {
        let end = placement.position(t) + 1
        let first = config.layerAttention[l].window.map { max(0, end - $0) } ?? 0
        return first..<end
    }

    /// Thread `thread`'s part of the causal grouped-query attention of the batch's queries over
    /// each one's cache: units of (token, heads) dealt round-robin to the threads.
    func attend(layer l: Int, tokens n: Int, scratch s: InferenceState, placement: Placement, thread: Int) {
        let tiles = usesAttentionTiles(tokens: n)
        if tiles {
            attendInTiles(layer: l, tokens: n, scratch: s, placement: placement, thread: thread)
            // A single sequence's pass is all one run of tiles; a batch may also hold single tokens.
            if placement.sequence != nil { return }
        }
        let c = config, hd = c.headDimension, qDim = c.headCount * hd
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let threads = pool.threadCount
        // A unit of work is the query heads of one token that share a KV head: one kernel call
        // reads each cached row once for all of them. When there are few units (one token
        // over a short context) they are split into single heads, so that every thread gets
        // a share.
        let headsPerUnit = n * c.headCountKV >= 2 * threads ? group : 1
        let unitsPerToken = c.headCount / headsPerUnit
        let units = n * unitsPerToken
        let context = s.contextLength
        let scores = s.scores + thread * s.scoresPerThread
        var unit = thread
        while unit < units {
            let t = unit / unitsPerToken, h = (unit % unitsPerToken) * headsPerUnit
            if tiles && placement.inRun[t] {
                unit += threads
                continue
            }
            let target = placement.state(t), range = attendedRange(layer: l, placement: placement, token: t)
            let first = range.lowerBound, count = range.count
            let kvOffset = (h / group) * hd
            target.scores(layer: l, from: first, offset: kvOffset, count: count, queries: s.q + t * qDim + h * hd, heads: headsPerUnit,
                          headDimension: hd, scale: scale, into: scores, scoresStride: context)
            for i in 0..<headsPerUnit { VectorMath.softmax(scores + i * context, count: count) }
            target.weightedValues(layer: l, from: first, offset: kvOffset, count: count, weights: scores, heads: headsPerUnit,
                                  weightsStride: context, inverse: nil, headDimension: hd, elements: 0..<hd,
                                  into: s.attention + t * qDim + h * hd, outStride: hd)
            unit += threads
        }
    }

    /// One step of a single token's attention split over positions, for every head. The
    /// scores row of head h is `s.scores + h * context`.
    /// - `.splitScores`: each thread scores its share of the positions, and notes each head's
    ///   maximum over them.
    /// - `.splitWeights`: each thread turns its scores into exp(score − the head's maximum)
    ///   and sums them (in Double, as `VectorMath.softmax` does).
    /// - `.splitValues`: each thread takes a run of 32-element slices of the rows and sums
    ///   their weighted values over all positions, normalizing the weights as it reads them.
    /// The scores, maxima and weights are `VectorMath.softmax`'s; only the sum of the
    /// exponentials is added in per-thread parts.
    func splitAttention(_ step: PoolStep, layer l: Int, scratch s: InferenceState, placement: Placement, thread: Int) {
        let c = config, hd = c.headDimension, heads = c.headCount
        let target = placement.state(0), range = attendedRange(layer: l, placement: placement, token: 0)
        let context = s.contextLength, threads = pool.threadCount
        let maxima = splitPartials, sums = splitPartials + threads * heads
        let mine = pool.share(of: range.count, thread: thread)
        switch step {
        case .splitScores:
            let scale = 1 / Float(hd).squareRoot()
            // Every KV head in one pass over the positions: each cached row is read once, whole.
            target.scores(layer: l, from: range.lowerBound + mine.lowerBound, offset: 0, count: mine.count, queries: s.q,
                          heads: heads, kvHeads: c.headCountKV, headDimension: hd, scale: scale,
                          into: s.scores + mine.lowerBound, scoresStride: context)
            for h in 0..<heads {
                maxima[thread * heads + h] = Double(VectorMath.maximum(s.scores + h * context + mine.lowerBound, count: mine.count))
            }
        case .splitWeights:
            for h in 0..<heads {
                var top = -Double.infinity
                for t in 0..<threads { top = max(top, maxima[t * heads + h]) }
                sums[thread * heads + h] = VectorMath.exponentiate(s.scores + h * context + mine.lowerBound, count: mine.count,
                                                                   subtracting: Float(top))
            }
        default:
            // Each thread takes a run of 32-element slices of the rows (every KV head's part
            // side by side): its part of each row is read once, in address order.
            let kvDimension = c.headCountKV * hd
            let slices = pool.share(of: (kvDimension + 31) / 32, thread: thread)
            guard !slices.isEmpty else { return }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads) { inverse in
                for h in 0..<heads {
                    var sum: Double = 0
                    for t in 0..<threads { sum += sums[t * heads + h] }
                    inverse[h] = Float(1 / sum)
                }
                target.weightedValues(layer: l, from: range.lowerBound, offset: 0, count: range.count, weights: s.scores, heads: heads,
                                      kvHeads: c.headCountKV, weightsStride: context, inverse: inverse.baseAddress, headDimension: hd,
                                      elements: slices.lowerBound * 32..<min(kvDimension, slices.upperBound * 32),
                                      into: s.attention, outStride: hd)
            }
        }
    }
}
