import Foundation

/// Token ids by their pieces' exact bytes: every piece in one contiguous buffer and an
/// open-addressing hash table of ids over it.
///
/// A tokenizer looks up slices of the text being encoded (every candidate pair of a merge),
/// and a BPE file's merge list names 150k pairs at load. A `[[UInt8]: Int]` dictionary costs
/// an array per key at build time and per probe at lookup time, and Swift's hasher takes the
/// key a byte at a time; here a probe hashes the slice in place and allocates nothing.
/// Bytes, not `String`s: String equality is canonical equivalence ("e" + U+0301 == "é"), but a
/// vocabulary distinguishes those spellings.
struct TokenTable: Sendable {
    /// All pieces, concatenated; piece i is `bytes[starts[i] ..< starts[i + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int32]
    /// Piece ids, or -1 for an empty slot; the count is a power of two at least twice the pieces'.
    private let slots: [Int32]

    /// The table of `pieces`; where two ids spell the same bytes, the lower id is the one found.
    init(pieces: [String]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pieces.count * 8)
        var starts: [Int32] = [0]
        starts.reserveCapacity(pieces.count + 1)
        for var piece in pieces {
            piece.withUTF8 { bytes.append(contentsOf: $0) }
            starts.append(Int32(bytes.count))
        }
        var capacity = 16
        while capacity < 2 * pieces.count { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        bytes.withUnsafeBufferPointer { all in
            for id in pieces.indices {
                let piece = UnsafeBufferPointer(rebasing: all[Int(starts[id])..<Int(starts[id + 1])])
                var slot = Self.hash(piece) & (capacity - 1)
                while true {
                    let found = Int(slots[slot])
                    if found < 0 { slots[slot] = Int32(id); break }
                    if Self.equal(UnsafeBufferPointer(rebasing: all[Int(starts[found])..<Int(starts[found + 1])]), piece) { break }
                    slot = (slot + 1) & (capacity - 1)
                }
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.slots = slots
    }

    /// The id of the piece spelled by `key`, if there is one.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let mask = slots.count - 1
        return bytes.withUnsafeBufferPointer { all in
            slots.withUnsafeBufferPointer { slots in
                var slot = Self.hash(key) & mask
                while true {
                    let found = Int(slots[slot])
                    if found < 0 { return nil }
                    if Self.equal(UnsafeBufferPointer(rebasing: all[Int(starts[found])..<Int(starts[found + 1])]), key) { return found }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The id of the piece spelled by a byte collection (copied only if it is not contiguous).
    func id<C: Collection>(of key: C) -> Int? where C.Element == UInt8 {
        if let found = key.withContiguousStorageIfAvailable({ id(of: $0) }) { return found }
        return Array(key).withUnsafeBufferPointer { id(of: $0) }
    }

    /// FNV-1a over the bytes, then a multiply that spreads its low bits (the slot mask keeps them).
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: ((h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 16)
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}
