import CQuillKernels

/// One sequence's state: its KV cache and the scratch rows a forward pass writes, all
/// allocated once so the per-token loop allocates nothing.
///
/// The cache is one reservation whose pages are touched only as positions fill, so memory
/// grows with use.
///
/// A sliding-window layer (Gemma 3's local layers) only ever reads the last `window` positions,
/// so when the context is long its cache is a ring of `window + maxBatch` rows: a pass stores
/// all its tokens' rows before any of them attends, so the ring must hold a window behind the
/// pass's first token while the pass writes up to `maxBatch` more. Each row is written twice,
/// at its slot and at slot + ring, so every window of positions is one contiguous run of rows
/// and the attention kernels read it as they read a whole cache, in the same order: the results
/// are the same bit for bit. At Gemma 3's default 4,096 positions the cache takes 69 MiB instead
/// of 144 (f32), at 32,768 positions 0.23 GiB instead of 1.1.
public final class InferenceState: @unchecked Sendable {
    public let contextLength: Int
    public let maxBatch: Int
    /// Tokens whose keys and values are in the cache.
    public internal(set) var position = 0

    public let cacheType: KVCacheType
    let keys: UnsafeMutableRawPointer          // (layer, row, kv_dim) of `cacheType`: a row per position, or a ring's
    let values: UnsafeMutableRawPointer        // (layer, row, kv_dim) of `cacheType` (see `rowIndex`)
    let kvDimension: Int
    let layerCount: Int
    /// Per layer: its window (nil: global), its ring's row count (0: one row per position),
    /// and where its rows start, in rows from the start of the cache.
    private let windows: [Int?]
    private let ringRows: [Int]
    private let rowOffsets: [Int]
    private let rowBytes: Int
    /// Per layer, the first position whose rows this cache was given: a prefix copied from
    /// another cache brings a windowed layer only the positions its window still reaches, so
    /// the rows below were never written.
    private var heldFrom: [Int]

    let x: UnsafeMutablePointer<Float>         // (batch, d) the residual stream
    let xb: UnsafeMutablePointer<Float>        // (batch, d) normalized input
    let q: UnsafeMutablePointer<Float>         // (batch, n_heads * head_dim)
    let k: UnsafeMutablePointer<Float>         // (batch, kv_dim)
    let v: UnsafeMutablePointer<Float>         // (batch, kv_dim)
    let attention: UnsafeMutablePointer<Float> // (batch, n_heads * head_dim)
    let projected: UnsafeMutablePointer<Float> // (batch, d)
    let gate: UnsafeMutablePointer<Float>      // (batch, ffn)
    let up: UnsafeMutablePointer<Float>        // (batch, ffn)
    let scores: UnsafeMutablePointer<Float>    // attention weights: per thread, (heads per KV head, context) or a prompt tile's
                                               // (context, 8), `scoresPerThread` floats apart; or (heads, context) split over positions
    let scoresPerThread: Int
    let tileQueries: UnsafeMutablePointer<Float> // (threads, head_dim, 8): a tile's queries, transposed
    let logits: UnsafeMutablePointer<Float>    // (vocab) the last position's logits
    let vocabularySize: Int
    /// Output pointers of the shared-input products, in group order.
    let qkvOutputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    let gateUpOutputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    private var buffers: [UnsafeMutablePointer<Float>] = []

    /// `rings: false` keeps one row per position in every layer (tests compare the two).
    init(config c: ModelConfig, contextLength: Int, maxBatch: Int, threads: Int, cacheType: KVCacheType = .f32, rings: Bool = true) {
        self.contextLength = contextLength
        self.cacheType = cacheType
        self.maxBatch = maxBatch
        kvDimension = c.headCountKV * c.headDimension
        layerCount = c.layerCount
        rowBytes = kvDimension * cacheType.elementBytes
        windows = c.layerAttention.map(\.window)
        // A ring (mirrored: twice its rows) only where it is smaller than the whole context.
        ringRows = windows.map { window in
            guard rings, let window, 2 * (window + maxBatch) < contextLength else { return 0 }
            return window + maxBatch
        }
        var offsets: [Int] = [], rows = 0
        for ring in ringRows {
            offsets.append(rows)
            rows += ring > 0 ? 2 * ring : contextLength
        }
        rowOffsets = offsets
        heldFrom = Array(repeating: 0, count: c.layerCount)
        vocabularySize = c.vocabularySize
        var buffers: [UnsafeMutablePointer<Float>] = []
        func make(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            buffers.append(p)
            return p
        }
        let qDim = c.headCount * c.headDimension
        keys = .allocate(byteCount: rows * rowBytes, alignment: 64)
        values = .allocate(byteCount: rows * rowBytes, alignment: 64)
        x = make(maxBatch * c.embeddingLength)
        xb = make(maxBatch * c.embeddingLength)
        q = make(maxBatch * qDim)
        k = make(maxBatch * kvDimension)
        v = make(maxBatch * kvDimension)
        attention = make(maxBatch * qDim)
        projected = make(maxBatch * c.embeddingLength)
        gate = make(maxBatch * c.feedForwardLength)
        up = make(maxBatch * c.feedForwardLength)
        let tileLanes = Int(QUILL_ATTENTION_TILE)
        scoresPerThread = max(c.headCount / c.headCountKV, tileLanes) * contextLength
        scores = make(max(threads * scoresPerThread, c.headCount * contextLength))
        tileQueries = make(threads * c.headDimension * tileLanes)
        logits = make(c.vocabularySize)
        self.buffers = buffers
        qkvOutputs = .allocate(capacity: 3)
        _ = qkvOutputs.initialize(from: [q, k, v])
        gateUpOutputs = .allocate(capacity: 2)
        _ = gateUpOutputs.initialize(from: [gate, up])
    }

    deinit {
        for b in buffers { b.deallocate() }
        keys.deallocate()
        values.deallocate()
        qkvOutputs.deallocate()
        gateUpOutputs.deallocate()
    }

    /// Bytes the KV cache takes when full.
    public var cacheBytes: Int { 2 * rowBytes * ringRows.reduce(0) { $0 + ($1 > 0 ? 2 * $1 : contextLength) } }

    /// Bytes of the KV cache holding positions so far (the pages touched).
    public var filledCacheBytes: Int { 2 * rowBytes * ringRows.reduce(0) { $0 + ($1 > 0 ? 2 * min(position, $1) : position) } }

    /// The last evaluated position's logits.
    public var lastLogits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: logits, count: vocabularySize) }

    /// Whether another sequence can take this cache's first `count` positions: a ring keeps only
    /// its last rows, a copied prefix brought only the rows its windows reached, and a
    /// continuation at position `count` reads the window behind it.
    public func canLend(prefix count: Int) -> Bool { lendable.contains(count) }

    /// The prefix lengths this cache can lend (see `canLend`): every length up to `position`
    /// whose windows start at or after each windowed layer's first held row.
    public var lendable: Range<Int> {
        var lowest = 0
        for l in 0..<layerCount where firstHeld(layer: l) > 0 {
            // neededStart(count) = count − (window − 1) must not fall below the first held row.
            lowest = max(lowest, firstHeld(layer: l) + (windows[l] ?? 1) - 1)
        }
        return lowest..<max(lowest, position + 1)
    }

    /// Whether this cache, filled to its whole context, could still lend its first `count`
    /// positions: false when a ring would by then have moved past the window behind them.
    public func keepsLending(prefix count: Int) -> Bool {
        (0..<layerCount).allSatisfy { l in
            ringRows[l] == 0 || neededStart(layer: l, prefix: count) >= contextLength - ringRows[l]
        }
    }

    /// The first position whose rows layer `l` still holds.
    private func firstHeld(layer l: Int) -> Int {
        max(heldFrom[l], ringRows[l] > 0 ? position - ringRows[l] : 0)
    }

    /// The first position of a `count`-token prefix that a continuation still reads in layer `l`.
    private func neededStart(layer l: Int, prefix count: Int) -> Int {
        windows[l].map { max(0, count - ($0 - 1)) } ?? 0
    }

    /// Takes the first `count` positions of another sequence's cache (the same model and
    /// cache type; `other.canLend(prefix: count)`): a prompt that starts like one already read
    /// need not be read again. The keys and values of a position depend only on the tokens up
    /// to it, so the copy is what evaluating those tokens would have stored. A windowed layer
    /// takes only the positions its window still reaches, or with `everything` every row of
    /// the prefix the other cache still holds (and this one can), so that the copy can lend
    /// shorter prefixes in turn: a checkpoint.
    public func copyPrefix(from other: InferenceState, count: Int, everything: Bool = false) {
        precondition(kvDimension == other.kvDimension && layerCount == other.layerCount && cacheType == other.cacheType,
                     "caches of different models or types")
        precondition(count <= contextLength && other.canLend(prefix: count), "prefix longer than the cache holds")
        for l in 0..<layerCount {
            var start = everything ? other.firstHeld(layer: l) : neededStart(layer: l, prefix: count)
            if ringRows[l] > 0 { start = max(start, count - ringRows[l]) }
            heldFrom[l] = start
            if ringRows[l] == 0 && other.ringRows[l] == 0 {
                let bytes = (count - start) * rowBytes
                keyRow(layer: l, position: start).copyMemory(from: other.keyRow(layer: l, position: start), byteCount: bytes)
                valueRow(layer: l, position: start).copyMemory(from: other.valueRow(layer: l, position: start), byteCount: bytes)
                continue
            }
            for p in start..<count {
                storeRows(layer: l, position: p, key: other.keyRow(layer: l, position: p), value: other.valueRow(layer: l, position: p))
            }
        }
        position = count
    }

    /// Stores a position's key and value rows (kv_dim floats each), rounding them for an f16
    /// cache; in a ring, at its slot and at the mirror one ring further on.
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        guard cacheType == .f16 else { return storeRows(layer: layer, position: position, key: key, value: value) }
        let k = keyRow(layer: layer, position: position), v = valueRow(layer: layer, position: position)
        for offset in copies(layer) {
            quill_f32_to_f16_row(key, (k + offset).assumingMemoryBound(to: UInt16.self), Int64(kvDimension))
            quill_f32_to_f16_row(value, (v + offset).assumingMemoryBound(to: UInt16.self), Int64(kvDimension))
        }
    }

    /// Stores rows already in this cache's type (f32 rows, or another cache's).
    private func storeRows(layer: Int, position: Int, key: UnsafeRawPointer, value: UnsafeRawPointer) {
        let k = keyRow(layer: layer, position: position), v = valueRow(layer: layer, position: position)
        for offset in copies(layer) {
            (k + offset).copyMemory(from: key, byteCount: rowBytes)
            (v + offset).copyMemory(from: value, byteCount: rowBytes)
        }
    }

    /// The byte offsets of a row's copies from its slot: 0, and in a ring the mirror one ring on
    /// (a stride rather than an array, so storing allocates nothing).
    private func copies(_ layer: Int) -> StrideThrough<Int> {
        let mirror = ringRows[layer] * rowBytes
        return stride(from: 0, through: mirror, by: max(mirror, 1))
    }

    /// Attention scores of `heads` query heads (hd floats apart) against the keys of `count`
    /// positions from `position` of layer `layer`, starting `offset` elements into each row
    /// (the first KV head's part), the heads shared evenly by `kvHeads` KV heads:
    /// `quill_attention_scores` over this cache's type.
    func scores(layer: Int, from position: Int, offset: Int, count: Int, queries q: UnsafePointer<Float>, heads: Int,
                kvHeads: Int = 1, headDimension hd: Int, scale: Float, into scores: UnsafeMutablePointer<Float>, scoresStride: Int) {
        let keys = keyRow(layer: layer, position: position) + offset * cacheType.elementBytes
        switch cacheType {
        case .f32:
            quill_attention_scores(q, Int32(heads), Int32(kvHeads), keys.assumingMemoryBound(to: Float.self), Int64(kvDimension), Int64(count),
                                   Int64(hd), scale, scores, Int64(scoresStride))
        case .f16:
            quill_attention_scores_f16(q, Int32(heads), Int32(kvHeads), keys.assumingMemoryBound(to: UInt16.self), Int64(kvDimension), Int64(count),
                                       Int64(hd), scale, scores, Int64(scoresStride))
        }
    }

    /// The weighted sums of the values of `count` positions from `position` of layer `layer`,
    /// for row elements [first, last) counted from `offset` elements into each row, the
    /// `heads` query heads shared evenly by `kvHeads` KV heads: `quill_attention_values` over
    /// this cache's type.
    func weightedValues(layer: Int, from position: Int, offset: Int, count: Int, weights: UnsafePointer<Float>, heads: Int,
                        kvHeads: Int = 1, weightsStride: Int, inverse: UnsafePointer<Float>?, headDimension hd: Int,
                        elements: Range<Int>, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let values = valueRow(layer: layer, position: position) + offset * cacheType.elementBytes
        let (first, last) = (Int64(elements.lowerBound), Int64(elements.upperBound))
        switch cacheType {
        case .f32:
            quill_attention_values(weights, Int32(heads), Int32(kvHeads), Int64(weightsStride), inverse, values.assumingMemoryBound(to: Float.self),
                                   Int64(kvDimension), Int64(count), Int64(hd), first, last, out, Int64(outStride))
        case .f16:
            quill_attention_values_f16(weights, Int32(heads), Int32(kvHeads), Int64(weightsStride), inverse,
                                       values.assumingMemoryBound(to: UInt16.self), Int64(kvDimension), Int64(count), Int64(hd),
                                       first, last, out, Int64(outStride))
        }
    }

    /// Scores of a tile of eight queries (transposed, `queries[e * 8 + t]`) against the keys
    /// of `count` positions from `position`, `offset` elements into each row:
    /// `quill_attention_tile_scores` over this cache's type.
    func tileScores(layer: Int, from position: Int, offset: Int, count: Int, queries: UnsafePointer<Float>, headDimension hd: Int,
                    scale: Float, into scores: UnsafeMutablePointer<Float>) {
        let keys = keyRow(layer: layer, position: position) + offset * cacheType.elementBytes
        quill_attention_tile_scores(queries, keys, cacheType == .f16 ? 1 : 0, Int64(kvDimension), Int64(count), Int64(hd), scale, scores)
    }

    /// The weighted sums of a tile's first `lanes` lanes over the values of `count` positions
    /// from `position`: `quill_attention_tile_values` over this cache's type.
    func tileValues(layer: Int, from position: Int, offset: Int, count: Int, weights: UnsafePointer<Float>, headDimension hd: Int,
                    into out: UnsafeMutablePointer<Float>, outStride: Int, lanes: Int) {
        let values = valueRow(layer: layer, position: position) + offset * cacheType.elementBytes
        quill_attention_tile_values(weights, values, cacheType == .f16 ? 1 : 0, Int64(kvDimension), Int64(count), Int64(hd), out,
                                    Int64(outStride), Int32(lanes))
    }

    /// Where position `position`'s rows of layer `layer` start; the following positions' rows
    /// follow it, up to a window's worth in a ring.
    private func keyRow(layer: Int, position: Int) -> UnsafeMutableRawPointer { keys + rowIndex(layer, position) * rowBytes }

    private func valueRow(layer: Int, position: Int) -> UnsafeMutableRawPointer { values + rowIndex(layer, position) * rowBytes }

    private func rowIndex(_ layer: Int, _ position: Int) -> Int {
        let ring = ringRows[layer]
        return rowOffsets[layer] + (ring > 0 ? position % ring : position)
    }
}
