import CQuillKernels
import XCTest

/// GeGLU's vector path against the libm formula of the scalar path, over the range the
/// feed-forward sees and past it (where the exp underflows).
final class ActivationTests: XCTestCase {
    func check(_ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int64) -> Void, _ name: String) {
        let n = 4099
        let gate = (0..<n).map { Float($0 - n / 2) * 0.013 + (($0 % 7 == 0) ? 60 : 0) * ($0 % 2 == 0 ? 1 : -1) }
        let up = (0..<n).map { Float(($0 * 37) % 11) * 0.3 - 1.5 }
        func run(scalar: Bool) -> [Float] {
            quill_kernels_force_scalar(scalar ? 1 : 0)
            defer { quill_kernels_force_scalar(0) }
            var g = gate
            g.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, up, Int64(n)) }
            return g
        }
        let vector = run(scalar: false), reference = run(scalar: true)
        for i in 0..<n {
            XCTAssertFalse(vector[i].isNaN, "\(name) at \(gate[i])")
            XCTAssertEqual(vector[i], reference[i], accuracy: 2e-6 * max(1, abs(reference[i])), "\(name) at \(gate[i])")
        }
    }

    func testGeGLU() { check(quill_geglu_f32, "gelu") }
}
