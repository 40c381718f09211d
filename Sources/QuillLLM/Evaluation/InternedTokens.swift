import Foundation

/// The tokens of one or two texts as small integer ids, equal tokens getting equal ids, so that
/// BLEU's and ROUGE's n-gram counts and longest common subsequence compare integers instead of
/// strings.
///
/// Tokenizers hand over each token's UTF-8 bytes; the table keeps the bytes of every distinct
/// token once and compares them on a hash hit, so two tokens share an id only if their bytes are
/// equal. Ids run from 1 to `distinct`. One value is reused for many pairs (`removeAll()`), so a
/// corpus costs no allocation per pair once the buffers have grown.
struct InternedTokens {
    /// The id of each token, in the order they were appended.
    private(set) var ids: [Int32] = []
    /// The bytes of every distinct token, one after the other; token `id` ends at `ends[id - 1]`.
    private var spellings: [UInt8] = []
    private var ends: [Int] = []
    /// Each distinct token's hash, so that growing the table need not read the bytes again.
    private var hashes: [UInt64] = []
    /// Open addressing: 0 for an empty slot, else a token id. The count is a power of two kept
    /// at least twice the number of distinct tokens.
    private var slots = [Int32](repeating: 0, count: 64)

    init() {}

    /// A table with room for the tokens of about `bytes` bytes of text, so that filling it
    /// allocates once rather than growing step by step.
    init(reservingFor bytes: Int) {
        let tokens = bytes / 4 + 16
        ids.reserveCapacity(tokens)
        ends.reserveCapacity(tokens)
        hashes.reserveCapacity(tokens)
        spellings.reserveCapacity(bytes)
        var size = slots.count
        while size < 2 * tokens { size *= 2 }
        if size != slots.count { slots = [Int32](repeating: 0, count: size) }
    }

    var count: Int { ids.count }
    /// How many different tokens there are; every id is at most this.
    var distinct: Int { hashes.count }

    /// Empties the table, keeping its storage for the next text.
    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true)
        spellings.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Appends a token, given by its bytes, and returns its id.
    @discardableResult
    mutating func append(_ token: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(token)
        let found = slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                spellings.withUnsafeBufferPointer { spellings in
                    ends.withUnsafeBufferPointer { ends in
                        let mask = slots.count - 1
                        var slot = Self.slot(hash, mask)
                        while true {
                            let id = Int(slots[slot])
                            if id == 0 { return -slot - 1 }
                            if hashes[id - 1] == hash {
                                let start = id > 1 ? ends[id - 2] : 0
                                if ends[id - 1] - start == token.count,
                                   token.count == 0 || memcmp(spellings.baseAddress! + start, token.baseAddress!, token.count) == 0 {
                                    return id
                                }
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                }
            }
        }
        if found > 0 {
            ids.append(Int32(found))
            return Int32(found)
        }
        spellings.append(contentsOf: token)
        ends.append(spellings.count)
        hashes.append(hash)
        let id = Int32(hashes.count)
        slots[-found - 1] = id
        if hashes.count * 2 > slots.count { grow() }
        ids.append(id)
        return id
    }

    /// The bytes of token `id`.
    func spelling(_ id: Int) -> ArraySlice<UInt8> {
        spellings[(id > 1 ? ends[id - 2] : 0)..<ends[id - 1]]
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (i, hash) in hashes.enumerated() {
            var slot = Self.slot(hash, mask)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i + 1)
        }
    }

    /// FNV-1a over the bytes; tokens are short words, for which it is fast and spreads well.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: ((hash ^ (hash >> 32)) &* 0x9e37_79b9_7f4a_7c15) >> 32) & mask
    }
}
