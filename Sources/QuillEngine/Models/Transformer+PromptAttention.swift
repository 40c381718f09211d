import CQuillKernels

/// A prompt's attention in tiles of eight consecutive tokens of one sequence.
///
/// Token by token, each (token, KV head) unit reads the head's part of every cached row, and
/// each score reduces a dot product across vector lanes (~20 cycles of latency for a 64-element
/// head): at 2,048 tokens this was half of SmolLM2's prompt time. A tile holds one query head
/// of eight tokens, one per vector lane (attention_tile.c), so a cached row is read once per
/// eight tokens and no score is reduced across lanes. Each lane's arithmetic is the one-query
/// kernels', in the same order, so the keys, values and logits are the same bit for bit as the
/// token-by-token path's. Tiles take a single sequence's prompt pass and, in batched serving,
/// each prompt chunk (a run of two or more tokens of one sequence); the other tokens (decoding
/// steps) go one by one.
extension Transformer {
    /// Whether this pass's attention may use tiles: several tokens, heads a multiple of 32
    /// elements, the AVX2 path (elsewhere the tile kernels are only the one-query kernels per
    /// lane, plus copying).
    func usesAttentionTiles(tokens n: Int) -> Bool {
        attentionTiles && n > 1 && config.headDimension % 32 == 0 && quill_kernels_have_avx2() != 0
    }

    /// Calls `body` with each run of tokens that goes through tiles.
    private func forEachTiledRun(tokens n: Int, placement: Placement, _ body: (Range<Int>) -> Void) {
        if placement.sequence != nil {
            body(0..<n)
        } else {
            for run in placement.runs { body(run) }
        }
    }

    /// Thread `thread`'s part of the tiled runs' attention: units of (tile of eight tokens,
    /// query head), numbered across the runs and dealt round-robin.
    func attendInTiles(layer l: Int, tokens n: Int, scratch s: InferenceState, placement: Placement, thread: Int) {
        let heads = config.headCount, lanes = Int(QUILL_ATTENTION_TILE), threads = pool.threadCount
        var base = 0
        forEachTiledRun(tokens: n, placement: placement) { run in
            let units = (run.count + lanes - 1) / lanes * heads
            var unit = base + (thread - base % threads + threads) % threads
            while unit < base + units {
                let t0 = run.lowerBound + (unit - base) / heads * lanes
                attend(tile: t0, tokens: min(lanes, run.upperBound - t0), head: (unit - base) % heads, layer: l, scratch: s,
                       placement: placement, thread: thread)
                unit += threads
            }
            base += units
        }
    }

    /// One tile: query head `h` of tokens t0 ..< t0 + used (one sequence, consecutive).
    private func attend(tile t0: Int, tokens used: Int, head h: Int, layer l: Int, scratch s: InferenceState,
                        placement: Placement, thread: Int) {
        let c = config, hd = c.headDimension, qDim = c.headCount * hd
        let lanes = Int(QUILL_ATTENTION_TILE)
        let scores = s.scores + thread * s.scoresPerThread
        let queries = s.tileQueries + thread * hd * lanes
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * lanes) { bounds in
            let first = bounds.baseAddress!, end = first + lanes
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
            let kvOffset = (h / (c.headCount / c.headCountKV)) * hd
            let target = placement.state(t0)
            target.tileScores(layer: l, from: base, offset: kvOffset, count: count, queries: queries, headDimension: hd,
                              scale: 1 / Float(hd).squareRoot(), into: scores)
            quill_attention_tile_softmax(scores, Int64(count), first, end)
            target.tileValues(layer: l, from: base, offset: kvOffset, count: count, weights: scores, headDimension: hd,
                              into: s.attention + t0 * qDim + h * hd, outStride: qDim, lanes: used)
        }
    }
}
