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
        withUnsafeTemporaryAllocation(of: WeightMatrix.self, capacity: 1) { ws in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: 1) { outs in
                ws.initializeElement(at: 0, to: w)
                outs[0] = out
                multiply(UnsafeBufferPointer(ws), x, tokens: tokens, into: UnsafeBufferPointer(outs))
                ws.deinitialize()
            }
        }
    }

    /// Several products of the same input (q, k and v; gate and up): the input is quantized
    /// once and one pass over the pool covers every matrix's rows. The matrices must share
    /// the input width and activation format.
    public func multiply(_ group: UnsafeBufferPointer<WeightMatrix>, _ x: UnsafePointer<Float>, tokens: Int,
                         into outs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>) {
        let first = group[0]
        let columns = first.columns
        let stride = first.activationFormat.rowBytes(columns)
        precondition(stride * tokens <= activationCapacity && columns <= scratchColumns, "matmul scratch too small")
        let acts = activations
        if tokens == 1 {
            first.quantize(x, into: acts)
        } else {
            pool.parallelFor(tokens) { range in
                for t in range { first.quantize(x + t * columns, into: acts + t * stride) }
            }
        }
        // Work is cut into tiles of rows across all matrices, dealt out in contiguous runs.
        var totalTiles = 0
        for w in group { totalTiles += (w.rows + Self.rowTile - 1) / Self.rowTile }
        let scratch = self.scratch, scratchColumns = self.scratchColumns
        pool.run { thread in
            let n = self.pool.threadCount
            let s = scratch + thread * (scratchColumns + 4)
            let results = s + scratchColumns
            var tile = totalTiles * thread / n
            let endTile = totalTiles * (thread + 1) / n
            var m = 0, tilesBefore = 0
            while tile < endTile {
                var tilesInM = (group[m].rows + Self.rowTile - 1) / Self.rowTile
                while tile >= tilesBefore + tilesInM {
                    tilesBefore += tilesInM
                    m += 1
                    tilesInM = (group[m].rows + Self.rowTile - 1) / Self.rowTile
                }
                let w = group[m], out = outs[m], rows = w.rows
                let r0 = (tile - tilesBefore) * Self.rowTile, r1 = min(rows, r0 + Self.rowTile)
                if tokens == 1 {
                    for r in r0..<r1 { w.dot(row: r, acts, stride: stride, count: 1, into: out + r, scratch: s) }
                } else {
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
                tile += 1
            }
        }
    }
}
