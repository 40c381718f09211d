/// An immutable Unicode string on the heap.
///
/// Quill indexes strings by character (extended grapheme cluster). Swift's String is not
/// randomly indexable, so the first index operation builds an array of characters and keeps it.
/// Equality and hashing work on Unicode scalars (as in Python and Lua): two strings are equal
/// when they hold the same code points.
///
/// The object is kept at 40 bytes (one 48-byte malloc chunk): a script may hold millions of
/// small strings, so the hash is recomputed when needed rather than cached in every string.
/// Strings made under a memory limit are a subclass that carries the charge
/// (`ChargedStringObject`), so the others pay nothing for it; every member is `final`.
public class StringObject {
    public let value: String
    @exclusivity(unchecked) private final var characterCache: [Character]?

    @inlinable public init(_ value: String) { self.value = value }

    /// The characters, computed once on first use.
    public final var characters: [Character] {
        if let c = characterCache { return c }
        let c = Array(value)
        characterCache = c
        // Under a memory limit the cache (16 bytes a character) is charged too, after the fact:
        // it is bounded by the string, which was charged before it was made.
        if let charged = self as? ChargedStringObject { charged.charge(cache: c.count) }
        return c
    }

    /// The number of characters. ASCII strings without "\r\n" (which is one character) answer
    /// from the UTF-8 count without segmenting.
    public final var count: Int {
        if let c = characterCache { return c.count }
        if let simple = value.utf8.withContiguousStorageIfAvailable(Self.isSimpleASCII), simple {
            return value.utf8.count
        }
        return characters.count
    }

    /// True when every byte is ASCII and none is a carriage return, so each byte is one
    /// character. Checks eight bytes per step.
    static func isSimpleASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // Bytes equal to 0x0D become zero after the xor; the classic zero-byte test finds them.
            let cr = w ^ (ones &* 0x0D)
            if (w & high) != 0 || ((cr &- ones) & ~cr & high) != 0 { return false }
            i += 8
        }
        while i < n {
            if base[i] >= 0x80 || base[i] == 0x0D { return false }
            i += 1
        }
        return true
    }

    /// Code-point equality: the same UTF-8 bytes.
    @inline(__always) public final func equals(_ other: StringObject) -> Bool {
        if self === other { return true }
        let a = value.utf8, b = other.value.utf8
        guard a.count == b.count else { return false }
        if let r = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in
                pa.count == 0 || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0
            }
        }), let equal = r {
            return equal
        }
        return a.elementsEqual(b)
    }

    /// A 64-bit hash of the UTF-8 bytes.
    public final var hash: Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(value.utf8.count)
        value.utf8.withContiguousStorageIfAvailable { bytes in
            var i = 0
            // Eight bytes at a time, then the tail; mixed with a multiply-xorshift.
            while i + 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                i += 8
            }
            while i < bytes.count {
                h = (h ^ UInt64(bytes[i])) &* 0x100_0000_01B3
                i += 1
            }
        } ?? {
            for byte in value.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }()
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return Int(bitPattern: UInt(h))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
