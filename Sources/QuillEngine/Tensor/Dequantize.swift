import CQuillKernels

/// Scalar reference dequantization of every supported format: the readable definition of
/// each block layout, checked against the `gguf` Python package's output, and the baseline
/// the fast kernels are tested against.
///
/// Element `e` of a 256-element K-quant super-block is written `e = 128*h + 32*s + l`
/// (half `h`, quarter `s`, lane `l`): that is how the packed fields are indexed.
public enum Dequantize {
    /// Dequantizes `count` elements (whole blocks) from `src` into `dst`.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        let (block, bytes) = type.layout
        for b in 0..<(count / block) {
            let p = src + b * bytes
            let y = dst + b * block
            switch type {
            case .f32: y[0] = p.loadUnaligned(as: Float.self)
            case .f16: y[0] = half(p, 0)
            case .bf16: y[0] = Float(bitPattern: UInt32(p.loadUnaligned(as: UInt16.self)) << 16)
            case .q4_0: q4(p, y, scale: half(p, 0), offset: 8, min: 0, qs: 2)
            case .q4_1: q4(p, y, scale: half(p, 0), offset: 0, min: half(p, 2), qs: 4)
            case .q5_0: q5(p, y, scale: half(p, 0), offset: 16, min: 0, qh: 2)
            case .q5_1: q5(p, y, scale: half(p, 0), offset: 0, min: half(p, 2), qh: 4)
            case .q8_0:
                let d = half(p, 0)
                for j in 0..<32 { y[j] = d * Float(Int8(bitPattern: p.load(fromByteOffset: 2 + j, as: UInt8.self))) }
            case .q2_K: q2K(p, y)
            case .q3_K: q3K(p, y)
            case .q4_K: q45K(p, y, qh: nil)
            case .q5_K: q45K(p, y, qh: 16)
            case .q6_K: q6K(p, y)
            default: preconditionFailure("no dequantization for \(type.name); callers check isSupported")
            }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        quill_f16_to_f32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    private static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> Int {
        Int(p.load(fromByteOffset: offset, as: UInt8.self))
    }

    /// 4-bit blocks: byte j holds element j (low nibble) and element j+16 (high nibble).
    private static func q4(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, scale: Float, offset: Int, min: Float, qs: Int) {
        for j in 0..<16 {
            let b = byte(p, qs + j)
            y[j] = Float((b & 0xF) - offset) * scale + min
            y[j + 16] = Float((b >> 4) - offset) * scale + min
        }
    }

    /// 5-bit blocks: the 4-bit layout plus bit e of the u32 `qh` as the fifth bit of element e.
    private static func q5(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, scale: Float, offset: Int, min: Float, qh: Int) {
        let high = p.loadUnaligned(fromByteOffset: qh, as: UInt32.self)
        for j in 0..<16 {
            let b = byte(p, qh + 4 + j)
            let h0 = Int((high >> UInt32(j)) & 1) << 4, h1 = Int((high >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(((b & 0xF) | h0) - offset) * scale + min
            y[j + 16] = Float(((b >> 4) | h1) - offset) * scale + min
        }
    }

    /// Q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
    private static func q2K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 80), dmin = half(p, 82)
        for e in 0..<256 {
            let (h, s, l) = (e / 128, (e % 128) / 32, e % 32)
            let q = (byte(p, 16 + 32 * h + l) >> (2 * s)) & 3
            let sc = byte(p, e / 16)
            y[e] = d * Float(sc & 0xF) * Float(q) - dmin * Float(sc >> 4)
        }
    }

    /// Q3_K: hmask[32], qs[64], 12 bytes of packed 6-bit scales, d.
    private static func q3K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 108)
        for e in 0..<256 {
            let (h, s, l) = (e / 128, (e % 128) / 32, e % 32)
            let low2 = (byte(p, 32 + 32 * h + l) >> (2 * s)) & 3
            let highBit = (byte(p, l) >> (e / 32)) & 1
            let q = low2 - (highBit == 1 ? 0 : 4)
            let i = e / 16
            let low4 = i < 8 ? byte(p, 96 + i) & 0xF : byte(p, 96 + i - 8) >> 4
            let high2 = (byte(p, 96 + 8 + i % 4) >> (2 * (i / 4))) & 3
            y[e] = d * Float((low4 | high2 << 4) - 32) * Float(q)
        }
    }

    /// Q4_K and Q5_K: d, dmin, 12 bytes of packed 6-bit scales and mins, [qh[32]], qs[128].
    private static func q45K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, qh: Int?) {
        let d = half(p, 0), dmin = half(p, 2)
        let qs = qh == nil ? 16 : 48
        for e in 0..<256 {
            let chunk = e / 64, l = e % 32, upper = (e % 64) >= 32
            let b = byte(p, qs + 32 * chunk + l)
            var q = upper ? b >> 4 : b & 0xF
            if let qh { q |= ((byte(p, qh + l) >> (e / 32)) & 1) << 4 }
            let (sc, mn) = scaleMinK4(e / 32, p + 4)
            y[e] = d * Float(sc) * Float(q) - dmin * Float(mn)
        }
    }

    /// Q6_K: ql[128], qh[64], scales[16] (signed), d.
    private static func q6K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for e in 0..<256 {
            let (h, s, l) = (e / 128, (e % 128) / 32, e % 32)
            let lowByte = byte(p, 64 * h + 32 * (s & 1) + l)
            let low4 = s < 2 ? lowByte & 0xF : lowByte >> 4
            let high2 = (byte(p, 128 + 32 * h + l) >> (2 * s)) & 3
            let sc = Int8(bitPattern: UInt8(byte(p, 192 + e / 16)))
            y[e] = d * Float(sc) * Float((low4 | high2 << 4) - 32)
        }
    }

    /// The 6-bit scale and min of sub-block j from the 12 packed bytes of Q4_K/Q5_K.
    static func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (Int, Int) {
        if j < 4 { return (byte(q, j) & 63, byte(q, j + 4) & 63) }
        return ((byte(q, j + 4) & 0xF) | ((byte(q, j - 4) >> 6) << 4),
                (byte(q, j + 4) >> 4) | ((byte(q, j) >> 6) << 4))
    }
}
