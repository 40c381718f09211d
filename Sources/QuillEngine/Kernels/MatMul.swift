import CQuillKernels
import Synchronization

/// Matrix products over the thread pool with preallocated scratch: `out[t][r] = W[r] · x[t]`.
///
/// The threads claim runs of rows as they go (see `forEachClaimedRun`). Decode (one token) runs the
/// rows kernels, which take several weight rows against the one activation row. Several tokens
/// (a prompt, or batched decoding) go through the tiled kernels in tiles of eight tokens for the
/// 32-element formats, so each unpacked weight block meets eight tokens at once; with several
/// tiles, a run of weight rows stays in L1 while it meets every tile, and the weights are read
/// once per batch instead of once per token.
public final class MatMul: ThreadPoolJob, @unchecked Sendable {
    public let pool: ThreadPool
    /// Quantized activations: `maxTokens` rows of the largest format.
    private let activations: UnsafeMutableRawPointer
    private let activationCapacity: Int
    /// Per-thread float rows for formats computed by dequantizing.
    private let scratch: UnsafeMutablePointer<Float>
    private let scratchColumns: Int

    static let rowTile = 16
    /// Bytes of activation tiles one block of the tiled path keeps in L2 while runs of weight
    /// rows pass by.
    static let activationBlockBytes = 256 << 10
    /// Activation rows one call of a (non-tiled) dot kernel takes: each unpacked weight block
    /// meets them all.
    static let rowsPerDot = 8
    static let tokenTile = 32
    /// The shortest run of rows a thread claims (about a microsecond of work when decoding).
    static let minimumRun = 16
    /// The first row of the current product not yet claimed by a thread.
    private let nextRow = Atomic<Int>(0)

    /// The steps of a product that run on the pool.
    private enum Pass { case quantizeRows, quantizeTiles, rows, tiles }
    /// The current product, set by `multiply` for the pool's threads (a product's state lives
    /// here rather than in closures, so running it allocates nothing; see `ThreadPoolJob`).
    private var pass = Pass.rows
    private var group = UnsafeBufferPointer<WeightMatrix>(start: nil, count: 0)
    private var outs = UnsafeBufferPointer<UnsafeMutablePointer<Float>>(start: nil, count: 0)
    private var input: UnsafePointer<Float>?
    private var tokens = 0
    /// Bytes per quantized activation row (`.rows`), per tile, tiles, and tiles per L2 block (`.tiles`).
    private var stride = 0, tileBytes = 0, tiles = 0, tilesPerBlock = 0

    public init(pool: ThreadPool, maxTokens: Int, maxColumns: Int) {
        self.pool = pool
        // Room for every token's row in the largest format, or for the tiles of the tiled path.
        let tiles = (maxTokens + Int(QUILL_TILE_ROWS) - 1) / Int(QUILL_TILE_ROWS)
        activationCapacity = max(maxTokens * maxColumns * 4, tiles * Int(quill_tile_bytes(Int64(maxColumns)))) + 64
        activations = .allocate(byteCount: activationCapacity, alignment: 64)
        // Each thread's slice: a dequantized row, then the multi-row results.
        scratchColumns = maxColumns
        scratch = .allocate(capacity: (maxColumns + Self.rowsPerDot) * pool.threadCount)
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
        self.group = group
        self.outs = outs
        input = x
        self.tokens = tokens
        if tokens > 1 && first.hasTileKernel {
            multiplyTiled()
            return
        }
        stride = first.activationFormat.rowBytes(first.columns)
        precondition(stride * tokens <= activationCapacity && first.columns <= scratchColumns, "matmul scratch too small")
        if tokens == 1 {
            first.quantize(x, into: activations)
        } else {
            runPass(.quantizeRows)
        }
        nextRow.store(0, ordering: .relaxed)
        runPass(.rows)
    }

    /// Several tokens through the 32-element formats: the activations are quantized into tiles
    /// of eight rows, and each call of the tiled kernel takes a run of weight rows through one
    /// tile, so every unpacked weight block meets eight tokens at once.
    private func multiplyTiled() {
        let columns = group[0].columns
        let tileRows = Int(QUILL_TILE_ROWS)
        tileBytes = Int(quill_tile_bytes(Int64(columns)))
        tiles = (tokens + tileRows - 1) / tileRows
        precondition(tiles * tileBytes <= activationCapacity, "matmul scratch too small")
        // One tile (batched decoding) takes about a microsecond: not worth waking the pool for.
        if tiles == 1 {
            quantize(tile: 0)
        } else {
            runPass(.quantizeTiles)
        }
        // Tiles are taken a block at a time, as many as stay in a core's L2 cache: a long
        // prompt's activations for a wide matrix (256 tokens of ffn_down: 1.7 MB) would
        // otherwise be streamed from L3 again for every run of rows.
        tilesPerBlock = max(1, min(tiles, Self.activationBlockBytes / tileBytes))
        nextRow.store(0, ordering: .relaxed)
        runPass(.tiles)
    }

    private func runPass(_ pass: Pass) {
        self.pass = pass
        pool.run(self)
    }

    func run(thread: Int) {
        switch pass {
        case .quantizeRows:
            let first = group[0], columns = first.columns
            for t in pool.share(of: tokens, thread: thread) { first.quantize(input! + t * columns, into: activations + t * stride) }
        case .quantizeTiles:
            for j in pool.share(of: tiles, thread: thread) { quantize(tile: j) }
        case .rows:
            rowsShare(thread: thread)
        case .tiles:
            tilesShare()
        }
    }

    /// Quantizes tile `j` of the current input.
    private func quantize(tile j: Int) {
        let tileRows = Int(QUILL_TILE_ROWS), columns = group[0].columns
        let count = min(tileRows, tokens - j * tileRows)
        quill_quantize_a8_tile(input! + j * tileRows * columns, Int64(columns), Int32(count), Int64(columns),
                               activations + j * tileBytes)
    }

    /// A thread's part of a product through the rows kernels (one token) or the dot kernels.
    private func rowsShare(thread: Int) {
        let acts = activations, tokens = self.tokens, stride = self.stride
        let s = scratch + thread * (scratchColumns + Self.rowsPerDot)
        let results = s + scratchColumns
        forEachClaimedRun { w, out, rows in
            if tokens == 1 {
                w.rowsDot(rows: rows, acts, into: out + rows.lowerBound, scratch: s)
                return
            }
            var r0 = rows.lowerBound
            while r0 < rows.upperBound {
                let r1 = min(rows.upperBound, r0 + Self.rowTile)
                var t0 = 0
                while t0 < tokens {
                    let t1 = min(tokens, t0 + Self.tokenTile)
                    for r in r0..<r1 {
                        var t = t0
                        while t < t1 {
                            let count = min(Self.rowsPerDot, t1 - t)
                            w.dot(row: r, acts + t * stride, stride: stride, count: count, into: results, scratch: s)
                            for i in 0..<count { out[(t + i) * w.rows + r] = results[i] }
                            t += count
                        }
                    }
                    t0 = t1
                }
                r0 = r1
            }
        }
    }

    /// A thread's part of a product through the tiled kernels.
    private func tilesShare() {
        let acts = activations, tokens = self.tokens, tiles = self.tiles, tileBytes = self.tileBytes
        let tilesPerBlock = self.tilesPerBlock, tileRows = Int(QUILL_TILE_ROWS)
        forEachClaimedRun { w, out, rows in
            var b0 = 0
            while b0 < tiles {
                let b1 = min(tiles, b0 + tilesPerBlock)
                // With several tiles, a run of rows short enough to stay in L1 meets every
                // tile of the block before the next run is read.
                let run = b1 - b0 == 1 ? rows.count : Self.rowTile
                var r0 = rows.lowerBound
                while r0 < rows.upperBound {
                    let r1 = min(rows.upperBound, r0 + run)
                    for j in b0..<b1 {
                        let count = min(tileRows, tokens - j * tileRows)
                        w.tileDot(rows: r0..<r1, acts + j * tileBytes, count: count,
                                  into: out + j * tileRows * w.rows + r0, outStride: w.rows)
                    }
                    r0 = r1
                }
                b0 = b1
            }
        }
    }

    /// Calls `body` with runs of rows, claimed from `nextRow` until every row of the group (the
    /// rows of all its matrices, taken in order) is taken. Each claim takes a share of what is
    /// left (guided scheduling): a thread that starts late, for instance while it pulls the new
    /// activations into its cache, or runs slower, takes fewer rows, and the last runs are short.
    @inline(__always)
    private func forEachClaimedRun(_ body: (WeightMatrix, UnsafeMutablePointer<Float>, Range<Int>) -> Void) {
        let group = self.group, outs = self.outs
        var total = 0
        for w in group { total += w.rows }
        let share = 2 * pool.threadCount
        while true {
            var start = nextRow.load(ordering: .relaxed), size = 0
            while true {
                if start >= total { return }
                size = min(total - start, max(Self.minimumRun, (total - start) / share))
                let (claimed, current) = nextRow.compareExchange(expected: start, desired: start + size, ordering: .relaxed)
                if claimed { break }
                start = current
            }
            // The run may reach into the next matrices.
            var m = 0, before = 0
            let end = start + size
            while start < end {
                while start >= before + group[m].rows {
                    before += group[m].rows
                    m += 1
                }
                let w = group[m]
                let r0 = start - before, r1 = min(w.rows, end - before)
                body(w, outs[m], r0..<r1)
                start += r1 - r0
            }
        }
    }
}
