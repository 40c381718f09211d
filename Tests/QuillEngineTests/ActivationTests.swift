import CQuillKernels
import Foundation
import XCTest

/// GeGLU as ggml computes it (GELU of the input rounded to half precision, its result rounded
/// to half precision, 0 below -10 and pass-through above 10), on both paths, over the range the
/// feed-forward sees and past ±10.
final class ActivationTests: XCTestCase {
    private let n = 4099
    private var gate: [Float] {
        (0..<n).map { Float($0 - n / 2) * 0.013 + (($0 % 7 == 0) ? 60 : 0) * ($0 % 2 == 0 ? 1 : -1) }
    }

    private func run(_ gate: [Float], _ up: [Float], scalar: Bool) -> [Float] {
        quill_kernels_force_scalar(scalar ? 1 : 0)
        defer { quill_kernels_force_scalar(0) }
        var g = gate
        g.withUnsafeMutableBufferPointer { quill_geglu_f32($0.baseAddress!, up, Int64(n)) }
        return g
    }

    private func half(_ x: Float) -> Float { quill_f16_to_f32(quill_f32_to_f16(x)) }

    /// With `up` = 1 the results are ggml's table entries: gelu of the rounded input, rounded.
    func testResultsAreHalfPrecisionGELUOfTheRoundedInput() {
        let ones = [Float](repeating: 1, count: n)
        for scalar in [true, false] {
            let out = run(gate, ones, scalar: scalar)
            for (x, y) in zip(gate, out) {
                if x <= -10 { XCTAssertEqual(y, 0); continue }
                if x >= 10 { XCTAssertEqual(y, x); continue }
                // ggml_gelu_f32's float arithmetic, in its order.
                let g = half(x)
                let expected = half(0.5 * g * (1 + tanh(0.79788456080286535588 * g * (1 + 0.044715 * g * g))))
                XCTAssertEqual(y, expected, "at \(x) (\(scalar ? "scalar" : "vector"))")
            }
        }
    }

    /// The vector path against the scalar one with a real `up` row.
    func testVectorPathMatchesScalar() {
        let up = (0..<n).map { Float(($0 * 37) % 11) * 0.3 - 1.5 }
        let vector = run(gate, up, scalar: false), reference = run(gate, up, scalar: true)
        for i in 0..<n { XCTAssertEqual(vector[i], reference[i], "at \(gate[i])") }
    }
}
