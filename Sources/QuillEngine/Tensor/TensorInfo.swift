/// A tensor described in a GGUF file: its name, shape, format and where its bytes are.
public struct TensorInfo: Sendable {
    public var name: String
    /// ggml order: `shape[0]` is the row length (contiguous), `shape[1]` the number of rows.
    public var shape: [Int]
    public var type: GGMLType
    /// Offset from the start of the data section.
    public var offset: Int
    public var byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    public var rowLength: Int { shape.first ?? 1 }
    public var rowBytes: Int { type.byteCount(elements: rowLength) ?? 0 }
}
