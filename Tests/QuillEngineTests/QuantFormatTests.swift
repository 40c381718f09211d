import CQuillKernels
import Foundation
import XCTest
@testable import QuillEngine

/// Tensor formats and the kernels that compute with them: the reference dequantization against
/// the `gguf` package's output, then each fast quantized dot product, on both its AVX2 and its
/// scalar path, against the reference.
///
/// Error bounds for the quantized dots, relative to `Σ|wᵢ·xᵢ|`: the kernels see the activations
/// rounded to 8 bits per block (step `amax/127`), so each product can be off by up to
/// `|wᵢ|·amax/254`. For normal activations that is at most ~1.2% of `Σ|wᵢ·xᵢ|` with 32-element
/// blocks (`quill_quantize_a8`, amax ≈ 2.4σ) and ~1.5% with 256-element ones (`q8_K`,
/// amax ≈ 3σ) if every rounding error had the same sign; with random signs the real error is
/// about √n smaller. So `floatBound` is 1.5% / 2%. A kernel bug confined to one block or one
/// sub-block can hide under that, so each result is also checked against the exact product of
/// the dequantized weights with the dequantized 8-bit activations, where only f32 rounding
/// remains (`exactBound`).
final class QuantFormatTests: XCTestCase {
    typealias DotKernel = (UnsafeRawPointer?, UnsafeRawPointer?, Int64, Int32, Int64, UnsafeMutablePointer<Float>?) -> Void

    /// A quantized dot product, its activation format, and where its blocks hold fp16 scales.
    struct Kernel {
        var type: GGMLType
        var dot: DotKernel
        var halfFields: [Int]
        var floatBound: Double
        var superBlocks: Bool { type.layout.blockSize == 256 }
    }

    static func kernel(_ type: GGMLType) -> Kernel {
        switch type {
        case .q4_0: Kernel(type: type, dot: quill_dot_q4_0, halfFields: [0], floatBound: 0.015)
        case .q4_1: Kernel(type: type, dot: quill_dot_q4_1, halfFields: [0, 2], floatBound: 0.015)
        case .q5_0: Kernel(type: type, dot: quill_dot_q5_0, halfFields: [0], floatBound: 0.015)
        case .q5_1: Kernel(type: type, dot: quill_dot_q5_1, halfFields: [0, 2], floatBound: 0.015)
        case .q8_0: Kernel(type: type, dot: quill_dot_q8_0, halfFields: [0], floatBound: 0.015)
        case .q4_K: Kernel(type: type, dot: quill_dot_q4_K, halfFields: [0, 2], floatBound: 0.02)
        case .q5_K: Kernel(type: type, dot: quill_dot_q5_K, halfFields: [0, 2], floatBound: 0.02)
        case .q6_K: Kernel(type: type, dot: quill_dot_q6_K, halfFields: [208], floatBound: 0.02)
        default: preconditionFailure("no quantized dot kernel for \(type.name)")
        }
    }
    /// Relative to `Σ|wᵢ·xqᵢ|`: only f32 rounding of at most 128 block sums (each with a bias or
    /// min term a few times the block's share) separates the kernels from the exact product;
    /// measured at most 1e-7. One flipped weight bit usually moves a result by 1e-5...1e-3.
    static let exactBound = 5e-6
    /// Agreement of the AVX2 and scalar paths, and of one row computed alone or among 1...4.
    static let pathBound = 1e-4, batchBound = 1e-5

    // MARK: Reference dequantization

    /// `<T>.bin` and `<T>.f32` of one fixture type.
    struct Fixture { var type: GGMLType; var blocks: [UInt8]; var expected: [Float] }

    static func fixtures() throws -> [Fixture] {
        let dir = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("quants")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        let types = try XCTUnwrap((manifest as? [String: Any])?["types"] as? [String: [String: Any]])
        return try types.keys.sorted().map { name in
            let entry = types[name]!
            let type = try XCTUnwrap(GGMLType(rawValue: UInt32(try XCTUnwrap(entry["ggml_type_id"] as? Int))), name)
            let blocks = [UInt8](try Data(contentsOf: dir.appendingPathComponent("\(name).bin")))
            let floats = try Data(contentsOf: dir.appendingPathComponent("\(name).f32"))
            let expected = floats.withUnsafeBytes { raw in (0..<floats.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
            XCTAssertEqual(expected.count, entry["n_elements"] as? Int, name)
            XCTAssertEqual(type.byteCount(elements: expected.count), blocks.count, name)
            return Fixture(type: type, blocks: blocks, expected: expected)
        }
    }

    /// Every fixture type decodes bit for bit (±0 compare equal; the fixtures hold no NaN).
    func testReferenceDequantizationMatchesFixtures() throws {
        let fixtures = try Self.fixtures()
        XCTAssertEqual(Set(fixtures.map(\.type)), Set(GGMLType.supported))
        for f in fixtures {
            var got = [Float](repeating: .nan, count: f.expected.count)
            f.blocks.withUnsafeBytes { Dequantize.row(f.type, $0.baseAddress!, into: &got, count: got.count) }
            var mismatches: [String] = []
            for (i, (g, e)) in zip(got, f.expected).enumerated() {
                XCTAssertFalse(e.isNaN, "\(f.type.name) fixture holds a NaN at \(i)")
                if !(g.bitPattern == e.bitPattern || (g == 0 && e == 0)) { mismatches.append("[\(i)] \(g) != \(e)") }
            }
            XCTAssertTrue(mismatches.isEmpty, "\(f.type.name): \(mismatches.count) mismatches, first \(mismatches.prefix(4))")
        }
    }

    // MARK: Quantized dot products

    func testQ4_0Dot() throws { try checkKernel(.q4_0) }
    func testQ4_1Dot() throws { try checkKernel(.q4_1) }
    func testQ5_0Dot() throws { try checkKernel(.q5_0) }
    func testQ5_1Dot() throws { try checkKernel(.q5_1) }
    func testQ8_0Dot() throws { try checkKernel(.q8_0) }
    func testQ4_KDot() throws { try checkKernel(.q4_K) }
    func testQ5_KDot() throws { try checkKernel(.q5_K) }
    func testQ6_KDot() throws { try checkKernel(.q6_K) }

    /// Weight rows from the fixture (alone and tiled to 4096) and random blocks of 256...4096
    /// elements, each against four activation rows of different scales.
    func checkKernel(_ type: GGMLType) throws {
        let kernel = Self.kernel(type)
        let fixture = try XCTUnwrap(Self.fixtures().first { $0.type == type })
        var rng = RandomGenerator(seed: 0xD07 &+ UInt64(type.rawValue))
        var rows = [fixture.blocks, [[UInt8]](repeating: fixture.blocks, count: 4096 / fixture.expected.count).flatMap { $0 }]
        for n in kernel.superBlocks ? [256, 1280, 4096] : [256, 416, 2080, 4096] {
            rows.append(randomBlocks(kernel, elements: n, rng: &rng))
        }
        for weights in rows {
            try checkRow(kernel, weights: weights, rng: &rng)
        }
    }

    func checkRow(_ kernel: Kernel, weights: [UInt8], rng: inout RandomGenerator) throws {
        let (block, blockBytes) = kernel.type.layout
        let n = weights.count / blockBytes * block
        var w = [Float](repeating: 0, count: n)
        weights.withUnsafeBytes { Dequantize.row(kernel.type, $0.baseAddress!, into: &w, count: n) }
        XCTAssertTrue(w.allSatisfy(\.isFinite))

        // Four activation rows of different scales, quantized into rows `stride` bytes apart
        // (more than a row, so a kernel that ignores the stride reads the wrong blocks).
        let scales: [Float] = [1, 0.01, 10, 1]
        let x = scales.map { s in (0..<n).map { _ in s * normal(&rng) } }
        let rowBytes = kernel.superBlocks ? n / 256 * 292 : n / 32 * 40
        let stride = rowBytes + 64
        let activations = UnsafeMutableRawPointer.allocate(byteCount: 4 * stride, alignment: 64)
        defer { activations.deallocate() }
        for t in 0..<4 {
            if kernel.superBlocks { quill_quantize_q8_K(x[t], activations + t * stride, Int64(n)) }
            else { quill_quantize_a8(x[t], activations + t * stride, Int64(n)) }
        }
        let xq = (0..<4).map { dequantizedActivations(activations + $0 * stride, superBlocks: kernel.superBlocks, n: n) }

        // Weight rows start wherever a row of a tensor does: here 2 bytes past a 64-byte boundary.
        let weightBuffer = UnsafeMutableRawPointer.allocate(byteCount: weights.count + 2, alignment: 64)
        defer { weightBuffer.deallocate() }
        weights.withUnsafeBytes { (weightBuffer + 2).copyMemory(from: $0.baseAddress!, byteCount: weights.count) }

        defer { quill_kernels_force_scalar(0) }
        var single: [[Float]] = []   // [path][row]
        for scalar: Int32 in quill_kernels_have_avx2() != 0 ? [0, 1] : [1] {
            quill_kernels_force_scalar(scalar)
            let path = scalar == 1 ? "scalar" : "AVX2"
            var alone = [Float](repeating: 0, count: 4)
            for t in 0..<4 {
                kernel.dot(weightBuffer + 2, activations + t * stride, Int64(stride), 1, Int64(n), &alone[t])
                let context = "\(kernel.type.name) \(path) n=\(n) row \(t)"
                let (exact, exactScale) = dot(w, x[t])
                XCTAssertLessThanOrEqual(abs(Double(alone[t]) - exact), kernel.floatBound * exactScale, context)
                let (quantized, quantizedScale) = dot(w, xq[t])
                XCTAssertLessThanOrEqual(abs(Double(alone[t]) - quantized), Self.exactBound * quantizedScale, context + " (8-bit activations)")
            }
            for count in 1...4 {
                for first in 0...(4 - count) {
                    var out = [Float](repeating: .nan, count: count)
                    kernel.dot(weightBuffer + 2, activations + first * stride, Int64(stride), Int32(count), Int64(n), &out)
                    for t in 0..<count {
                        let scale = dot(w, x[first + t]).magnitude
                        XCTAssertLessThanOrEqual(abs(Double(out[t]) - Double(alone[first + t])), Self.batchBound * scale,
                                                 "\(kernel.type.name) \(path) n=\(n) count \(count) row \(first + t)")
                    }
                }
            }
            single.append(alone)
        }
        if single.count == 2 {
            for t in 0..<4 {
                XCTAssertLessThanOrEqual(abs(Double(single[0][t]) - Double(single[1][t])), Self.pathBound * dot(w, x[t]).magnitude,
                                         "\(kernel.type.name) AVX2 vs scalar n=\(n) row \(t)")
            }
        }
    }

    /// The activation blocks as floats (`d·qs`), after checking their stored sums.
    func dequantizedActivations(_ p: UnsafeRawPointer, superBlocks: Bool, n: Int) -> [Float] {
        var out: [Float] = []
        let (block, bytes, qsOffset) = superBlocks ? (256, 292, 4) : (32, 40, 8)
        for b in 0..<n / block {
            let base = p + b * bytes
            let d = base.load(as: Float.self)
            let qs = (0..<block).map { Int(base.load(fromByteOffset: qsOffset + $0, as: Int8.self)) }
            XCTAssertTrue(qs.allSatisfy { abs($0) <= 127 })
            if superBlocks {
                for g in 0..<16 {
                    XCTAssertEqual(Int(base.load(fromByteOffset: 260 + 2 * g, as: Int16.self)), qs[16 * g..<16 * g + 16].reduce(0, +))
                }
            } else {
                XCTAssertEqual(base.load(fromByteOffset: 4, as: Float.self), Float(qs.reduce(0, +)) * d)
            }
            out += qs.map { d * Float($0) }
        }
        return out
    }

    /// `count` random blocks whose fp16 fields are finite, of either sign, 2^-12...1 in magnitude.
    func randomBlocks(_ kernel: Kernel, elements: Int, rng: inout RandomGenerator) -> [UInt8] {
        let (block, bytes) = kernel.type.layout
        var out = (0..<elements / block * bytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for b in 0..<elements / block {
            for field in kernel.halfFields {
                let magnitude = Float(pow(2, -12 * Double(rng.unit())))
                let h = quill_f32_to_f16(rng.next() % 2 == 0 ? magnitude : -magnitude)
                out[b * bytes + field] = UInt8(h & 0xFF)
                out[b * bytes + field + 1] = UInt8(h >> 8)
            }
        }
        return out
    }

    // MARK: Float kernels

    func testF32AndF16DotsMatchAPlainLoop() {
        var rng = RandomGenerator(seed: 0xF16)
        defer { quill_kernels_force_scalar(0) }
        for n in [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 256, 1000, 4096] {
            let a = (0..<n).map { _ in normal(&rng) }, b = (0..<n).map { _ in normal(&rng) }
            let halves = a.map { quill_f32_to_f16($0) }
            let (exact, scale) = dot(a, b)
            let (exactHalf, scaleHalf) = dot(halves.map { Float(Float16(bitPattern: $0)) }, b)
            for scalar: Int32 in [0, 1] {
                quill_kernels_force_scalar(scalar)
                XCTAssertLessThanOrEqual(abs(Double(quill_dot_f32(a, b, Int64(n))) - exact), 1e-5 * scale, "f32 n=\(n) scalar=\(scalar)")
                XCTAssertLessThanOrEqual(abs(Double(quill_dot_f16_f32(halves, b, Int64(n))) - exactHalf), 1e-5 * scaleHalf, "f16 n=\(n) scalar=\(scalar)")
            }
        }
    }

    /// The half-precision conversions every kernel relies on agree with Swift's `Float16`.
    func testHalfConversions() {
        for bits in 0...UInt16.max where !Float16(bitPattern: bits).isNaN {
            XCTAssertEqual(quill_f16_to_f32(bits).bitPattern, Float(Float16(bitPattern: bits)).bitPattern, "0x\(String(bits, radix: 16))")
        }
        var rng = RandomGenerator(seed: 16)
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard !f.isNaN else { continue }
            XCTAssertEqual(quill_f32_to_f16(f), Float16(f).bitPattern, "\(f)")
        }
    }

    // MARK: Helpers

    /// A standard normal sample (Box–Muller).
    func normal(_ rng: inout RandomGenerator) -> Float {
        let u = max(Double(rng.unit()), 1e-12), v = Double(rng.unit())
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }

    /// `Σ wᵢ·xᵢ` and `Σ|wᵢ·xᵢ|` in double precision.
    func dot(_ w: [Float], _ x: [Float]) -> (value: Double, magnitude: Double) {
        zip(w, x).reduce((0, 0)) { acc, p in
            let product = Double(p.0) * Double(p.1)
            return (acc.0 + product, acc.1 + abs(product))
        }
    }
}
