import CQuillKernels
import XCTest
@testable import QuillEngine

/// The tiled kernels (one weight row against up to eight activation rows) against the one-row
/// kernels, on both paths, and `MatMul` with several tokens against one token at a time.
extension QuantFormatTests {
    typealias TileKernel = (UnsafeRawPointer?, Int64, Int32, UnsafeRawPointer?, Int32, Int64, UnsafeMutablePointer<Float>?, Int64) -> Void

    static let tiledTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0]

    static func tileKernel(_ type: GGMLType) -> TileKernel {
        switch type {
        case .q4_0: quill_tile_dot_q4_0
        case .q4_1: quill_tile_dot_q4_1
        case .q5_0: quill_tile_dot_q5_0
        case .q5_1: quill_tile_dot_q5_1
        case .q8_0: quill_tile_dot_q8_0
        default: preconditionFailure("no tiled kernel for \(type.name)")
        }
    }

    /// The kernel paths this CPU can run (AVX2 first when present).
    static var paths: [Int32] { quill_kernels_have_avx2() != 0 ? [0, 1] : [1] }

    /// The AVX2 q8_K quantizer writes the scalar one's bytes: scale, values (ties to even, the
    /// signed extreme at -127) and sub-block sums, including an all-zero block and a block whose
    /// largest magnitude occurs twice with both signs.
    func testQ8KQuantizerPathsAgree() {
        var rng = RandomGenerator(seed: 0x08C8)
        let n = 256 * 6
        var x = (0..<n).map { i in Float([1, 0.01, 30][i / 512]) * normal(&rng) }
        for j in 256..<512 { x[j] = 0 }
        for j in 512..<768 { x[j] = Float(j % 64) - 31.5 }
        x[900] = -50; x[950] = 50
        let bytes = n / 256 * 292
        defer { quill_kernels_force_scalar(0) }
        let outputs = Self.paths.map { scalar in
            quill_kernels_force_scalar(scalar)
            return [UInt8](unsafeUninitializedCapacity: bytes) { buffer, count in
                buffer.initialize(repeating: 0xA5)
                quill_quantize_q8_K(x, buffer.baseAddress!, Int64(n))
                count = bytes
            }
        }
        XCTAssertEqual(outputs.first, outputs.last)
    }

    /// Each tile row holds exactly the blocks `quill_quantize_a8` writes for it, at the places
    /// `block_a8x8` documents, and rows past `count` are zero; the AVX2 and scalar quantizers
    /// write the same bytes.
    func testTileQuantizerMatchesRowQuantizer() {
        var rng = RandomGenerator(seed: 0x711E)
        let n = 416, blocks = n / 32
        let scales: [Float] = [1, 0.01, 10, 1, 3, 0.1, 1, 100]
        var x = scales.flatMap { s in (0..<n).map { _ in s * normal(&rng) } }
        for j in 0..<32 { x[n + j] = 0 }                      // an all-zero block
        for j in 0..<32 { x[2 * n + 32 + j] = Float(j) - 15.5 } // halves: ties round to even
        let rowBytes = blocks * 40
        var rows: [[UInt8]] = []
        defer { quill_kernels_force_scalar(0) }
        for scalar in Self.paths {
            quill_kernels_force_scalar(scalar)
            let path = scalar == 1 ? "scalar" : "AVX2"
            let a8 = (0..<8).map { t in
                [UInt8](unsafeUninitializedCapacity: rowBytes) { buffer, count in
                    x.withUnsafeBufferPointer { quill_quantize_a8($0.baseAddress! + t * n, buffer.baseAddress!, Int64(n)) }
                    count = rowBytes
                }
            }
            rows.append(a8.flatMap { $0 })
            for count in 1...8 {
                var tile = [UInt8](repeating: 0xA5, count: Int(quill_tile_bytes(Int64(n))))
                tile.withUnsafeMutableBytes { t in
                    x.withUnsafeBufferPointer { quill_quantize_a8_tile($0.baseAddress!, Int64(n), Int32(count), Int64(n), t.baseAddress!) }
                }
                for b in 0..<blocks {
                    let base = b * 352
                    for t in 0..<8 {
                        let row = b * 40
                        // d[t / 4][t % 4] and its copy at [t / 4][4 + t % 4], s[t], then the vectors.
                        let d = tile.loadFloat(base + (t / 4) * 32 + (t % 4) * 4), dCopy = tile.loadFloat(base + (t / 4) * 32 + 16 + (t % 4) * 4)
                        let s = tile.loadFloat(base + 64 + 4 * t)
                        let qs = (0..<32).map { e in tile[base + 96 + (t / 4) * 128 + (e % 16) / 4 * 32 + (e / 16) * 16 + (t % 4) * 4 + e % 4] }
                        let context = "\(path) count \(count) block \(b) row \(t)"
                        XCTAssertEqual(d.bitPattern, dCopy.bitPattern, context)
                        if t < count {
                            XCTAssertEqual(d.bitPattern, a8[t].loadFloat(row).bitPattern, context)
                            XCTAssertEqual(s.bitPattern, a8[t].loadFloat(row + 4).bitPattern, context)
                            XCTAssertEqual(qs, Array(a8[t][row + 8..<row + 40]), context)
                        } else {
                            XCTAssertEqual(d, 0, context)
                            XCTAssertEqual(s, 0, context)
                            XCTAssertTrue(qs.allSatisfy { $0 == 0 }, context)
                        }
                    }
                }
            }
        }
        if rows.count == 2 { XCTAssertEqual(rows[0], rows[1], "AVX2 and scalar a8 quantizers differ") }
    }

    /// For every 32-element format, 1...8 activation rows through the tiled kernel give what
    /// one-row calls give: bit for bit on the scalar path (same order of operations), within
    /// 1e-4 of `Σ|wᵢ·xᵢ|` on the AVX2 path (the float sums are taken in another order). Five
    /// weight rows (not a multiple of anything the kernels unroll) and 8 or 13 blocks per row;
    /// outputs outside the rows and counts asked for stay untouched.
    func testTiledDotsMatchOneRowDots() {
        var rng = RandomGenerator(seed: 0x7113)
        defer { quill_kernels_force_scalar(0) }
        for type in Self.tiledTypes {
            let kernel = Self.kernel(type), tileDot = Self.tileKernel(type)
            let blockBytes = type.layout.bytesPerBlock
            for n in [256, 416] {
                let rows = 5, rowBytes = n / 32 * blockBytes
                let weights = (0..<rows).flatMap { _ in randomBlocks(kernel, elements: n, rng: &rng) }
                var w = [Float](repeating: 0, count: rows * n)
                weights.withUnsafeBytes { Dequantize.row(type, $0.baseAddress!, into: &w, count: rows * n) }
                let scales: [Float] = [1, 0.01, 10, 1, 3, 0.1, 1, 100]
                let x = scales.flatMap { s in (0..<n).map { _ in s * normal(&rng) } }
                let magnitude = (0..<rows).map { r in (0..<8).map { t in dot(Array(w[r * n..<(r + 1) * n]), Array(x[t * n..<(t + 1) * n])).magnitude } }

                // Weight rows start 2 bytes past a 64-byte boundary, as rows of a tensor may.
                let weightBuffer = UnsafeMutableRawPointer.allocate(byteCount: weights.count + 2, alignment: 64)
                defer { weightBuffer.deallocate() }
                weights.withUnsafeBytes { (weightBuffer + 2).copyMemory(from: $0.baseAddress!, byteCount: weights.count) }
                let a8Stride = n / 32 * 40
                let a8 = UnsafeMutableRawPointer.allocate(byteCount: 8 * a8Stride, alignment: 64)
                let tile = UnsafeMutableRawPointer.allocate(byteCount: Int(quill_tile_bytes(Int64(n))), alignment: 64)
                defer { a8.deallocate(); tile.deallocate() }

                for scalar in Self.paths {
                    quill_kernels_force_scalar(scalar)
                    let path = scalar == 1 ? "scalar" : "AVX2"
                    for t in 0..<8 { quill_quantize_a8(x.withUnsafeBufferPointer { $0.baseAddress! + t * n }, a8 + t * a8Stride, Int64(n)) }
                    var single = [[Float]](repeating: [Float](repeating: 0, count: 8), count: rows)
                    for r in 0..<rows {
                        for t in 0..<8 {
                            kernel.dot(weightBuffer + 2 + r * rowBytes, a8 + t * a8Stride, Int64(a8Stride), 1, Int64(n), &single[r][t])
                        }
                    }
                    for count in 1...8 {
                        x.withUnsafeBufferPointer { quill_quantize_a8_tile($0.baseAddress!, Int64(n), Int32(count), Int64(n), tile) }
                        let outStride = rows + 3
                        var out = [Float](repeating: .nan, count: 8 * outStride)
                        tileDot(weightBuffer + 2, Int64(rowBytes), Int32(rows), tile, Int32(count), Int64(n), &out, Int64(outStride))
                        for t in 0..<8 {
                            for r in 0..<outStride {
                                let got = out[t * outStride + r], context = "\(type.name) \(path) n=\(n) count \(count) row \(r) token \(t)"
                                guard t < count && r < rows else {
                                    XCTAssertTrue(got.isNaN, context + ": written outside the rows asked for")
                                    continue
                                }
                                if scalar == 1 {
                                    XCTAssertEqual(got.bitPattern, single[r][t].bitPattern, context)
                                } else {
                                    XCTAssertLessThanOrEqual(abs(Double(got) - Double(single[r][t])), 1e-4 * magnitude[r][t], context)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `MatMul` with several tokens (the tiled path for the 32-element formats, the 4-row path
    /// for K-quants) against one token at a time, for token counts around the tile size and a
    /// group of two matrices whose rows do not split evenly between the threads.
    func testMatMulTokensMatchOneAtATime() {
        var rng = RandomGenerator(seed: 0x3A7)
        let pool = ThreadPool(threads: 2)
        let columns = 512, maxTokens = 17
        let matmul = MatMul(pool: pool, maxTokens: maxTokens, maxColumns: columns)
        for types in [[GGMLType.q4_1, .q4_1], [.q8_0], [.q5_0, .q8_0], [.q4_K]] {
            let rowCounts = [37, 19].prefix(types.count)
            let kernels = types.map { Self.kernel($0) }
            let data = zip(kernels, rowCounts).map { k, rows in (0..<rows).flatMap { _ in randomBlocks(k, elements: columns, rng: &rng) } }
            let buffers = data.map { bytes -> UnsafeMutableRawPointer in
                let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
                bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                return p
            }
            defer { buffers.forEach { $0.deallocate() } }
            let matrices = zip(types, zip(rowCounts, buffers)).map { type, rb in
                WeightMatrix(name: type.name, type: type, rows: rb.0, columns: columns, data: UnsafeRawPointer(rb.1))
            }
            let x = (0..<maxTokens * columns).map { _ in normal(&rng) }
            for tokens in [2, 5, 8, 9, 16, 17] {
                let outs = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.rows) }
                let one = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows) }
                defer { outs.forEach { $0.deallocate() }; one.forEach { $0.deallocate() } }
                matrices.withUnsafeBufferPointer { group in
                    outs.withUnsafeBufferPointer { o in
                        x.withUnsafeBufferPointer { matmul.multiply(group, $0.baseAddress!, tokens: tokens, into: o) }
                    }
                }
                for t in 0..<tokens {
                    for (m, w) in matrices.enumerated() {
                        x.withUnsafeBufferPointer { matmul.multiply(w, $0.baseAddress! + t * columns, tokens: 1, into: one[m]) }
                        let scale = (0..<w.rows).map { abs(one[m][$0]) }.max()! + 1
                        for r in 0..<w.rows {
                            XCTAssertEqual(outs[m][t * w.rows + r], one[m][r], accuracy: 1e-4 * scale,
                                           "\(w.type.name) tokens \(tokens) token \(t) row \(r)")
                        }
                    }
                }
            }
        }
    }
}

private extension Array where Element == UInt8 {
    func loadFloat(_ offset: Int) -> Float {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Float.self) }
    }
}
