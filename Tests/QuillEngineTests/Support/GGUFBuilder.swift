@testable import QuillEngine

/// Writes GGUF v2/v3 files in memory for the reader tests.
///
/// The layout follows the spec: header (magic, version, u64 tensor count, u64 metadata count),
/// the key-value pairs, the tensor descriptions, padding to the alignment, then the tensor data,
/// each tensor starting at a multiple of the alignment. Nothing is padded after the last tensor,
/// so every proper prefix of a file with a non-empty last tensor is truncated somewhere that
/// matters. v2 and v3 share one encoding (u64 counts and lengths); only the version differs.
///
/// The `raw*` entry points and the overrides write things a valid writer never would, so tests
/// can build malformed files field by field.
struct GGUFBuilder {
    /// A tensor to describe and store: shape in ggml order (`shape[0]` is the row length).
    struct Tensor {
        var name: String
        var shape: [UInt64]
        var typeID: UInt32
        var data: [UInt8]
        /// Written instead of the computed offset when set.
        var offsetOverride: UInt64?
    }

    /// The bytes of a built file and where its parts landed.
    struct Output {
        var bytes: [UInt8]
        /// Where each key-value pair starts (at its key's length).
        var metadataOffsets: [Int]
        /// Where each tensor description starts (at its name's length).
        var tensorInfoOffsets: [Int]
        /// Start of the data section.
        var dataOffset: Int
        /// Each tensor's offset from the data section, as computed (overrides aside).
        var tensorOffsets: [Int]
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// Writes the version's bytes big-endian, as a big-endian GGUF file would.
    var bigEndianVersion = false
    /// The padding unit; `setAlignment` also records it as `general.alignment`.
    private(set) var alignment = 32
    var tensorCountOverride: UInt64?
    var metadataCountOverride: UInt64?
    private var metadata: [(key: String, typeAndPayload: [UInt8])] = []
    private(set) var tensors: [Tensor] = []

    init(version: UInt32 = 3) {
        self.version = version
    }

    /// Adds a metadata pair.
    mutating func add(_ key: String, _ value: GGUFValue) {
        var out: [UInt8] = []
        Self.append(u32: Self.typeOf(value).rawValue, to: &out)
        Self.appendPayload(value, to: &out)
        metadata.append((key, out))
    }

    /// Adds a metadata pair whose type tag and payload are given as raw bytes.
    mutating func addRaw(_ key: String, type: UInt32, payload: [UInt8]) {
        var out: [UInt8] = []
        Self.append(u32: type, to: &out)
        metadata.append((key, out + payload))
    }

    /// Sets the alignment of the data section and tensors and writes it as `general.alignment`.
    mutating func setAlignment(_ value: Int) {
        alignment = value
        add(GGUFKey.alignment, .uint32(UInt32(value)))
    }

    /// Adds a tensor of a known type.
    mutating func addTensor(_ name: String, shape: [Int], type: GGMLType, data: [UInt8]) {
        addRawTensor(Tensor(name: name, shape: shape.map(UInt64.init), typeID: type.rawValue, data: data))
    }

    /// Adds a tensor with any type id, shape and offset.
    mutating func addRawTensor(_ tensor: Tensor) {
        tensors.append(tensor)
    }

    /// A tensor of `type` with `shape`, filled with a recognizable byte pattern.
    mutating func addPatternTensor(_ name: String, shape: [Int], type: GGMLType, seed: UInt8 = 0) {
        let count = type.byteCount(elements: shape.reduce(1, *))!
        addTensor(name, shape: shape, type: type, data: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    func build() -> Output {
        var out = magic
        Self.append(u32: bigEndianVersion ? version.byteSwapped : version, to: &out)
        Self.append(u64: tensorCountOverride ?? UInt64(tensors.count), to: &out)
        Self.append(u64: metadataCountOverride ?? UInt64(metadata.count), to: &out)

        var metadataOffsets: [Int] = []
        for (key, typeAndPayload) in metadata {
            metadataOffsets.append(out.count)
            Self.append(string: key, to: &out)
            out += typeAndPayload
        }

        var tensorOffsets: [Int] = []
        var next = 0
        for t in tensors {
            tensorOffsets.append(next)
            next = Self.padded(next + t.data.count, to: alignment)
        }

        var tensorInfoOffsets: [Int] = []
        for (t, offset) in zip(tensors, tensorOffsets) {
            tensorInfoOffsets.append(out.count)
            Self.append(string: t.name, to: &out)
            Self.append(u32: UInt32(t.shape.count), to: &out)
            for n in t.shape { Self.append(u64: n, to: &out) }
            Self.append(u32: t.typeID, to: &out)
            Self.append(u64: t.offsetOverride ?? UInt64(offset), to: &out)
        }

        let dataOffset = Self.padded(out.count, to: alignment)
        out += [UInt8](repeating: 0, count: dataOffset - out.count)
        for (t, offset) in zip(tensors, tensorOffsets) {
            out += [UInt8](repeating: 0, count: dataOffset + offset - out.count)
            out += t.data
        }
        return Output(bytes: out, metadataOffsets: metadataOffsets, tensorInfoOffsets: tensorInfoOffsets,
                      dataOffset: dataOffset, tensorOffsets: tensorOffsets)
    }

    // MARK: Encoding

    static func padded(_ n: Int, to alignment: Int) -> Int {
        (n + alignment - 1) / alignment * alignment
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    static func append(u32 value: UInt32, to out: inout [UInt8]) { append(value, to: &out) }
    static func append(u64 value: UInt64, to out: inout [UInt8]) { append(value, to: &out) }

    static func append(string: String, to out: inout [UInt8]) {
        let bytes = Array(string.utf8)
        append(u64: UInt64(bytes.count), to: &out)
        out += bytes
    }

    static func typeOf(_ value: GGUFValue) -> GGUFValueType {
        switch value {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// The value without its type tag; an array writes its element type, count and elements.
    static func appendPayload(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let s): append(string: s, to: &out)
        case .array(let type, let values):
            append(u32: type.rawValue, to: &out)
            append(u64: UInt64(values.count), to: &out)
            for v in values {
                precondition(typeOf(v) == type, "array of \(type) holds a \(typeOf(v))")
                appendPayload(v, to: &out)
            }
        }
    }
}
