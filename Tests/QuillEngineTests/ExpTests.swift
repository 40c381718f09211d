import CQuillKernels
import Foundation
import XCTest

/// The engine's exp (exp.c): glibc's expf bit for bit, in scalar code and in vector lanes, and
/// the row operations built on it (softmax's steps, SwiGLU, log-sum-exp) on both paths.
final class ExpTests: XCTestCase {
    override func tearDown() { quill_kernels_force_scalar(0) }

    /// Runs `body` on the scalar path, then on the AVX2 path (when the CPU has it).
    private func onBothPaths(_ body: (_ path: String) -> Void) {
        quill_kernels_force_scalar(1)
        body("scalar")
        quill_kernels_force_scalar(0)
        if quill_kernels_have_avx2() != 0 { body("avx2") }
    }

    private func bits(_ x: Float) -> UInt32 { x.bitPattern }

    /// A spread of inputs: every 65,521st float bit pattern (all signs and exponents), the
    /// thresholds and their neighbours, zeros, infinities, NaN, subnormals.
    private var inputs: [Float] {
        var xs = stride(from: UInt64(0), to: 1 << 32, by: 65_521).map { Float(bitPattern: UInt32($0)) }
        for t: Float in [0x1.62e42ep6, -0x1.9fe368p6, 88, -88, -87.33, 1, -1, 0.5, -0.5] {
            xs += [t, t.nextUp, t.nextDown]
        }
        xs += [0, -0, .infinity, -.infinity, .nan, Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude,
               Float.leastNormalMagnitude, -Float.greatestFiniteMagnitude]
        return xs
    }

    /// Same bits, or both NaN.
    private func assertSame(_ a: Float, _ b: Float, _ message: @autoclosure () -> String) {
        if a.isNaN && b.isNaN { return }
        XCTAssertEqual(bits(a), bits(b), message())
    }

    #if canImport(Glibc)
    /// The scalar exp is libm's (this is the comparison the method was checked by, on every
    /// float in [-103.97, 88.72]; here a sample of all bit patterns).
    func testScalarExpIsGlibcExpf() {
        for x in inputs { assertSame(quill_expf(x), expf(x), "exp(\(x)) [\(String(bits(x), radix: 16))]") }
    }
    #endif

    /// Every lane of the vector path equals the scalar exp, tails included.
    func testVectorLanesEqualScalarExp() {
        let xs = inputs
        for n in [xs.count, 7, 9, 16] {
            let row = Array(xs.prefix(n))
            onBothPaths { path in
                var out = row
                _ = out.withUnsafeMutableBufferPointer { quill_exp_sum_f32($0.baseAddress!, Int64(n), 0) }
                for i in 0..<n { assertSame(out[i], quill_expf(row[i] - 0), "\(path) lane \(i): exp(\(row[i]))") }
            }
        }
    }

    /// Softmax rows of attention-like scores: the same bits on both paths, each weight the
    /// exp of the score minus the row's maximum times one normalizer, summing to 1.
    func testSoftmaxOnBothPaths() {
        for n in [1, 5, 8, 13, 64, 1000, 2053] {
            let scores = (0..<n).map { Float(sin(Double($0) * 0.37) * 9 + Double($0 % 5)) }
            var results: [[Float]] = []
            onBothPaths { path in
                var x = scores
                x.withUnsafeMutableBufferPointer { quill_softmax_f32($0.baseAddress!, Int64(n)) }
                let top = scores.max()!
                var lanes = [Double](repeating: 0, count: 4)
                for i in 0..<n { lanes[i % 4] += Double(quill_expf(scores[i] - top)) }
                let inverse = Float(1 / ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])))
                for i in 0..<n { XCTAssertEqual(bits(x[i]), bits(quill_expf(scores[i] - top) * inverse), "\(path) n=\(n) i=\(i)") }
                XCTAssertEqual(x.reduce(0, +), 1, accuracy: 1e-5)
                results.append(x)
            }
            if results.count == 2 { XCTAssertEqual(results[0], results[1], "n=\(n)") }
        }
    }

    /// The maximum skips NaNs and gives -infinity for an empty row.
    func testMaximum() {
        onBothPaths { path in
            let row: [Float] = [-3, .nan, 7, 2, -.infinity, 6.5, .nan, 1, 0, 7.25, -1]
            XCTAssertEqual(quill_max_f32(row, Int64(row.count)), 7.25, path)
            XCTAssertEqual(quill_max_f32(row, 0), -.infinity, path)
        }
    }

    /// SwiGLU: g / (1 + exp(-g)) · up, in that float order, on both paths.
    func testSwiGLUMatchesFormula() {
        let n = 1031
        let gate = (0..<n).map { Float($0 - n / 2) * 0.05 + ($0 % 97 == 0 ? 120 : 0) }
        let up = (0..<n).map { Float(($0 * 37) % 11) * 0.3 - 1.5 }
        onBothPaths { path in
            var g = gate
            g.withUnsafeMutableBufferPointer { quill_swiglu_f32($0.baseAddress!, up, Int64(n)) }
            for i in 0..<n {
                let expected = gate[i] / (1 + quill_expf(-gate[i])) * up[i]
                XCTAssertEqual(bits(g[i]), bits(expected), "\(path) at \(gate[i])")
            }
        }
    }

    /// ln Σ exp: against a double-precision reference, on both paths, over a logit-like row.
    func testLogSumExp() {
        let n = 50_001
        let logits = (0..<n).map { Float(sin(Double($0) * 1.7) * 12 - Double($0 % 13)) }
        let top = Double(logits.max()!)
        let reference = top + log(logits.reduce(0.0) { $0 + exp(Double($1) - top) })
        onBothPaths { path in
            XCTAssertEqual(Double(quill_log_sum_exp_f32(logits, Int64(n))), reference, accuracy: 1e-5, path)
        }
        XCTAssertEqual(quill_log_sum_exp_f32([-.infinity, -.infinity], 2), -.infinity)
    }
}
