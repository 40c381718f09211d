import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A GGUF model file, memory-mapped: metadata, tensor descriptions and the tensor bytes in place.
///
/// Parsing checks every length and offset against the bytes left in the file, so a truncated,
/// corrupted or hostile file produces a `GGUFError` and never a crash or an unbounded allocation.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order (for `quill models inspect`).
    public let metadataKeys: [String]
    public let tensors: [TensorInfo]
    public let alignment: Int
    /// Offset of the tensor data section from the start of the file.
    public let dataOffset: Int
    public let fileSize: Int
    private let mapping: UnsafeRawBufferPointer
    private let ownsMapping: Bool
    private let tensorIndex: [String: Int]

    static let maximumDepth = 4
    static let maximumDimensions = 4

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelError("cannot open model file '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError("'\(path)' is not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw GGUFError(offset: 0, field: "header", expected: "a GGUF file", found: "an empty file")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelError("cannot map '\(path)': \(String(cString: strerror(errno)))")
        }
        do {
            try self.init(bytes: UnsafeRawBufferPointer(start: base, count: size), path: path, owned: true)
        } catch {
            munmap(base, size)
            throw error
        }
    }

    /// Parses GGUF bytes already in memory; the caller keeps them alive as long as this object.
    public convenience init(unownedBytes bytes: UnsafeRawBufferPointer, name: String = "<memory>") throws(GGUFError) {
        try self.init(bytes: bytes, path: name, owned: false)
    }

    private init(bytes: UnsafeRawBufferPointer, path: String, owned: Bool) throws(GGUFError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw GGUFError(offset: 0, field: "header", expected: "a GGUF file", found: "no bytes")
        }
        var reader = ByteReader(base: base, count: bytes.count)
        let magic = try reader.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else {
            throw GGUFError(offset: 0, field: "magic", expected: "'GGUF'", found: Self.describeMagic(magic))
        }
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            let hint = version.byteSwapped <= 3 ? " (a big-endian file; only little-endian GGUF is supported)" : ""
            throw GGUFError(offset: 4, field: "version", expected: "2 or 3", found: "\(version)" + hint)
        }
        // A tensor description takes at least 8 + 4 + 8 + 4 + 8 bytes; a key-value pair 8 + 4 + 1.
        let tensorCount = try reader.readCount("tensor count", itemSize: 32)
        let kvCount = try reader.readCount("metadata count", itemSize: 13)

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(kvCount)
        for index in 0..<kvCount {
            let key = try reader.readString("metadata key #\(index)")
            let typeOffset = reader.offset
            let rawType = try reader.read(UInt32.self, "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(offset: typeOffset, field: "type of '\(key)'", expected: "a value type 0...12", found: "\(rawType)")
            }
            metadata[key] = try Self.readValue(type, &reader, field: "'\(key)'", depth: 0)
            keys.append(key)
        }

        var alignment = 32
        if let value = metadata[GGUFKey.alignment] {
            guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw GGUFError(offset: reader.offset, field: GGUFKey.alignment, expected: "a power of two", found: value.summary)
            }
            alignment = a
        }

        var infos: [TensorInfo] = []
        infos.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            infos.append(try Self.readTensorInfo(&reader, index: index, alignment: alignment))
        }
        reader.align(to: alignment)
        let dataOffset = reader.offset
        guard dataOffset <= bytes.count else {
            throw GGUFError(offset: bytes.count, field: "tensor data", expected: "data after the header at byte \(dataOffset)", found: "end of file")
        }
        let dataSize = bytes.count - dataOffset
        var index: [String: Int] = [:]
        for (i, t) in infos.enumerated() {
            guard t.offset <= dataSize, t.byteCount <= dataSize - t.offset else {
                throw GGUFError(offset: dataOffset + t.offset, field: "tensor '\(t.name)' data",
                                expected: "\(t.byteCount) bytes within the file", found: "\(max(0, dataSize - t.offset)) bytes left")
            }
            guard index.updateValue(i, forKey: t.name) == nil else {
                throw GGUFError(offset: dataOffset, field: "tensor '\(t.name)'", expected: "a unique name", found: "a duplicate")
            }
        }
        self.path = path
        self.version = Int(version)
        self.metadata = metadata
        self.metadataKeys = keys
        self.tensors = infos
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.fileSize = bytes.count
        self.mapping = bytes
        self.ownsMapping = owned
        self.tensorIndex = index
    }

    deinit {
        if ownsMapping, let base = mapping.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
        }
    }

    public func tensor(named name: String) -> TensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, in the mapping.
    public func data(of tensor: TensorInfo) -> UnsafeRawPointer {
        mapping.baseAddress! + dataOffset + tensor.offset
    }

    public var architecture: String? { metadata[GGUFKey.architecture]?.string }

    /// Looks up a key, with `{arch}` replaced by the file's architecture.
    public subscript(key: String) -> GGUFValue? {
        metadata[key.replacingOccurrences(of: "{arch}", with: architecture ?? "llama")]
    }

    private static func readValue(_ type: GGUFValueType, _ r: inout ByteReader, field: @autoclosure () -> String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, field()))
        case .int8: return .int8(try r.read(Int8.self, field()))
        case .uint16: return .uint16(try r.read(UInt16.self, field()))
        case .int16: return .int16(try r.read(Int16.self, field()))
        case .uint32: return .uint32(try r.read(UInt32.self, field()))
        case .int32: return .int32(try r.read(Int32.self, field()))
        case .uint64: return .uint64(try r.read(UInt64.self, field()))
        case .int64: return .int64(try r.read(Int64.self, field()))
        case .float32: return .float32(try r.readFloat(field()))
        case .float64: return .float64(try r.readDouble(field()))
        case .bool:
            let at = r.offset
            let b = try r.read(UInt8.self, field())
            guard b <= 1 else { throw r.error(field(), expected: "a bool (0 or 1)", found: "\(b)", at: at) }
            return .bool(b == 1)
        case .string: return .string(try r.readString(field()))
        case .array:
            guard depth < maximumDepth else {
                throw r.error(field(), expected: "arrays nested at most \(maximumDepth) deep", found: "deeper nesting")
            }
            let at = r.offset
            let rawType = try r.read(UInt32.self, field() + " element type")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw r.error(field() + " element type", expected: "a value type 0...12", found: "\(rawType)", at: at)
            }
            let count = try r.readCount(field() + " length", itemSize: elementType.minimumSize)
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                values.append(try readValue(elementType, &r, field: "\(field())[\(i)]", depth: depth + 1))
            }
            return .array(elementType, values)
        }
    }

    private static func readTensorInfo(_ r: inout ByteReader, index: Int, alignment: Int) throws(GGUFError) -> TensorInfo {
        let name = try r.readString("tensor #\(index) name")
        let field = "tensor '\(name)'"
        let dimsAt = r.offset
        let dims = try r.read(UInt32.self, field + " dimension count")
        guard dims >= 1, dims <= UInt32(maximumDimensions) else {
            throw r.error(field + " dimension count", expected: "1...\(maximumDimensions)", found: "\(dims)", at: dimsAt)
        }
        var shape: [Int] = []
        var elements = 1
        for d in 0..<Int(dims) {
            let at = r.offset
            let n = try r.read(UInt64.self, "\(field) dimension \(d)")
            guard n >= 1, n <= 1 << 40 else {
                throw r.error("\(field) dimension \(d)", expected: "1...2^40", found: "\(n)", at: at)
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(n))
            guard !overflow, product <= 1 << 44 else {
                throw r.error("\(field) shape", expected: "a size that fits in memory", found: "overflow", at: at)
            }
            shape.append(Int(n))
            elements = product
        }
        let typeAt = r.offset
        let rawType = try r.read(UInt32.self, field + " type")
        guard let type = GGMLType(rawValue: rawType) else {
            throw r.error(field + " type", expected: "a ggml type id", found: "\(rawType)", at: typeAt)
        }
        let offsetAt = r.offset
        let offset = try r.read(UInt64.self, field + " offset")
        guard offset % UInt64(alignment) == 0, offset <= 1 << 48 else {
            throw r.error(field + " offset", expected: "a multiple of the alignment \(alignment)", found: "\(offset)", at: offsetAt)
        }
        guard let bytes = type.byteCount(elements: elements), shape[0] % type.layout.blockSize == 0 else {
            throw r.error(field + " shape", expected: "rows that are whole \(type.name) blocks of \(type.layout.blockSize)",
                          found: "shape \(shape)", at: dimsAt)
        }
        return TensorInfo(name: name, shape: shape, type: type, offset: Int(offset), byteCount: bytes)
    }

    private static func describeMagic(_ magic: UInt32) -> String {
        let bytes = withUnsafeBytes(of: magic.littleEndian) { Array($0) }
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return "'" + String(decoding: bytes, as: UTF8.self) + "'" }
        return bytes.map { String($0, radix: 16) }.joined(separator: " ")
    }
}
