import CQuillKernels

/// A prompt's attention in tiles of eight consecutive tokens.
///
/// Token by token, each (token, KV head) unit reads the head's part of every cached row, and
/// each score reduces a dot product across vector lanes (~20 cycles of latency for a 64-element
/// head): at 2,048 tokens this was half of SmolLM2's prompt time. A tile holds one query head
/// of eight tokens, one per vector lane (attention_tile.c), so a cached row is read once per
/// eight tokens and no score is reduced across lanes. Each lane's arithmetic is the one-query
/// kernels', in the same order, so the keys, values and logits are the same bit for bit as the
/// token-by-token path's.
extension Transformer {
    /// Whether this pass's attention goes through tiles: several tokens of one sequence over an
    /// f32 cache, with heads a multiple of 32 elements, on the AVX2 path (elsewhere the tile
    /// kernels are only the one-query kernels per lane, plus copying).
    func usesAttentionTiles(tokens n: Int, placement: Placement) -> Bool {
        guard attentionTiles, n > 1, let sequence = placement.sequence else { return false }
        return sequence.cacheType == .f32 && config.headDimension % 32 == 0 && quill_kernels_have_avx2() != 0
    }

    /// Thread `thread`'s part of the pass's attention: units of (tile of eight tokens, query
    /// head) dealt round-robin.
    func attendInTiles(layer l: Int, tokens n: Int, scratch s: InferenceState, placement: Placement, thread: Int) {
        let c = config, hd = c.headDimension, qDim = c.headCount * hd
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let lanes = Int(QUILL_ATTENTION_TILE), threads = pool.threadCount
        let target = placement.state(0)
        let scores = s.scores + thread * lanes * s.contextLength
        let queries = s.tileQueries + thread * hd * lanes
        let tiles = (n + lanes - 1) / lanes
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * lanes) { bounds in
            let first = bounds.baseAddress!, end = first + lanes
            var unit = thread
            while unit < tiles * c.headCount {
                let t0 = (unit / c.headCount) * lanes, h = unit % c.headCount
                let used = min(lanes, n - t0)
                // Lanes past the last token repeat it, so every lane's range is a real one.
                let base = attendedRange(layer: l, placement: placement, token: t0).lowerBound
                for t in 0..<lanes {
                    let token = t0 + min(t, used - 1)
                    let range = attendedRange(layer: l, placement: placement, token: token)
                    first[t] = Int64(range.lowerBound - base)
                    end[t] = Int64(range.upperBound - base)
                    let q = s.q + token * qDim + h * hd
                    for e in 0..<hd { queries[e * lanes + t] = q[e] }
                }
                let count = Int(end[lanes - 1])
                let kvOffset = (h / group) * hd
                target.tileScores(layer: l, from: base, offset: kvOffset, count: count, queries: queries, headDimension: hd,
                                  scale: scale, into: scores)
                quill_attention_tile_softmax(scores, Int64(count), first, end)
                target.tileValues(layer: l, from: base, offset: kvOffset, count: count, weights: scores, headDimension: hd,
                                  into: s.attention + t0 * qDim + h * hd, outStride: qDim, lanes: used)
                unit += threads
            }
        }
    }
}
