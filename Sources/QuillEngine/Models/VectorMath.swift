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

    /// In-place softmax; returns nothing, leaves probabilities summing to 1.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        var maxValue = -Float.infinity
        for i in 0..<n where x[i] > maxValue { maxValue = x[i] }
        var sum: Double = 0
        for i in 0..<n {
            let e = expf(x[i] - maxValue)
            x[i] = e
            sum += Double(e)
        }
        let inverse = Float(1 / sum)
        for i in 0..<n { x[i] *= inverse }
    }

    /// gate = silu(gate) * up, in place.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
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
    let mode: ModelConfig.RopeMode

    /// Rotates each of `heads` vectors of `headDimension` floats at `x` for `position`.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int) {
        let thetaScale = powf(base, -2 / Float(dimensions))
        for h in 0..<heads {
            let v = x + h * headDimension
            var theta = Float(position) * freqScale
            for i in stride(from: 0, to: dimensions, by: 2) {
                let c = cosf(theta), s = sinf(theta)
                let (a, b) = mode == .normal ? (i, i + 1) : (i / 2, i / 2 + dimensions / 2)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
                theta *= thetaScale
            }
        }
    }
}
