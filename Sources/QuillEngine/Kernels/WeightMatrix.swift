import CQuillKernels

/// A weight matrix in place in the model file (or in an owned f32 copy): `rows` rows of
/// `columns` elements in one GGML format. Multiplying it by float activations quantizes them
/// to the 8-bit format the weight's dot product expects, as ggml does.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int
    let data: UnsafeRawPointer

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = type.byteCount(elements: columns) ?? 0
        self.data = data
    }

    /// How activations are prepared for this weight's dot product.
    public enum ActivationFormat: Sendable {
        /// Floats as they are (float and dequantized formats).
        case f32
        /// 32-element blocks with f32 scale and sum (every 32-element weight format).
        case a8
        /// 256-element blocks with sub-block sums (K-quants).
        case q8_K

        /// Bytes one prepared activation row of `columns` elements takes.
        func rowBytes(_ columns: Int) -> Int {
            switch self {
            case .f32: columns * 4
            case .a8: columns / 32 * 40
            case .q8_K: columns / 256 * 292
            }
        }
    }

    var activationFormat: ActivationFormat {
        switch type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: .a8
        case .q4_K, .q5_K, .q6_K: .q8_K
        default: .f32
        }
    }

    /// Writes one activation row in this weight's activation format.
    func quantize(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        switch activationFormat {
        case .f32: out.copyMemory(from: x, byteCount: columns * 4)
        case .a8: quill_quantize_a8(x, out, Int64(columns))
        case .q8_K: quill_quantize_q8_K(x, out, Int64(columns))
        }
    }

    /// Products of row `row` with `count` (1...8) prepared activation rows `stride` bytes
    /// apart, into `out[0..<count]`. `scratch` holds `columns` floats for formats computed
    /// by dequantizing (Q2_K, Q3_K, BF16).
    @inline(__always)
    func dot(row: Int, _ x: UnsafeRawPointer, stride: Int, count: Int, into out: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>) {
        let w = data + row * rowBytes
        let n = Int64(columns), s = Int64(stride), c = Int32(count)
        switch type {
        case .q4_0: quill_dot_q4_0(w, x, s, c, n, out)
        case .q4_1: quill_dot_q4_1(w, x, s, c, n, out)
        case .q5_0: quill_dot_q5_0(w, x, s, c, n, out)
        case .q5_1: quill_dot_q5_1(w, x, s, c, n, out)
        case .q8_0: quill_dot_q8_0(w, x, s, c, n, out)
        case .q4_K: quill_dot_q4_K(w, x, s, c, n, out)
        case .q5_K: quill_dot_q5_K(w, x, s, c, n, out)
        case .q6_K: quill_dot_q6_K(w, x, s, c, n, out)
        case .f32:
            for t in 0..<count {
                out[t] = quill_dot_f32(w.assumingMemoryBound(to: Float.self), (x + t * stride).assumingMemoryBound(to: Float.self), n)
            }
        case .f16:
            for t in 0..<count {
                out[t] = quill_dot_f16_f32(w.assumingMemoryBound(to: UInt16.self), (x + t * stride).assumingMemoryBound(to: Float.self), n)
            }
        default:
            Dequantize.row(type, w, into: scratch, count: columns)
            for t in 0..<count {
                out[t] = quill_dot_f32(scratch, (x + t * stride).assumingMemoryBound(to: Float.self), n)
            }
        }
    }

    /// Products of rows `rows` with one prepared activation row (decoding one token), into
    /// `out[0..<rows.count]`. The 32-element formats have kernels that take four rows per step:
    /// one row's products form a chain of dependent float operations per block, so a row
    /// alone waits on latency, while four rows' chains overlap (and their activation block is
    /// loaded once); each result is still the one-row product bit for bit. Other formats go
    /// row by row through `dot`. `scratch` is as for `dot`.
    @inline(__always)
    func rowsDot(rows: Range<Int>, _ x: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>) {
        let w = data + rows.lowerBound * rowBytes
        let ws = Int64(rowBytes), r = Int32(rows.count), n = Int64(columns)
        switch type {
        case .q4_0: quill_rows_dot_q4_0(w, ws, r, x, n, out)
        case .q4_1: quill_rows_dot_q4_1(w, ws, r, x, n, out)
        case .q5_0: quill_rows_dot_q5_0(w, ws, r, x, n, out)
        case .q5_1: quill_rows_dot_q5_1(w, ws, r, x, n, out)
        case .q8_0: quill_rows_dot_q8_0(w, ws, r, x, n, out)
        default:
            // One activation row: its stride is never used.
            for row in rows { dot(row: row, x, stride: 0, count: 1, into: out + (row - rows.lowerBound), scratch: scratch) }
        }
    }

    /// Whether `tileDot` serves this format: every format with `.a8` activations.
    var hasTileKernel: Bool { activationFormat == .a8 }

    /// Products of rows `rows` with the first `count` (1...8) activation rows of a tile made by
    /// `quill_quantize_a8_tile`: `out[t * outStride + r - rows.lowerBound]` = row r · activation t.
    @inline(__always)
    func tileDot(rows: Range<Int>, _ tile: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let w = data + rows.lowerBound * rowBytes
        let ws = Int64(rowBytes), r = Int32(rows.count), n = Int64(columns), c = Int32(count), os = Int64(outStride)
        switch type {
        case .q4_0: quill_tile_dot_q4_0(w, ws, r, tile, c, n, out, os)
        case .q4_1: quill_tile_dot_q4_1(w, ws, r, tile, c, n, out, os)
        case .q5_0: quill_tile_dot_q5_0(w, ws, r, tile, c, n, out, os)
        case .q5_1: quill_tile_dot_q5_1(w, ws, r, tile, c, n, out, os)
        case .q8_0: quill_tile_dot_q8_0(w, ws, r, tile, c, n, out, os)
        default: preconditionFailure("no tiled kernel for \(type.name)")
        }
    }

    /// Dequantizes row `row` (an embedding lookup).
    func row(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, data + row * rowBytes, into: out, count: columns)
    }
}
