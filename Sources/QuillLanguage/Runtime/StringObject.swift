/// An immutable Unicode string on the heap.
///
/// Quill indexes strings by character (extended grapheme cluster). Swift's String is not
/// randomly indexable, so the first index operation builds an array of characters and keeps it.
public final class StringObject {
    public let value: String
    @exclusivity(unchecked) private var characterCache: [Character]?

    @inlinable public init(_ value: String) { self.value = value }

    /// The characters, computed once on first use.
    public var characters: [Character] {
        if let c = characterCache { return c }
        let c = Array(value)
        characterCache = c
        return c
    }

    /// The number of characters. ASCII strings without "\r\n" (which is one character) answer
    /// from the UTF-8 count without segmenting.
    public var count: Int {
        if let c = characterCache { return c.count }
        if value.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) { return value.utf8.count }
        return characters.count
    }
}
