import CQuillKernels
import XCTest
@testable import QuillEngine

/// The rows kernels (several weight rows against one activation row, for decoding) against the
/// one-row kernels, through `WeightMatrix.rowsDot` and `MatMul` with one token.
extension QuantFormatTests {
    /// For each 32-element format (and two K-quants, which take the row-by-row fallback), every
    /// run of 1...9 rows from every starting row of a 13-row matrix gives exactly the one-row
    /// products, bit for bit, on both paths: the kernels take four rows per step, so this
    /// covers each remainder, and rows that start anywhere in a step. Outputs past the run stay
    /// untouched. `MatMul` with one token, which goes through `rowsDot`, gives them too.
    func testRowsDotsMatchOneRowDots() {
        var rng = RandomGenerator(seed: 0x2035)
        let pool = ThreadPool(threads: 2)
        defer { quill_kernels_force_scalar(0) }
        for type in Self.tiledTypes + [.q4_K, .q6_K] {
            let kernel = Self.kernel(type)
            for n in kernel.superBlocks ? [256, 768] : [416, 640] {
                let rows = 13
                let weights = (0..<rows).flatMap { _ in randomBlocks(kernel, elements: n, rng: &rng) }
                // Weight rows start 2 bytes past a 64-byte boundary, as rows of a tensor may.
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: weights.count + 2, alignment: 64)
                defer { buffer.deallocate() }
                weights.withUnsafeBytes { (buffer + 2).copyMemory(from: $0.baseAddress!, byteCount: weights.count) }
                let w = WeightMatrix(name: type.name, type: type, rows: rows, columns: n, data: UnsafeRawPointer(buffer + 2))
                let x = (0..<n).map { _ in 3 * normal(&rng) }
                let acts = UnsafeMutableRawPointer.allocate(byteCount: w.activationFormat.rowBytes(n), alignment: 64)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
                defer { acts.deallocate(); scratch.deallocate() }
                let matmul = MatMul(pool: pool, maxTokens: 1, maxColumns: n)

                for scalar in Self.paths {
                    quill_kernels_force_scalar(scalar)
                    let path = "\(type.name) \(scalar == 1 ? "scalar" : "AVX2") n=\(n)"
                    x.withUnsafeBufferPointer { w.quantize($0.baseAddress!, into: acts) }
                    var single = [Float](repeating: 0, count: rows)
                    for r in 0..<rows { w.dot(row: r, acts, stride: 0, count: 1, into: &single[r], scratch: scratch) }
                    for start in 0..<rows {
                        for count in 1...min(9, rows - start) {
                            var out = [Float](repeating: .nan, count: count + 2)
                            w.rowsDot(rows: start..<start + count, acts, into: &out, scratch: scratch)
                            for i in 0..<count {
                                XCTAssertEqual(out[i].bitPattern, single[start + i].bitPattern,
                                               "\(path) rows \(start)..<\(start + count): row \(start + i)")
                            }
                            XCTAssertTrue(out[count].isNaN && out[count + 1].isNaN, "\(path) rows \(start)..<\(start + count): written past the run")
                        }
                    }
                    var product = [Float](repeating: .nan, count: rows)
                    x.withUnsafeBufferPointer { matmul.multiply(w, $0.baseAddress!, tokens: 1, into: &product) }
                    XCTAssertEqual(product.map(\.bitPattern), single.map(\.bitPattern), "\(path) MatMul with one token")
                }
            }
        }
    }
}
