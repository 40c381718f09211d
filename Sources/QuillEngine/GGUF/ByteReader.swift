/// A cursor over the mapped file that checks every read against the bytes left.
///
/// Every failure is a `GGUFError` naming the offset and the field; nothing is allocated
/// for a length until the length has been checked against what remains of the file.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    var remaining: Int { count - offset }

    func error(_ field: @autoclosure () -> String, expected: String, found: String, at position: Int? = nil) -> GGUFError {
        GGUFError(offset: position ?? offset, field: field(), expected: expected, found: found)
    }

    mutating func need(_ n: Int, _ field: @autoclosure () -> String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw error(field(), expected: "\(n) more bytes", found: "\(remaining) bytes left in the file")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, field())
        let v = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }

    mutating func readFloat(_ field: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, field()))
    }

    mutating func readDouble(_ field: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, field()))
    }

    /// A u64 length that must fit in the rest of the file when each item takes `itemSize` bytes.
    mutating func readCount(_ field: @autoclosure () -> String, itemSize: Int) throws(GGUFError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, field())
        guard raw <= UInt64(remaining / max(itemSize, 1)) else {
            throw error(field(), expected: "a length that fits in the \(remaining) bytes left", found: "\(raw)", at: start)
        }
        return Int(raw)
    }

    mutating func readString(_ field: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try readCount(field() + " length", itemSize: 1)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: length)
        offset += length
        // Invalid UTF-8 is repaired (U+FFFD) rather than rejected: vocabularies hold raw byte pieces.
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func align(to alignment: Int) {
        let rem = offset % alignment
        if rem != 0 { offset += alignment - rem }
    }
}
