/// The string-keyed, insertion-ordered map inside `QuillValue.map`: what a Quill map literal
/// `{name: "Ada", age: 36}` becomes on the host side, keeping the order scripts wrote it in.
public struct QuillMap: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The keys, in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: QuillValue] = [:]

    /// An empty value.
    public init() {}

    /// Builds a map from pairs in order; a repeated key keeps its first position and last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, QuillValue) {
        for (key, value) in pairs { self[key] = value }
    }

    /// A map from a literal, in the literal's order.
    public init(dictionaryLiteral elements: (String, QuillValue)...) { self.init(elements) }

    /// How many keys.
    public var count: Int { keys.count }
    /// Whether there are no keys.
    public var isEmpty: Bool { keys.isEmpty }
    /// The values, in key order.
    public var values: [QuillValue] { keys.map { storage[$0]! } }

    /// Reads or writes a key; writing nil removes it.
    public subscript(key: String) -> QuillValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Iterates `(key, value)` pairs in order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: QuillValue)> {
        keys.map { (key: $0, value: storage[$0]!) }.makeIterator()
    }

    /// Order matters: two maps are equal when they hold the same pairs in the same order,
    /// which is what a script printing them would see.
    public static func == (a: QuillMap, b: QuillMap) -> Bool { a.keys == b.keys && a.storage == b.storage }
    /// Hashes the pairs in order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        for key in keys { hasher.combine(storage[key]) }
    }
}
