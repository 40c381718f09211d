import Foundation
import XCTest
@testable import QuillEngine

/// The GGUF reader on files written by `GGUFBuilder`: every value type and version parses back
/// to what was written, and every malformed file, including fuzzed ones, ends in a `GGUFError`
/// that names the field, never in a crash or a huge allocation.
final class GGUFReaderTests: XCTestCase {
    // MARK: Valid files

    /// One value of every scalar type, strings, arrays of each, nested and empty arrays.
    static let everyValue: [(String, GGUFValue)] = [
        ("u8", .uint8(255)), ("i8", .int8(-128)), ("u16", .uint16(65535)), ("i16", .int16(-32768)),
        ("u32", .uint32(.max)), ("i32", .int32(.min)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
        ("f32", .float32(-1.5e-7)), ("f64", .float64(.pi)), ("inf", .float32(.infinity)),
        ("yes", .bool(true)), ("no", .bool(false)),
        ("str", .string("héllo, 世界 🦙")), ("empty", .string("")),
        ("a.u8", .array(.uint8, [.uint8(0), .uint8(7)])), ("a.i8", .array(.int8, [.int8(-1)])),
        ("a.u16", .array(.uint16, [.uint16(1), .uint16(2)])), ("a.i16", .array(.int16, [.int16(-3)])),
        ("a.u32", .array(.uint32, [.uint32(4)])), ("a.i32", .array(.int32, [.int32(-5), .int32(6)])),
        ("a.u64", .array(.uint64, [.uint64(1 << 40)])), ("a.i64", .array(.int64, [.int64(-(1 << 40))])),
        ("a.f32", .array(.float32, [.float32(0.25), .float32(-2)])), ("a.f64", .array(.float64, [.float64(1e300)])),
        ("a.bool", .array(.bool, [.bool(true), .bool(false)])),
        ("a.str", .array(.string, [.string("a"), .string(""), .string("ccc")])),
        ("a.empty", .array(.int32, [])),
        ("a.nested", .array(.array, [.array(.uint8, [.uint8(1)]), .array(.string, [.string("x"), .string("yz")]), .array(.bool, [])])),
        ("a.deep", .array(.array, [.array(.array, [.array(.array, [.array(.float32, [.float32(3)])])])])),
    ]

    func testEveryValueTypeRoundTripsInVersions2And3() throws {
        for version: UInt32 in [2, 3] {
            var b = GGUFBuilder(version: version)
            for (key, value) in Self.everyValue { b.add(key, value) }
            let built = b.build()
            try withFile(built.bytes) { file in
                XCTAssertEqual(file.version, Int(version))
                XCTAssertEqual(file.metadataKeys, Self.everyValue.map(\.0))
                for (key, value) in Self.everyValue { XCTAssertEqual(file.metadata[key], value, key) }
                XCTAssertEqual(file.tensors.count, 0)
                XCTAssertEqual(file.alignment, 32)
                XCTAssertEqual(file.dataOffset, built.dataOffset)
            }
        }
    }

    /// Tensors of several types and ranks at alignment 64: offsets, sizes and bytes are as written.
    func testTensorsAtCustomAlignment() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", .string("llama"))
        b.setAlignment(64)
        let specs: [(String, [Int], GGMLType)] = [
            ("f32", [5, 3], .f32), ("q4_0", [64, 2], .q4_0), ("q6_K", [256], .q6_K),
            ("f16", [7], .f16), ("q8_0.4d", [32, 1, 2, 1], .q8_0), ("q4_K", [512, 3], .q4_K),
        ]
        for (i, (name, shape, type)) in specs.enumerated() { b.addPatternTensor(name, shape: shape, type: type, seed: UInt8(i)) }
        let built = b.build()
        try withFile(built.bytes) { file in
            XCTAssertEqual(file.alignment, 64)
            XCTAssertEqual(file.dataOffset, built.dataOffset)
            XCTAssertEqual(file.dataOffset % 64, 0)
            XCTAssertEqual(file.tensors.map(\.name), specs.map(\.0))
            for (i, t) in file.tensors.enumerated() {
                let written = b.tensors[i]
                XCTAssertEqual(t.shape, specs[i].1)
                XCTAssertEqual(t.type, specs[i].2)
                XCTAssertEqual(t.offset, built.tensorOffsets[i])
                XCTAssertEqual(t.offset % 64, 0, t.name)
                XCTAssertEqual(t.byteCount, written.data.count)
                XCTAssertEqual(Array(UnsafeRawBufferPointer(start: file.data(of: t), count: t.byteCount)), written.data, t.name)
                XCTAssertEqual(file.tensor(named: t.name)?.offset, t.offset)
            }
            XCTAssertNil(file.tensor(named: "missing"))
            XCTAssertEqual(file.tensor(named: "q4_K")?.rowBytes, 2 * 144)
        }
    }

    /// The mmap path reads the same file from disk, and reports files it cannot use.
    func testMapsAFileFromDisk() throws {
        var b = GGUFBuilder(version: 2)
        b.add("general.name", .string("tiny"))
        b.addPatternTensor("w", shape: [32, 4], type: .q5_1)
        let built = b.build()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quill-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tiny.gguf")
        try Data(built.bytes).write(to: url)
        let file = try GGUFFile(path: url.path)
        XCTAssertEqual(file.metadata["general.name"], .string("tiny"))
        let t = try XCTUnwrap(file.tensor(named: "w"))
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: file.data(of: t), count: t.byteCount)), b.tensors[0].data)

        XCTAssertThrowsError(try GGUFFile(path: dir.appendingPathComponent("absent.gguf").path)) { XCTAssertTrue($0 is ModelError) }
        XCTAssertThrowsError(try GGUFFile(path: dir.path)) { XCTAssertTrue($0 is ModelError) }
        let empty = dir.appendingPathComponent("empty.gguf")
        try Data().write(to: empty)
        XCTAssertThrowsError(try GGUFFile(path: empty.path)) { XCTAssertEqual(($0 as? GGUFError)?.field, "header") }
    }

    // MARK: Malformed headers and metadata

    func testRejectsBadMagicAndVersions() {
        var b = GGUFBuilder()
        b.magic = Array("GGML".utf8)
        XCTAssertEqual(parseError(b.build().bytes).map { [$0.field, "\($0.offset)"] }, ["magic", "0"])
        for version: UInt32 in [1, 4, 0xFFFF_FFFF] {
            let error = parseError(GGUFBuilder(version: version).build().bytes)
            XCTAssertEqual(error?.field, "version")
            XCTAssertEqual(error?.offset, 4)
            XCTAssertEqual(error?.found, "\(version)")
        }
        var bigEndian = GGUFBuilder(version: 3)
        bigEndian.bigEndianVersion = true
        let error = parseError(bigEndian.build().bytes)
        XCTAssertEqual(error?.field, "version")
        XCTAssertTrue(error?.found.contains("big-endian") ?? false, error?.description ?? "no error")
    }

    /// Every proper prefix of a small valid file throws: nothing after the last tensor is optional.
    func testEveryTruncationThrows() throws {
        var b = GGUFBuilder()
        b.add("k", .array(.array, [.array(.string, [.string("ab")]), .array(.uint16, [.uint16(9)])]))
        b.add("f", .float64(2))
        b.addPatternTensor("a", shape: [3], type: .f32)
        b.addPatternTensor("b", shape: [32, 2], type: .q4_0)
        let bytes = b.build().bytes
        try withFile(bytes) { XCTAssertEqual($0.tensors.count, 2) }
        for n in 0..<bytes.count {
            XCTAssertNotNil(parseError(Array(bytes.prefix(n))), "prefix of \(n) bytes parsed")
        }
    }

    func testRejectsLengthsLargerThanTheFile() {
        var key = GGUFBuilder()
        key.add("k", .uint8(1))
        var built = key.build()
        patch(&built.bytes, at: built.metadataOffsets[0], u64: .max)
        XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] }, ["metadata key #0 length", "\(built.metadataOffsets[0])"])

        var value = GGUFBuilder()
        value.addRaw("name", type: GGUFValueType.string.rawValue, payload: le(UInt64(1000)) + Array("abc".utf8))
        built = value.build()
        XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] }, ["'name' length", "\(built.metadataOffsets[0] + 8 + 4 + 4)"])

        var counts = GGUFBuilder()
        counts.tensorCountOverride = 1 << 62
        XCTAssertEqual(parseError(counts.build().bytes)?.field, "tensor count")
        counts = GGUFBuilder()
        counts.metadataCountOverride = 3
        XCTAssertEqual(parseError(counts.build().bytes)?.field, "metadata count")
    }

    /// An array claiming 2^60 elements of any type throws at its length, before any allocation.
    func testRejectsHugeArrayCounts() {
        for element in [GGUFValueType.uint8, .bool, .uint64, .string, .array] {
            var b = GGUFBuilder()
            b.addRaw("arr", type: GGUFValueType.array.rawValue, payload: le(element.rawValue) + le(UInt64(1) << 60) + [0, 0, 0, 0])
            let built = b.build()
            let error = parseError(built.bytes)
            XCTAssertEqual(error?.field, "'arr' length", "\(element)")
            XCTAssertEqual(error?.offset, built.metadataOffsets[0] + 8 + 3 + 4 + 4)
            XCTAssertEqual(error?.found, "\(UInt64(1) << 60)")
        }
    }

    func testRejectsUnknownValueTypesAndBadValues() {
        var b = GGUFBuilder()
        b.add("ok", .uint8(1))
        b.addRaw("x", type: 13, payload: [0, 0, 0, 0])
        var built = b.build()
        XCTAssertEqual(parseError(built.bytes), GGUFError(offset: built.metadataOffsets[1] + 9, field: "type of 'x'", expected: "a value type 0...12", found: "13"))

        b = GGUFBuilder()
        b.addRaw("y", type: GGUFValueType.array.rawValue, payload: le(UInt32(99)) + le(UInt64(0)))
        built = b.build()
        XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] }, ["'y' element type", "\(built.metadataOffsets[0] + 13)"])

        b = GGUFBuilder()
        b.addRaw("flag", type: GGUFValueType.bool.rawValue, payload: [2])
        XCTAssertEqual(parseError(b.build().bytes)?.field, "'flag'")

        var deep = GGUFValue.array(.uint8, [])
        for _ in 0..<5 { deep = .array(.array, [deep]) }
        b = GGUFBuilder()
        b.add("deep", deep)
        XCTAssertEqual(parseError(b.build().bytes)?.expected, "arrays nested at most 4 deep")

        b = GGUFBuilder()
        b.setAlignment(48)
        XCTAssertEqual(parseError(b.build().bytes)?.field, GGUFKey.alignment)
    }

    // MARK: Malformed tensors

    func testRejectsUnknownTensorTypes() {
        for id: UInt32 in [4, 5, 31, 1000] {
            var b = GGUFBuilder()
            b.addRawTensor(.init(name: "t", shape: [32], typeID: id, data: [UInt8](repeating: 0, count: 32)))
            let built = b.build()
            XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] },
                           ["tensor 't' type", "\(built.tensorInfoOffsets[0] + 9 + 4 + 8)"], "type \(id)")
        }
    }

    func testRejectsTensorDataPastTheEnd() {
        var b = GGUFBuilder()
        b.addPatternTensor("a", shape: [32], type: .f32)
        b.addRawTensor(.init(name: "short", shape: [8, 2], typeID: GGMLType.f32.rawValue, data: [UInt8](repeating: 1, count: 60)))
        XCTAssertEqual(parseError(b.build().bytes)?.field, "tensor 'short' data")

        b = GGUFBuilder()
        b.addRawTensor(.init(name: "far", shape: [4], typeID: 0, data: [UInt8](repeating: 0, count: 16), offsetOverride: 1 << 40))
        XCTAssertEqual(parseError(b.build().bytes)?.field, "tensor 'far' data")
    }

    func testRejectsShapesThatAreNotWholeBlocks() {
        for (shape, type) in [([33], GGMLType.q4_0), ([16, 2], .q4_0), ([255, 2], .q4_K), ([128], .q6_K)] {
            var b = GGUFBuilder()
            b.addRawTensor(.init(name: "t", shape: shape.map(UInt64.init), typeID: type.rawValue, data: [UInt8](repeating: 0, count: 512)))
            let built = b.build()
            XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] },
                           ["tensor 't' shape", "\(built.tensorInfoOffsets[0] + 9)"], "\(type.name) \(shape)")
        }
    }

    func testRejectsMisalignedAndOutOfRangeOffsets() {
        for offset: UInt64 in [16, 1, 33, 1 << 50] {
            var b = GGUFBuilder()
            b.addRawTensor(.init(name: "t", shape: [4], typeID: 0, data: [UInt8](repeating: 0, count: 64), offsetOverride: offset))
            let built = b.build()
            XCTAssertEqual(parseError(built.bytes).map { [$0.field, "\($0.offset)"] },
                           ["tensor 't' offset", "\(built.tensorInfoOffsets[0] + 9 + 4 + 8 + 4)"], "offset \(offset)")
        }
    }

    func testRejectsDuplicateNamesAndBadRanks() {
        var b = GGUFBuilder()
        b.addPatternTensor("w", shape: [32], type: .f32)
        b.addPatternTensor("v", shape: [32], type: .f32)
        b.addPatternTensor("w", shape: [32], type: .f16)
        let error = parseError(b.build().bytes)
        XCTAssertEqual(error?.field, "tensor 'w'")
        XCTAssertEqual(error?.expected, "a unique name")

        for shape: [UInt64] in [[2, 2, 2, 2, 2], [], [0], [4, 0]] {
            b = GGUFBuilder()
            b.addRawTensor(.init(name: "t", shape: shape, typeID: 0, data: [UInt8](repeating: 0, count: 128)))
            let built = b.build()
            let field = (1...4).contains(shape.count) ? "tensor 't' dimension \(shape.firstIndex(of: 0)!)" : "tensor 't' dimension count"
            XCTAssertEqual(parseError(built.bytes)?.field, field, "\(shape)")
        }
    }

    // MARK: Fuzzing

    /// 3000 mutations of a valid file and 1000 random buffers: each parses or throws, and a
    /// parsed file's tensors lie inside it.
    func testFuzzedFilesParseOrThrow() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", .string("llama"))
        b.add("tokens", .array(.string, (0..<6).map { .string("tok\($0)") }))
        b.add("nested", .array(.array, [.array(.int16, [.int16(1), .int16(-1)]), .array(.float32, [])]))
        b.add("eps", .float32(1e-5))
        b.addPatternTensor("w", shape: [32, 3], type: .q8_0)
        b.addPatternTensor("norm", shape: [32], type: .f32)
        let valid = b.build().bytes
        var rng = RandomGenerator(seed: 0x6767_5546)
        var outcomes = (parsed: 0, threw: 0)
        func run(_ bytes: [UInt8]) {
            do {
                try withFile(bytes) { file in
                    for t in file.tensors {
                        XCTAssertLessThanOrEqual(file.dataOffset + t.offset + t.byteCount, bytes.count)
                        let p = file.data(of: t)
                        _ = p.load(as: UInt8.self) &+ p.load(fromByteOffset: t.byteCount - 1, as: UInt8.self)
                    }
                }
                outcomes.parsed += 1
            } catch is GGUFError {
                outcomes.threw += 1
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        for i in 0..<3000 {
            var bytes = valid
            switch i % 3 {
            case 0:
                for _ in 0...(rng.next() % 4) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] ^= 1 << UInt8(rng.next() % 8)
                }
            case 1:
                let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, 1, 13, 64]
                for _ in 0...(rng.next() % 3) {
                    let value = rng.next() % 2 == 0 ? interesting[Int(rng.next() % 7)] : UInt8(truncatingIfNeeded: rng.next())
                    bytes[Int(rng.next() % UInt64(bytes.count))] = value
                }
            default:
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            }
            run(bytes)
        }
        for i in 0..<1000 {
            var bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if i % 2 == 0 {
                bytes = Array("GGUF".utf8) + le(UInt32(2 + i / 2 % 2)) + bytes
                // Small counts, so some of these get past the header.
                if i % 4 == 0, bytes.count >= 24 { patch(&bytes, at: 8, u64: rng.next() % 3); patch(&bytes, at: 16, u64: rng.next() % 3) }
            }
            run(bytes)
        }
        XCTAssertEqual(outcomes.parsed + outcomes.threw, 4000)
        XCTAssertGreaterThan(outcomes.parsed, 0)
        XCTAssertGreaterThan(outcomes.threw, 0)
    }

    // MARK: Helpers

    /// Parses `bytes` in place and hands the file to `body` while the bytes are alive.
    func withFile(_ bytes: [UInt8], _ body: (GGUFFile) throws -> Void) throws {
        try bytes.withUnsafeBytes { try body(GGUFFile(unownedBytes: $0, name: "test.gguf")) }
    }

    /// The error parsing `bytes` throws, or nil (and a failure) when it parses.
    func parseError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        do {
            try withFile(bytes) { _ in }
            XCTFail("parsed a malformed file", file: file, line: line)
        } catch let error as GGUFError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    func patch(_ bytes: inout [UInt8], at offset: Int, u64 value: UInt64) {
        bytes.replaceSubrange(offset..<offset + 8, with: le(value))
    }
}
