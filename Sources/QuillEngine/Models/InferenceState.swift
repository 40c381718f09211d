/// One sequence's state: its KV cache and the scratch rows a forward pass writes, all
/// allocated once so the per-token loop allocates nothing.
///
/// The cache is f32 (exact attention, and the closest match to llama.cpp's logits). It is one
/// reservation whose pages are touched only as positions fill, so memory grows with use.
public final class InferenceState: @unchecked Sendable {
    public let contextLength: Int
    public let maxBatch: Int
    /// Tokens whose keys and values are in the cache.
    public internal(set) var position = 0

    let keys: UnsafeMutablePointer<Float>      // (layer, position, kv_dim)
    let values: UnsafeMutablePointer<Float>    // (layer, position, kv_dim)
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
    let scores: UnsafeMutablePointer<Float>    // attention weights: (threads, heads per KV head, context), or (heads, context) split over positions
    let logits: UnsafeMutablePointer<Float>    // (vocab) the last position's logits
    let vocabularySize: Int
    /// Output pointers of the shared-input products, in group order.
    let qkvOutputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    let gateUpOutputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    private var buffers: [UnsafeMutablePointer<Float>] = []

    init(config c: ModelConfig, contextLength: Int, maxBatch: Int, threads: Int) {
        self.contextLength = contextLength
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
        keys = make(c.layerCount * contextLength * kvDimension)
        values = make(c.layerCount * contextLength * kvDimension)
        x = make(maxBatch * c.embeddingLength)
        xb = make(maxBatch * c.embeddingLength)
        q = make(maxBatch * qDim)
        k = make(maxBatch * kvDimension)
        v = make(maxBatch * kvDimension)
        attention = make(maxBatch * qDim)
        projected = make(maxBatch * c.embeddingLength)
        gate = make(maxBatch * c.feedForwardLength)
        up = make(maxBatch * c.feedForwardLength)
        scores = make(max(threads * (c.headCount / c.headCountKV), c.headCount) * contextLength)
        logits = make(c.vocabularySize)
        self.buffers = buffers
        qkvOutputs = .allocate(capacity: 3)
        _ = qkvOutputs.initialize(from: [q, k, v])
        gateUpOutputs = .allocate(capacity: 2)
        _ = gateUpOutputs.initialize(from: [gate, up])
    }

    deinit {
        for b in buffers { b.deallocate() }
        qkvOutputs.deallocate()
        gateUpOutputs.deallocate()
    }

    /// Bytes the KV cache takes when full.
    public var cacheBytes: Int { 2 * layerCount * contextLength * kvDimension * MemoryLayout<Float>.size }

    /// Bytes of the KV cache holding positions so far (the pages touched).
    public var filledCacheBytes: Int { 2 * layerCount * position * kvDimension * MemoryLayout<Float>.size }

    /// The last evaluated position's logits.
    public var lastLogits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: logits, count: vocabularySize) }

    /// Takes the first `count` positions of another sequence's cache (the same model): a
    /// prompt that starts like one already read need not be read again. The keys and values
    /// of a position depend only on the tokens up to it, so the copy is what evaluating those
    /// tokens would have stored.
    public func copyPrefix(from other: InferenceState, count: Int) {
        precondition(kvDimension == other.kvDimension && layerCount == other.layerCount, "caches of different models")
        precondition(count <= other.position && count <= contextLength, "prefix longer than the cache holds")
        for l in 0..<layerCount {
            keyRow(layer: l, position: 0).update(from: other.keyRow(layer: l, position: 0), count: count * kvDimension)
            valueRow(layer: l, position: 0).update(from: other.valueRow(layer: l, position: 0), count: count * kvDimension)
        }
        position = count
    }

    func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        keys + (layer * contextLength + position) * kvDimension
    }

    func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        values + (layer * contextLength + position) * kvDimension
    }
}
