import CQuillKernels
import XCTest
@testable import QuillEngine

/// The attention kernels against what they replace: a `quill_dot_f32` per head and cached key,
/// and a `quill_axpy_f32` per head and cached value. Same operations in the same order, so the
/// results must be equal bit for bit, on both paths.
extension QuantFormatTests {
    func testAttentionKernelsEqualPerPositionCalls() {
        var rng = RandomGenerator(seed: 0xA77)
        defer { quill_kernels_force_scalar(0) }
        let maxHeads = 7, maxCount = 130, maxN = 256, stride = 3 * maxN + 5
        let keys = (0..<maxCount * stride).map { _ in normal(&rng) }
        let values = (0..<maxCount * stride).map { _ in normal(&rng) }
        let q = (0..<maxHeads * maxN).map { _ in normal(&rng) }
        let scale: Float = 0.125
        for scalar in Self.paths {
            quill_kernels_force_scalar(scalar)
            for n in [1, 7, 8, 33, 64, 70, 256] {
                for heads in [1, 2, 3, 4, 7] {
                    for count in [1, 5, 130] {
                        let context = "scalar=\(scalar) n=\(n) heads=\(heads) count=\(count)"
                        var expected = [Float](repeating: 0, count: heads * maxCount)
                        var scores = [Float](repeating: .nan, count: heads * maxCount)
                        var expectedOut = [Float](repeating: 0, count: heads * n)
                        var out = [Float](repeating: .nan, count: heads * n)
                        q.withUnsafeBufferPointer { q in
                            keys.withUnsafeBufferPointer { k in
                                values.withUnsafeBufferPointer { v in
                                    for h in 0..<heads {
                                        for j in 0..<count {
                                            expected[h * maxCount + j] = quill_dot_f32(q.baseAddress! + h * n, k.baseAddress! + j * stride, Int64(n)) * scale
                                        }
                                    }
                                    quill_attention_scores(q.baseAddress!, Int32(heads), k.baseAddress!, Int64(stride), Int64(count), Int64(n),
                                                           scale, &scores, Int64(maxCount))
                                    // The values step weighs by the expected scores, so it is checked on its own.
                                    expectedOut.withUnsafeMutableBufferPointer { o in
                                        for h in 0..<heads {
                                            for j in 0..<count {
                                                quill_axpy_f32(expected[h * maxCount + j], v.baseAddress! + j * stride, o.baseAddress! + h * n, Int64(n))
                                            }
                                        }
                                    }
                                    quill_attention_values(expected, Int32(heads), Int64(maxCount), nil, v.baseAddress!, Int64(stride),
                                                           Int64(count), Int64(n), &out, Int64(n))
                                }
                            }
                        }
                        for h in 0..<heads {
                            for j in 0..<count {
                                XCTAssertEqual(scores[h * maxCount + j].bitPattern, expected[h * maxCount + j].bitPattern, context + " score \(h),\(j)")
                            }
                        }
                        XCTAssertEqual(out.map(\.bitPattern), expectedOut.map(\.bitPattern), context)
                    }
                }
            }
        }
    }
}
