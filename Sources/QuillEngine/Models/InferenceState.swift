import CQuillKernels

/// One sequence's state: its KV cache and the scratch rows a forward pass writes, all
/// allocated once so the per-token loop allocates nothing.
///
/// The cache is one reservation whose pages are touched only as positions fill, so memory
/// grows with use.
public final class InferenceState: @unchecked Sendable {
    public let contextLength: Int
    public let maxBatch: Int
    /// Tokens whose keys and values are in the cache.
    public internal(set) var position = 0

    public let cacheType: KVCacheType
    let keys: UnsafeMutableRawPointer          // (layer, position, kv_dim) of `cacheType`
    let values: UnsafeMutableRawPointer        // (layer, position, kv_dim) of `cacheType`
    let kvDimension: Int
    let layerCount: Int

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

    init(config c: ModelConfig, contextLength: Int, maxBatch: Int, threads: Int, cacheType: KVCacheType = .f32) {
        self.contextLength = contextLength
        self.cacheType = cacheType
        self.maxBatch = maxBatch
        kvDimension = c.headCountKV * c.headDimension
        layerCount = c.layerCount
        vocabularySize = c.vocabularySize
        var buffers: [UnsafeMutablePointer<Float>] = []
        func make(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            buffers.append(p)
            return p
        }
        let qDim = c.headCount * c.headDimension
        let cacheBytes = c.layerCount * contextLength * kvDimension * cacheType.elementBytes
        keys = .allocate(byteCount: cacheBytes, alignment: 64)
        values = .allocate(byteCount: cacheBytes, alignment: 64)
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
    public var cacheBytes: Int { 2 * layerCount * contextLength * kvDimension * cacheType.elementBytes }

    /// Bytes of the KV cache holding positions so far (the pages touched).
    public var filledCacheBytes: Int { 2 * layerCount * position * kvDimension * cacheType.elementBytes }

    /// The last evaluated position's logits.
    public var lastLogits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: logits, count: vocabularySize) }

    /// Takes the first `count` positions of another sequence's cache (the same model and
    /// cache type): a prompt that starts like one already read need not be read again. The
    /// keys and values of a position depend only on the tokens up to it, so the copy is what
    /// evaluating those tokens would have stored.
    public func copyPrefix(from other: InferenceState, count: Int) {
        precondition(kvDimension == other.kvDimension && layerCount == other.layerCount && cacheType == other.cacheType,
                     "caches of different models or types")
        precondition(count <= other.position && count <= contextLength, "prefix longer than the cache holds")
        let bytes = count * kvDimension * cacheType.elementBytes
        for l in 0..<layerCount {
            keyRow(layer: l, position: 0).copyMemory(from: other.keyRow(layer: l, position: 0), byteCount: bytes)
            valueRow(layer: l, position: 0).copyMemory(from: other.valueRow(layer: l, position: 0), byteCount: bytes)
        }
        position = count
    }

    /// Stores a position's key and value rows (kv_dim floats each), rounding them for an f16 cache.
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let k = keyRow(layer: layer, position: position), v = valueRow(layer: layer, position: position)
        switch cacheType {
        case .f32:
            k.copyMemory(from: key, byteCount: kvDimension * 4)
            v.copyMemory(from: value, byteCount: kvDimension * 4)
        case .f16:
            quill_f32_to_f16_row(key, k.assumingMemoryBound(to: UInt16.self), Int64(kvDimension))
            quill_f32_to_f16_row(value, v.assumingMemoryBound(to: UInt16.self), Int64(kvDimension))
        }
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

    private func keyRow(layer: Int, position: Int) -> UnsafeMutableRawPointer {
        keys + (layer * contextLength + position) * kvDimension * cacheType.elementBytes
    }

    private func valueRow(layer: Int, position: Int) -> UnsafeMutableRawPointer {
        values + (layer * contextLength + position) * kvDimension * cacheType.elementBytes
    }
}
