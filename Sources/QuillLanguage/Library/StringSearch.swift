#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level text helpers shared by the string methods, `regex` and the file functions.
///
/// Substring search in Quill matches exact code point sequences (no Unicode normalization),
/// which is what a UTF-8 byte search gives: UTF-8 is self-synchronizing, so a match of a valid
/// needle always starts and ends on a code point boundary. Positions handed back to scripts are
/// always *character* (grapheme cluster) indexes; `characterIndex` converts.
enum TextSearch {
    /// Runs `body` over the contiguous UTF-8 bytes of `s` (native Swift strings already are).
    @inline(__always)
    static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var copy = s
        return try copy.withUTF8(body)
    }

    /// The byte offset of the first occurrence of `needle` in `hay` at or after `from`, or nil.
    /// An empty needle matches at `from`.
    static func find(_ hay: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        let n = needle.count, h = hay.count
        if n == 0 { return from <= h ? from : nil }
        guard from >= 0, h - from >= n, let hb = hay.baseAddress, let nb = needle.baseAddress else { return nil }
        let first = Int32(nb[0])
        let lastStart = h - n
        var i = from
        while i <= lastStart {
            guard let p = memchr(hb + i, first, lastStart - i + 1) else { return nil }
            let j = UnsafeRawPointer(hb).distance(to: UnsafeRawPointer(p))
            if n == 1 || memcmp(hb + j + 1, nb + 1, n - 1) == 0 { return j }
            i = j + 1
        }
        return nil
    }

    /// The byte offset of the last occurrence of `needle` in `hay`, or nil.
    static func findLast(_ hay: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = needle.count, h = hay.count
        if n == 0 { return h }
        guard h >= n, let hb = hay.baseAddress, let nb = needle.baseAddress else { return nil }
        var j = h - n
        while j >= 0 {
            if hb[j] == nb[0] && memcmp(hb + j, nb, n) == 0 { return j }
            j -= 1
        }
        return nil
    }

    /// Byte offsets of up to `limit` non-overlapping occurrences of a non-empty needle, left to right.
    static func findAll(_ hay: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>,
                        limit: Int = .max) -> [Int] {
        var out: [Int] = []
        guard needle.count > 0 else { return out }
        var from = 0
        while out.count < limit, let j = find(hay, needle, from: from) {
            out.append(j)
            from = j + needle.count
        }
        return out
    }

    /// A string made from a byte range of a buffer that holds valid UTF-8.
    @inline(__always)
    static func string(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self)
    }

    /// The character index of a UTF-8 byte offset in `s`.
    static func characterIndex(_ s: String, utf8Offset: Int) -> Int {
        let end = s.utf8.index(s.utf8.startIndex, offsetBy: utf8Offset)
        let asciiNoCR = withBytes(s) { buf -> Bool in
            let prefix = UnsafeBufferPointer(rebasing: buf[0..<utf8Offset])
            return StringObject.isSimpleASCII(prefix)
        }
        if asciiNoCR { return utf8Offset }
        return s[..<end].count
    }

    /// Resolves Python-style slice bounds (negative counts from the end, clamped) over `count` items.
    static func sliceBounds(_ start: Int?, _ end: Int?, count: Int) -> Range<Int> {
        func clamp(_ i: Int) -> Int {
            let j = i < 0 ? i + count : i
            return Swift.min(Swift.max(j, 0), count)
        }
        let lo = start.map(clamp) ?? 0
        let hi = end.map(clamp) ?? count
        return lo..<Swift.max(lo, hi)
    }
}
