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
                for (heads, kvHeads) in [(1, 1), (2, 1), (3, 1), (4, 1), (7, 1), (3, 3), (4, 2), (6, 3)] {
                    for count in [0, 1, 5, 130] {
                        let context = "scalar=\(scalar) n=\(n) heads=\(heads)/\(kvHeads) count=\(count)"
                        var expected = [Float](repeating: 0, count: heads * maxCount)
                        var scores = [Float](repeating: .nan, count: heads * maxCount)
                        var expectedOut = [Float](repeating: 0, count: heads * n)
                        var out = [Float](repeating: .nan, count: heads * n)
                        q.withUnsafeBufferPointer { q in
                            keys.withUnsafeBufferPointer { k in
                                values.withUnsafeBufferPointer { v in
                                    for h in 0..<heads {
                                        for j in 0..<count {
                                            let key = k.baseAddress! + j * stride + h / (heads / kvHeads) * n
                                            expected[h * maxCount + j] = quill_dot_f32(q.baseAddress! + h * n, key, Int64(n)) * scale
                                        }
                                    }
                                    quill_attention_scores(q.baseAddress!, Int32(heads), Int32(kvHeads), k.baseAddress!, Int64(stride), Int64(count), Int64(n),
                                                           scale, &scores, Int64(maxCount))
                                    // The values step weighs by the expected scores, so it is checked on its own.
                                    expectedOut.withUnsafeMutableBufferPointer { o in
                                        for h in 0..<heads {
                                            let row = v.baseAddress! + h / (heads / kvHeads) * n
                                            for j in 0..<count {
                                                quill_axpy_f32(expected[h * maxCount + j], row + j * stride, o.baseAddress! + h * n, Int64(n))
                                            }
                                        }
                                    }
                                    quill_attention_values(expected, Int32(heads), Int32(kvHeads), Int64(maxCount), nil, v.baseAddress!,
                                                           Int64(stride), Int64(count), Int64(n), 0, Int64(kvHeads * n), &out, Int64(n))
                                }
                            }
                        }
                        for h in 0..<heads {
                            for j in 0..<count {
                                XCTAssertEqual(scores[h * maxCount + j].bitPattern, expected[h * maxCount + j].bitPattern, context + " score \(h),\(j)")
                            }
                        }
                        XCTAssertEqual(out.map(\.bitPattern), expectedOut.map(\.bitPattern), context)
                        // A range of the row's elements (a thread's share when attention is split
                        // over positions) gives those elements' sums and leaves the others.
                        guard kvHeads * n >= 24 else { continue }
                        let range = 8..<(kvHeads * n - 8)
                        var part = [Float](repeating: .nan, count: heads * n)
                        quill_attention_values(expected, Int32(heads), Int32(kvHeads), Int64(maxCount), nil, values, Int64(stride),
                                               Int64(count), Int64(n), Int64(range.lowerBound), Int64(range.upperBound), &part, Int64(n))
                        for h in 0..<heads {
                            for i in 0..<n {
                                let e = h / (heads / kvHeads) * n + i, got = part[h * n + i]
                                if range.contains(e) {
                                    XCTAssertEqual(got.bitPattern, expectedOut[h * n + i].bitPattern, context + " range, head \(h) element \(i)")
                                } else {
                                    XCTAssertTrue(got.isNaN, context + " range wrote head \(h) element \(i)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The half-precision cache: rows rounded as `quill_f32_to_f16` rounds, and read by kernels
/// whose results equal the f32 kernels' over the widened rows, bit for bit, on both paths.
extension QuantFormatTests {
    func testHalfPrecisionRowsRoundToNearestEven() {
        var rng = RandomGenerator(seed: 0xF16)
        defer { quill_kernels_force_scalar(0) }
        // Ordinary values, subnormal and vanishing ones, exact ties, overflow to infinity.
        var x = (0..<1000).map { _ in normal(&rng) * 10 }
        x += (0..<200).map { _ in normal(&rng) * 1e-6 } + (0..<50).map { _ in normal(&rng) * 1e-9 }
        x += [0, -0.0, 1 + 1.0 / 2048, 1 + 3.0 / 2048, 65504, 65519, 65520, -1e6, .infinity, -.infinity, 5.96e-8, 2.98e-8]
        let expected = x.map { quill_f32_to_f16($0) }
        for scalar in Self.paths {
            quill_kernels_force_scalar(scalar)
            var y = [UInt16](repeating: 0xFFFF, count: x.count)
            quill_f32_to_f16_row(x, &y, Int64(x.count))
            XCTAssertEqual(y, expected, "scalar=\(scalar)")
        }
        XCTAssertEqual(quill_f32_to_f16(65520), 0x7C00, "65520 rounds to infinity")
        XCTAssertEqual(quill_f16_to_f32(quill_f32_to_f16(1 + 1.0 / 2048)), 1, "a tie rounds to the even neighbour")
    }

    func testHalfPrecisionAttentionEqualsF32OverWidenedRows() {
        var rng = RandomGenerator(seed: 0xA716)
        defer { quill_kernels_force_scalar(0) }
        let maxHeads = 4, maxCount = 70, maxN = 256, stride = 2 * maxN + 3
        let keys = (0..<maxCount * stride).map { _ in quill_f32_to_f16(normal(&rng)) }
        let values = (0..<maxCount * stride).map { _ in quill_f32_to_f16(normal(&rng)) }
        let wideKeys = keys.map(quill_f16_to_f32), wideValues = values.map(quill_f16_to_f32)
        let q = (0..<maxHeads * maxN).map { _ in normal(&rng) }
        let weights = (0..<maxHeads * maxCount).map { _ in abs(normal(&rng)) }
        let inverse: [Float] = [0.5, 0.25, 2, 1]
        for scalar in Self.paths {
            quill_kernels_force_scalar(scalar)
            for n in [1, 8, 33, 64, 256] {
                for (heads, kvHeads) in [(1, 1), (3, 1), (4, 1), (4, 2)] {
                    for count in [1, 9, 70] {
                        let context = "scalar=\(scalar) n=\(n) heads=\(heads)/\(kvHeads) count=\(count)"
                        var expected = [Float](repeating: 0, count: heads * maxCount), scores = expected
                        quill_attention_scores(q, Int32(heads), Int32(kvHeads), wideKeys, Int64(stride), Int64(count), Int64(n), 0.125, &expected, Int64(maxCount))
                        quill_attention_scores_f16(q, Int32(heads), Int32(kvHeads), keys, Int64(stride), Int64(count), Int64(n), 0.125, &scores, Int64(maxCount))
                        XCTAssertEqual(scores.map(\.bitPattern), expected.map(\.bitPattern), context)
                        var expectedOut = [Float](repeating: 0, count: heads * n), out = expectedOut
                        quill_attention_values(weights, Int32(heads), Int32(kvHeads), Int64(maxCount), inverse, wideValues, Int64(stride),
                                               Int64(count), Int64(n), 0, Int64(kvHeads * n), &expectedOut, Int64(n))
                        quill_attention_values_f16(weights, Int32(heads), Int32(kvHeads), Int64(maxCount), inverse, values, Int64(stride),
                                                   Int64(count), Int64(n), 0, Int64(kvHeads * n), &out, Int64(n))
                        XCTAssertEqual(out.map(\.bitPattern), expectedOut.map(\.bitPattern), context)
                    }
                }
            }
        }
    }
}
