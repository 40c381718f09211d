import CQuillKernels
import Foundation

/// The element-wise and row-wise operations of a transformer layer, on float rows.
/// Sums are accumulated in Double where ggml does, so results track llama.cpp's closely.
enum VectorMath {
    /// out = x / rms(x) * weight
    static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float,
                        into out: UnsafeMutablePointer<Float>, count n: Int) {
        var sum: Double = 0
        for i in 0..<n { sum += Double(x[i] * x[i]) }
        let scale = 1 / (Float(sum / Double(n)) + epsilon).squareRoot()
        for i in 0..<n { out[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax: probabilities summing to 1. Its exp is glibc's expf exactly, in
    /// vector lanes (exp.c): attention takes one per score.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        quill_softmax_f32(x, Int64(n))
    }

    /// The largest of x[0..<n] (-infinity for none).
    static func maximum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        quill_max_f32(x, Int64(n))
    }

    /// x[i] = exp(x[i] - top) in place; returns their sum, accumulated in Double. Softmax's
    /// middle step, also run over parts of a row (attention split over positions).
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count n: Int, subtracting top: Float) -> Double {
        quill_exp_sum_f32(x, Int64(n), top)
    }

    /// gate = act(gate) * up, in place: SwiGLU (silu) or GeGLU (GELU, tanh approximation, from
    /// ggml's half-precision table; see activation.c).
    static func gatedActivation(_ activation: Architecture.Activation, _ gate: UnsafeMutablePointer<Float>,
                                _ up: UnsafePointer<Float>, count n: Int) {
        switch activation {
        case .silu:
            // An exp equal to libm's bit for bit: a merely close vector exp (within 1e-6) moved
            // near-tie arg-maxes of the quantized path (Qwen2.5's top-1 agreement with
            // llama.cpp: 322 → 317 of 326, measured).
            quill_swiglu_f32(gate, up, Int64(n))
        case .geluTanh:
            quill_geglu_f32(gate, up, Int64(n))
        }
    }

    static func scale(_ x: UnsafeMutablePointer<Float>, by factor: Float, count n: Int) {
        for i in 0..<n { x[i] *= factor }
    }

    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }
}

/// Rotary position embedding with ggml's angle recurrence (θ multiplied by base^(-2/d) per
/// pair, in float), so positions rotate exactly as llama.cpp rotates them.
struct Rope {
    let dimensions: Int
    let base: Float
    let freqScale: Float
    let mode: Architecture.RopeMode

    /// Rotates each of `heads` vectors of `headDimension` floats at `x` for `position`. The
    /// angles depend only on the position, so their cosines and sines are computed once for
    /// all the heads.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int) {
        let thetaScale = powf(base, -2 / Float(dimensions))
        let pairs = dimensions / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * pairs) { table in
            var theta = Float(position) * freqScale
            for p in 0..<pairs {
                table[2 * p] = cosf(theta)
                table[2 * p + 1] = sinf(theta)
                theta *= thetaScale
            }
            for h in 0..<heads {
                let v = x + h * headDimension
                for p in 0..<pairs {
                    let c = table[2 * p], s = table[2 * p + 1]
                    let (a, b) = mode == .normal ? (2 * p, 2 * p + 1) : (p, p + pairs)
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * c - x1 * s
                    v[b] = x0 * s + x1 * c
                }
            }
        }
    }
}
