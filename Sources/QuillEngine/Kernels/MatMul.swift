/// Matrix products over the thread pool with preallocated scratch: `out[t][r] = W[r] · x[t]`.
///
/// Decode (one token) splits the rows across threads. Prompt processing walks row tiles
/// and token tiles so a tile of weight rows stays in L1 while it meets every activation row
/// of the token tile; the weights are read once per batch instead of once per token.
public final class MatMul: @unchecked Sendable {
    public let pool: ThreadPool
    /// Quantized activations: `maxTokens` rows of the largest format.
    private let activations: UnsafeMutableRawPointer
    private let activationCapacity: Int
    /// Per-thread float rows for formats computed by dequantizing.
    private let scratch: UnsafeMutablePointer<Float>
    private let scratchColumns: Int

    static let rowTile = 16
    static let tokenTile = 32

    public init(pool: ThreadPool, maxTokens: Int, maxColumns: Int) {
        self.pool = pool
        activationCapacity = maxTokens * maxColumns * 4 + 64
        activations = .allocate(byteCount: activationCapacity, alignment: 64)
        // Each thread's slice: a dequantized row, then 4 floats of multi-row results.
        scratchColumns = maxColumns
        scratch = .allocate(capacity: (maxColumns + 4) * pool.threadCount)
    }

    deinit {
        activations.deallocate()
        scratch.deallocate()
    }

    /// `out` (tokens × w.rows) = `x` (tokens × w.columns) · Wᵀ.
    public func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, into out: UnsafeMutablePointer<Float>) {
        let format = w.activationFormat
        let stride = format.rowBytes(w.columns)
        precondition(stride * tokens <= activationCapacity && w.columns <= scratchColumns, "matmul scratch too small")
        let acts = activations
        if tokens == 1 {
            w.quantize(x, into: acts)
        } else {
            pool.parallelFor(tokens) { range in
                for t in range { w.quantize(x + t * w.columns, into: acts + t * stride) }
            }
        }
        let rows = w.rows
        let scratch = self.scratch, scratchColumns = self.scratchColumns
        if tokens == 1 {
            pool.run { thread in
                let n = self.pool.threadCount
                let lo = rows * thread / n, hi = rows * (thread + 1) / n
                let s = scratch + thread * (scratchColumns + 4)
                for r in lo..<hi { w.dot(row: r, acts, stride: stride, count: 1, into: out + r, scratch: s) }
            }
            return
        }
        let rowTiles = (rows + Self.rowTile - 1) / Self.rowTile
        pool.run { thread in
            let n = self.pool.threadCount
            let s = scratch + thread * (scratchColumns + 4)
            let results = s + scratchColumns
            let firstTile = rowTiles * thread / n, endTile = rowTiles * (thread + 1) / n
            for tile in firstTile..<endTile {
                let r0 = tile * Self.rowTile, r1 = min(rows, r0 + Self.rowTile)
                var t0 = 0
                while t0 < tokens {
                    let t1 = min(tokens, t0 + Self.tokenTile)
                    for r in r0..<r1 {
                        var t = t0
                        while t < t1 {
                            let count = min(4, t1 - t)
                            w.dot(row: r, acts + t * stride, stride: stride, count: count, into: results, scratch: s)
                            for i in 0..<count { out[(t + i) * rows + r] = results[i] }
                            t += count
                        }
                    }
                    t0 = t1
                }
            }
        }
    }
}
