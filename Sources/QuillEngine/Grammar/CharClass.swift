/// A set of Unicode code points one grammar element matches: inclusive ranges, possibly negated.
///
/// Ranges are kept sorted and merged, so two classes with the same members compare equal
/// (the builder shares rules with equal bodies) and "does this class cover a whole range"
/// is a single binary search. ASCII membership is precomputed into two words because almost
/// every byte a model emits is ASCII.
struct CharClass: Hashable, Sendable {
    /// Sorted, non-overlapping, non-adjacent inclusive ranges.
    let ranges: [ClosedRange<UInt32>]
    /// When set, the class matches every code point outside `ranges`.
    let negated: Bool
    /// Members below 64 and from 64 to 127, one bit each (negation applied).
    let asciiLow: UInt64
    let asciiHigh: UInt64

    static let maxCodePoint: UInt32 = 0x10FFFF

    init(_ ranges: [ClosedRange<UInt32>], negated: Bool = false) {
        let merged = CharClass.normalize(ranges)
        self.ranges = merged
        self.negated = negated
        var low: UInt64 = 0, high: UInt64 = 0
        for r in merged where r.lowerBound < 128 {
            for c in r.lowerBound...min(r.upperBound, 127) {
                if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
            }
        }
        asciiLow = negated ? ~low : low
        asciiHigh = negated ? ~high : high
    }

    /// Every code point (GBNF's and the regex engine's `.` without the newline rule).
    static let any = CharClass([], negated: true)

    static func scalar(_ c: UInt32) -> CharClass { CharClass([c...c]) }

    /// Whether the class matches nothing at all (`[^\x00-\U0010FFFF]`, or an empty set).
    var isEmpty: Bool { positiveRanges.isEmpty }

    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow >> UInt64(c) & 1 != 0 }
        if c < 128 { return asciiHigh >> UInt64(c - 64) & 1 != 0 }
        return rangeIndex(containing: c) != nil ? !negated : negated
    }

    /// Whether every code point in `lo...hi` is a member.
    func covers(_ lo: UInt32, _ hi: UInt32) -> Bool {
        if negated { return !touches(lo, hi) }
        guard let i = rangeIndex(containing: lo) else { return false }
        return ranges[i].upperBound >= hi
    }

    /// Whether some code point in `lo...hi` is a member.
    func intersects(_ lo: UInt32, _ hi: UInt32) -> Bool {
        if negated {
            guard let i = rangeIndex(containing: lo) else { return true }
            return ranges[i].upperBound < hi
        }
        return touches(lo, hi)
    }

    /// The members as plain ranges, negation resolved over all code points.
    var positiveRanges: [ClosedRange<UInt32>] {
        negated ? CharClass.complement(ranges) : ranges
    }

    /// Members of `self` that are not members of `other`.
    func subtracting(_ other: CharClass) -> CharClass {
        CharClass(CharClass.intersect(positiveRanges, CharClass.complement(other.positiveRanges)))
    }

    func intersection(_ other: CharClass) -> CharClass {
        CharClass(CharClass.intersect(positiveRanges, other.positiveRanges))
    }

    func union(_ other: CharClass) -> CharClass {
        CharClass(positiveRanges + other.positiveRanges)
    }

    /// Whether any range overlaps `lo...hi`.
    private func touches(_ lo: UInt32, _ hi: UInt32) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < lo { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].lowerBound <= hi
    }

    private func rangeIndex(containing c: UInt32) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < c { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].lowerBound <= c ? low : nil
    }

    static func normalize(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound &+ 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in normalize(ranges) {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            if r.upperBound >= maxCodePoint { return out }
            next = r.upperBound + 1
        }
        if next <= maxCodePoint { out.append(next...maxCodePoint) }
        return out
    }

    static func intersect(_ a: [ClosedRange<UInt32>], _ b: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for x in a {
            for y in b where x.overlaps(y) {
                out.append(max(x.lowerBound, y.lowerBound)...min(x.upperBound, y.upperBound))
            }
        }
        return out
    }

    /// The class in GBNF notation: `[a-z]`, `[^"\\]`, `.`.
    var gbnf: String {
        if negated && ranges.isEmpty { return "." }
        var text = negated ? "[^" : "["
        for r in ranges {
            text += CharClass.escaped(r.lowerBound, inClass: true)
            if r.upperBound > r.lowerBound {
                text += "-" + CharClass.escaped(r.upperBound, inClass: true)
            }
        }
        return text + "]"
    }

    /// A code point written so GBNF reads it back as itself.
    static func escaped(_ c: UInt32, inClass: Bool) -> String {
        switch c {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x5C: return "\\\\"
        case 0x22: return "\\\""
        case 0x5D where inClass, 0x5B where inClass, 0x2D where inClass, 0x5E where inClass:
            return "\\" + String(UnicodeScalar(UInt8(c)))
        default:
            if c < 0x20 || c == 0x7F { return "\\x" + hex(c, width: 2) }
            if let scalar = Unicode.Scalar(c) { return String(scalar) }
            return "\\u" + hex(c, width: 4)
        }
    }

    private static func hex(_ c: UInt32, width: Int) -> String {
        let digits = String(c, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
