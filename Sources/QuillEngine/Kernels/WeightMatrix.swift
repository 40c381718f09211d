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
        case f32, q8_0, q8_1, q8_K

        /// Bytes one quantized activation row of `columns` elements takes.
        func rowBytes(_ columns: Int) -> Int {
            switch self {
            case .f32: columns * 4
            case .q8_0: columns / 32 * 34
            case .q8_1: columns / 32 * 36
            case .q8_K: columns / 256 * 292
            }
        }
    }

    var activationFormat: ActivationFormat {
        switch type {
        case .q4_0, .q5_0, .q8_0: .q8_0
        case .q4_1, .q5_1: .q8_1
        case .q4_K, .q5_K, .q6_K: .q8_K
        default: .f32
        }
    }

    /// Writes one activation row in this weight's activation format.
    func quantize(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        switch activationFormat {
        case .f32: out.copyMemory(from: x, byteCount: columns * 4)
        case .q8_0: quill_quantize_q8_0(x, out, Int64(columns))
        case .q8_1: quill_quantize_q8_1(x, out, Int64(columns))
        case .q8_K: quill_quantize_q8_K(x, out, Int64(columns))
        }
    }

    /// Dot product of row `row` with one prepared activation row. `scratch` holds `columns`
    /// floats for formats computed by dequantizing (Q2_K, Q3_K, BF16).
    @inline(__always)
    func dot(row: Int, _ x: UnsafeRawPointer, scratch: UnsafeMutablePointer<Float>) -> Float {
        let w = data + row * rowBytes
        let n = Int64(columns)
        switch type {
        case .q4_0: return quill_dot_q4_0_q8_0(w, x, n)
        case .q4_1: return quill_dot_q4_1_q8_1(w, x, n)
        case .q5_0: return quill_dot_q5_0_q8_0(w, x, n)
        case .q5_1: return quill_dot_q5_1_q8_1(w, x, n)
        case .q8_0: return quill_dot_q8_0_q8_0(w, x, n)
        case .q4_K: return quill_dot_q4_K_q8_K(w, x, n)
        case .q5_K: return quill_dot_q5_K_q8_K(w, x, n)
        case .q6_K: return quill_dot_q6_K_q8_K(w, x, n)
        case .f32: return quill_dot_f32(w.assumingMemoryBound(to: Float.self), x.assumingMemoryBound(to: Float.self), n)
        case .f16: return quill_dot_f16_f32(w.assumingMemoryBound(to: UInt16.self), x.assumingMemoryBound(to: Float.self), n)
        default:
            Dequantize.row(type, w, into: scratch, count: columns)
            return quill_dot_f32(scratch, x.assumingMemoryBound(to: Float.self), n)
        }
    }

    /// Dequantizes row `row` (an embedding lookup).
    func row(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, data + row * rowBytes, into: out, count: columns)
    }
}
