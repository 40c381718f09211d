import CQuillKernels
import Foundation

/// A decoder-only transformer over weights mapped from a GGUF file: the blocks every supported
/// architecture shares, with the differences (`Architecture`) read as data.
///
/// `evaluate` runs a batch of tokens through every layer, appends their keys and values to
/// the sequence's cache and leaves the next-token logits in the state. All scratch lives in
/// `InferenceState` and `MatMul`, so decoding allocates nothing per token.
public final class Transformer: ThreadPoolJob, @unchecked Sendable {
    public let config: ModelConfig
    public let file: GGUFFile
    public let pool: ThreadPool
    /// Tokens per forward batch; longer prompts are processed in chunks of this size.
    public let maxBatch: Int
    /// The element type of the KV caches of the states this transformer makes.
    public let cacheType: KVCacheType
    let weights: TransformerWeights
    let matmul: MatMul
    /// Per layer (Gemma 3's windowed and global layers rotate with different bases).
    let ropes: [Rope]
    /// Per layer, the matrices multiplied by the same input ([q, k, v] and [gate, up]),
    /// kept as buffers so the per-token loop passes them without allocating.
    /// Activation rows for batched decoding (its cache sized for the longest sequence seen).
    private var batchScratch: InferenceState?
    /// Logits of a batched pass, one row per sequence.
    private let batchLogits: UnsafeMutablePointer<Float>
    private let sharedInputGroups: [(qkv: UnsafeMutableBufferPointer<WeightMatrix>, gateUp: UnsafeMutableBufferPointer<WeightMatrix>)]
    /// Held for every forward pass: the thread pool and the product scratch are shared, so
    /// passes from different threads (the scheduler's and an embedding request's) take turns.
    let passLock = NSLock()

    /// The per-layer steps besides the products that run on the pool even for one token, as
    /// this object's job (a closure would cost an allocation per run; see `ThreadPoolJob`),
    /// and their inputs, set before each run.
    enum PoolStep { case attention, activation, splitScores, splitWeights, splitValues }
    private var poolStep = PoolStep.attention
    var stepLayer = 0, stepTokens = 0
    var stepScratch: InferenceState?
    var stepPlacement: Placement?
    /// Whether a prompt's attention goes through tiles of eight tokens (see
    /// `usesAttentionTiles`); tests turn it off to compare the two ways.
    var attentionTiles = true
    /// Whether new sequences keep a sliding-window layer's cache in a ring (see
    /// `InferenceState`); tests turn it off to compare the two layouts.
    var slidingWindowRings = true
    /// Per thread and query head, the maximum score and then the exponentials' sum of the
    /// thread's positions, for attention split over positions (see `splitAttention`).
    let splitPartials: UnsafeMutablePointer<Double>

    public init(file: GGUFFile, threads: Int? = nil, exactF32: Bool = false, maxBatch: Int = 256,
                cacheType: KVCacheType = .f32) throws {
        let config = try ModelConfig(file: file)
        self.config = config
        self.file = file
        self.maxBatch = maxBatch
        self.cacheType = cacheType
        weights = try TransformerWeights(file: file, config: config, dequantizeAll: exactF32)
        pool = ThreadPool(threads: threads)
        let maxColumns = weights.matrices.map(\.columns).max() ?? config.embeddingLength
        matmul = MatMul(pool: pool, maxTokens: maxBatch, maxColumns: maxColumns)
        ropes = config.layerAttention.map {
            Rope(dimensions: config.ropeDimensions, base: $0.ropeBase, freqScale: $0.ropeScale, mode: config.architecture.ropeMode)
        }
        func buffer(_ ws: [WeightMatrix]) -> UnsafeMutableBufferPointer<WeightMatrix> {
            let b = UnsafeMutableBufferPointer<WeightMatrix>.allocate(capacity: ws.count)
            _ = b.initialize(from: ws)
            return b
        }
        sharedInputGroups = weights.layers.map { (buffer([$0.wq, $0.wk, $0.wv]), buffer([$0.gate, $0.up])) }
        // Reserved, not touched: pages become resident only when batched decoding uses them.
        batchLogits = .allocate(capacity: maxBatch * config.vocabularySize)
        splitPartials = .allocate(capacity: 2 * pool.threadCount * config.headCount)
    }

    deinit {
        weights.release()
        batchLogits.deallocate()
        splitPartials.deallocate()
        for g in sharedInputGroups {
            g.qkv.deinitialize().deallocate()
            g.gateUp.deinitialize().deallocate()
        }
    }

    /// One pass for matrices sharing an input when their formats agree, else one per matrix.
    private func multiply(_ group: UnsafeMutableBufferPointer<WeightMatrix>, _ x: UnsafePointer<Float>, tokens: Int,
                          into outs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>) {
        let format = group[0].activationFormat
        if group.allSatisfy({ $0.activationFormat == format }) {
            matmul.multiply(UnsafeBufferPointer(group), x, tokens: tokens, into: UnsafeBufferPointer(outs))
        } else {
            for (w, out) in zip(group, outs) { matmul.multiply(w, x, tokens: tokens, into: out) }
        }
    }

    /// A fresh sequence with room for `contextLength` tokens (default: the model's, capped at 4096).
    public func makeState(contextLength: Int? = nil) -> InferenceState {
        let length = max(1, min(contextLength ?? min(config.contextLength, 4096), config.contextLength))
        return InferenceState(config: config, contextLength: length, maxBatch: maxBatch, threads: pool.threadCount, cacheType: cacheType,
                              rings: slidingWindowRings)
    }

    /// Runs `tokens` at the state's next positions. The last token's logits land in
    /// `state.lastLogits`; with `eachLogits`, every position's logits are passed to it in order.
    public func evaluate(_ tokens: [Int], state: InferenceState,
                         eachLogits: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) throws {
        guard !tokens.isEmpty else { return }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError("token id \(bad) is out of range (vocabulary size \(config.vocabularySize))")
        }
        guard state.position + tokens.count <= state.contextLength else {
            throw ModelError("context is full: \(state.position) + \(tokens.count) tokens exceed the context length \(state.contextLength)")
        }
        var allLogits: UnsafeMutablePointer<Float>? = nil
        if eachLogits != nil { allLogits = .allocate(capacity: maxBatch * config.vocabularySize) }
        defer { allLogits?.deallocate() }
        passLock.lock()
        defer { passLock.unlock() }
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + maxBatch)
            tokens[start..<end].withContiguousStorageIfAvailable { chunk in
                forward(chunk, scratch: state, placement: Placement(sequence: state), allLogits: allLogits, isLast: end == tokens.count)
            }
            if let allLogits, let eachLogits {
                let v = config.vocabularySize
                for t in 0..<(end - start) {
                    eachLogits(state.position - (end - start) + t, UnsafeBufferPointer(start: allLogits + t * v, count: v))
                }
            }
            start = end
        }
    }

    /// Runs the next token of each of several sequences in one forward pass: the weights are
    /// read once for all of them, which is what makes serving several requests at once faster
    /// than serving them in turn. Each sequence's logits land in its own state.
    public func evaluate(batch: [(token: Int, state: InferenceState)]) throws {
        try evaluate(segments: batch.map { ([$0.token], $0.state) })
    }

    /// Runs runs of tokens of several sequences in one forward pass: a new request's prompt
    /// (or a chunk of it) next to the next token of requests already decoding. Each segment's
    /// tokens take the next positions of its sequence; the logits of each segment's last token
    /// land in its state. Passes are cut at `maxBatch` tokens.
    public func evaluate(segments: [(tokens: [Int], state: InferenceState)]) throws {
        var seen = Set<ObjectIdentifier>()
        var tokens: [Int] = [], states: [InferenceState] = [], positions: [Int] = [], wantsLogits: [Bool] = []
        for (run, state) in segments where !run.isEmpty {
            if let bad = run.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
                throw ModelError("token id \(bad) is out of range (vocabulary size \(config.vocabularySize))")
            }
            guard state.position + run.count <= state.contextLength else {
                throw ModelError("context is full: \(state.position) + \(run.count) tokens exceed the context length \(state.contextLength)")
            }
            guard seen.insert(ObjectIdentifier(state)).inserted else {
                throw ModelError("a batch holds at most one run of tokens per sequence")
            }
            for (i, token) in run.enumerated() {
                tokens.append(token)
                states.append(state)
                positions.append(state.position + i)
                wantsLogits.append(i == run.count - 1)
            }
        }
        guard !tokens.isEmpty else { return }
        passLock.lock()
        defer { passLock.unlock() }
        let longest = states.map(\.contextLength).max()!
        if batchScratch.map({ $0.contextLength < longest }) ?? true {
            batchScratch = InferenceState(config: config, contextLength: longest, maxBatch: maxBatch, threads: pool.threadCount)
        }
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + maxBatch)
            let placement = Placement(states: Array(states[start..<end]), positions: Array(positions[start..<end]),
                                      wantsLogits: Array(wantsLogits[start..<end]))
            tokens[start..<end].withContiguousStorageIfAvailable { chunk in
                forward(chunk, scratch: batchScratch!, placement: placement, allLogits: batchLogits, isLast: true)
            }
            start = end
        }
    }

    /// Where each token of a forward pass belongs: consecutive positions of one sequence
    /// (a prompt), or any mix of runs of several sequences (batched serving).
    struct Placement {
        let sequence: InferenceState?
        let start: Int
        let states: [InferenceState]
        let positions: [Int]
        /// Per token (batched serving): whether its logits are wanted (the last of its run).
        let wantsLogits: [Bool]
        /// Batched serving: the runs of two or more consecutive tokens of one sequence (prompt
        /// chunks), which attention may take in tiles; `inRun` marks their tokens.
        let runs: [Range<Int>]
        let inRun: [Bool]

        init(sequence: InferenceState) {
            self.sequence = sequence
            start = sequence.position
            states = []
            positions = []
            wantsLogits = []
            runs = []
            inRun = []
        }

        init(states: [InferenceState], positions: [Int], wantsLogits: [Bool]) {
            sequence = nil
            start = 0
            self.states = states
            self.positions = positions
            self.wantsLogits = wantsLogits
            var runs: [Range<Int>] = [], inRun = [Bool](repeating: false, count: states.count)
            var first = 0
            for t in stride(from: 1, through: states.count, by: 1) {
                if t < states.count && states[t] === states[first] && positions[t] == positions[t - 1] + 1 { continue }
                if t - first > 1 {
                    runs.append(first..<t)
                    for i in first..<t { inRun[i] = true }
                }
                first = t
            }
            self.runs = runs
            self.inRun = inRun
        }

        @inline(__always) func state(_ t: Int) -> InferenceState { sequence ?? states[t] }
        @inline(__always) func position(_ t: Int) -> Int { sequence == nil ? positions[t] : start + t }
    }

    /// One forward pass over `tokens`. `scratch` provides the activation rows (and, for a single
    /// sequence, is that sequence); keys, values and positions come from `placement`. With
    /// `hidden` (a single sequence only), every token's final hidden state — the output norm's
    /// result, which the output matrix turns into logits — is written there, one row per token
    /// (what embeddings are pooled from). Callers hold `passLock`.
    func forward(_ tokens: UnsafeBufferPointer<Int>, scratch s: InferenceState, placement: Placement,
                 allLogits: UnsafeMutablePointer<Float>?, isLast: Bool, hidden: UnsafeMutablePointer<Float>? = nil) {
        let c = config, arch = c.architecture, n = tokens.count, d = c.embeddingLength
        let qDim = c.headCount * c.headDimension, kvDim = s.kvDimension
        let hd = c.headDimension, eps = c.rmsEpsilon
        for (t, token) in tokens.enumerated() { weights.tokenEmbedding.row(token, into: s.x + t * d) }
        if arch.scalesEmbedding { VectorMath.scale(s.x, by: Float(d).squareRoot(), count: n * d) }

        for (l, layer) in weights.layers.enumerated() {
            normalize(s.x, layer.attentionNorm, into: s.xb, tokens: n)
            multiply(sharedInputGroups[l].qkv, s.xb, tokens: n, into: s.qkvOutputs)
            perToken(n) { t in
                let q = s.q + t * qDim, k = s.k + t * kvDim, v = s.v + t * kvDim
                let target = placement.state(t), position = placement.position(t)
                if let b = layer.bq { VectorMath.add(q, b, count: qDim) }
                if let b = layer.bk { VectorMath.add(k, b, count: kvDim) }
                if let b = layer.bv { VectorMath.add(v, b, count: kvDim) }
                if let w = layer.qNorm {
                    for h in 0..<c.headCount { VectorMath.rmsNorm(q + h * hd, weight: w, epsilon: eps, into: q + h * hd, count: hd) }
                }
                if let w = layer.kNorm {
                    for h in 0..<c.headCountKV { VectorMath.rmsNorm(k + h * hd, weight: w, epsilon: eps, into: k + h * hd, count: hd) }
                }
                ropes[l].apply(q, heads: c.headCount, headDimension: hd, position: position)
                ropes[l].apply(k, heads: c.headCountKV, headDimension: hd, position: position)
                target.store(layer: l, position: position, key: k, value: v)
            }
            attention(layer: l, tokens: n, scratch: s, placement: placement)
            matmul.multiply(layer.wo, s.attention, tokens: n, into: s.projected)
            if let w = layer.postAttentionNorm { normalize(s.projected, w, into: s.projected, tokens: n) }
            VectorMath.add(s.x, s.projected, count: n * d)

            normalize(s.x, layer.ffnNorm, into: s.xb, tokens: n)
            multiply(sharedInputGroups[l].gateUp, s.xb, tokens: n, into: s.gateUpOutputs)
            runStep(.activation, layer: l, tokens: n, scratch: s, placement: placement)
            matmul.multiply(layer.down, s.gate, tokens: n, into: s.projected)
            if let w = layer.postFFNNorm { normalize(s.projected, w, into: s.projected, tokens: n) }
            VectorMath.add(s.x, s.projected, count: n * d)
        }
        let v = c.vocabularySize
        if let sequence = placement.sequence {
            sequence.position += n
            if let hidden { normalize(s.x, weights.outputNorm, into: hidden, tokens: n) }
            if let allLogits {
                normalize(s.x, weights.outputNorm, into: s.xb, tokens: n)
                matmul.multiply(weights.output, s.xb, tokens: n, into: allLogits)
                if isLast { sequence.logits.update(from: allLogits + (n - 1) * v, count: v) }
            } else if isLast {
                let last = (n - 1) * d
                VectorMath.rmsNorm(s.x + last, weight: weights.outputNorm, epsilon: c.rmsEpsilon, into: s.xb, count: d)
                matmul.multiply(weights.output, s.xb, tokens: 1, into: sequence.logits)
            }
        } else if let allLogits {
            // Only the last token of each run needs logits: gather those rows, then one product.
            let wanted = (0..<n).filter { placement.wantsLogits[$0] }
            for (row, t) in wanted.enumerated() {
                VectorMath.rmsNorm(s.x + t * d, weight: weights.outputNorm, epsilon: c.rmsEpsilon, into: s.xb + row * d, count: d)
            }
            if !wanted.isEmpty { matmul.multiply(weights.output, s.xb, tokens: wanted.count, into: allLogits) }
            for (row, t) in wanted.enumerated() {
                placement.states[t].logits.update(from: allLogits + row * v, count: v)
            }
            for t in 0..<n { placement.states[t].position += 1 }
        }
    }

    /// RMS-normalizes each token's row of `x` into `out` (which may be `x`).
    private func normalize(_ x: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, tokens n: Int) {
        let d = config.embeddingLength, eps = config.rmsEpsilon
        perToken(n) { t in VectorMath.rmsNorm(x + t * d, weight: weight, epsilon: eps, into: out + t * d, count: d) }
    }

    /// Runs `body` for each of `n` tokens, spread over the pool when there are several: the
    /// per-token steps between the matrix products (norms, rope) would otherwise run on one
    /// thread while the others wait. Each token's arithmetic is the same either way.
    private func perToken(_ n: Int, _ body: (Int) -> Void) {
        if n == 1 { body(0); return }
        pool.parallelFor(n) { range in for t in range { body(t) } }
    }

    /// Runs `step` of layer `l` on the pool.
    func runStep(_ step: PoolStep, layer l: Int, tokens n: Int, scratch s: InferenceState, placement: Placement) {
        poolStep = step
        stepLayer = l
        stepTokens = n
        stepScratch = s
        stepPlacement = placement
        pool.run(self)
        stepScratch = nil
        stepPlacement = nil
    }

    func run(thread: Int) {
        let s = stepScratch!
        switch poolStep {
        case .attention:
            attend(layer: stepLayer, tokens: stepTokens, scratch: s, placement: stepPlacement!, thread: thread)
        case .splitScores, .splitWeights, .splitValues:
            splitAttention(poolStep, layer: stepLayer, scratch: s, placement: stepPlacement!, thread: thread)
        case .activation:
            // The gate and up rows of every token, split evenly.
            let r = pool.share(of: stepTokens * config.feedForwardLength, thread: thread)
            if !r.isEmpty {
                VectorMath.gatedActivation(config.architecture.activation, s.gate + r.lowerBound, s.up + r.lowerBound, count: r.count)
            }
        }
    }
}
