/// An insertion-ordered hash map with string, int and bool keys.
///
/// Entries live in two parallel arrays in insertion order; a hash index maps each key to its
/// position. Removal leaves a hole (a `nil` key) that is compacted away once holes outnumber
/// live entries, so iteration order survives removals and removal stays O(1) amortized.
public final class MapObject {
    @exclusivity(unchecked) public private(set) var keys: [Value] = []
    @exclusivity(unchecked) public private(set) var values: [Value] = []
    @exclusivity(unchecked) private var index: [Value: Int] = [:]
    @exclusivity(unchecked) private var holes = 0

    public init() {}

    /// Makes a map from pairs, later duplicates overwriting earlier ones.
    public convenience init<S: Sequence>(_ pairs: S) where S.Element == (Value, Value) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    /// The number of live entries.
    public var count: Int { keys.count - holes }

    /// Reads or writes an entry; writing `nil` through the subscript stores nil (it does not remove).
    public subscript(key: Value) -> Value? {
        get {
            guard let i = index[key] else { return nil }
            return values[i]
        }
        set {
            guard let newValue else { _ = remove(key); return }
            if let i = index[key] {
                values[i] = newValue
            } else {
                index[key] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// String-keyed convenience for Swift code.
    public subscript(name: String) -> Value? {
        get { self[.str(name)] }
        set { self[.str(name)] = newValue }
    }

    public func has(_ key: Value) -> Bool { index[key] != nil }

    /// Removes an entry and returns its value.
    @discardableResult public func remove(_ key: Value) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        let old = values[i]
        keys[i] = .nil
        values[i] = .nil
        holes += 1
        if holes > 16 && holes * 2 > keys.count { compact() }
        return old
    }

    public func removeAll() {
        keys.removeAll()
        values.removeAll()
        index.removeAll()
        holes = 0
    }

    /// The live entries in insertion order.
    public var entries: [(key: Value, value: Value)] {
        var out: [(key: Value, value: Value)] = []
        out.reserveCapacity(count)
        for i in keys.indices where !keys[i].isNil { out.append((keys[i], values[i])) }
        return out
    }

    /// The raw slot count, including holes; iteration walks slots and skips holes.
    var slotCount: Int { keys.count }

    /// The entry in a slot, or nil for a hole. Used by `for k, v in m`.
    func slot(_ i: Int) -> (key: Value, value: Value)? {
        guard i < keys.count, !keys[i].isNil else { return nil }
        return (keys[i], values[i])
    }

    /// Structural equality: same keys with equal values (order does not matter).
    func contentEquals(_ other: MapObject) -> Bool {
        guard count == other.count else { return false }
        for i in keys.indices where !keys[i].isNil {
            guard let v = other[keys[i]], v == values[i] else { return false }
        }
        return true
    }

    private func compact() {
        var k: [Value] = [], v: [Value] = []
        k.reserveCapacity(count)
        v.reserveCapacity(count)
        index.removeAll(keepingCapacity: true)
        for i in keys.indices where !keys[i].isNil {
            index[keys[i]] = k.count
            k.append(keys[i])
            v.append(values[i])
        }
        keys = k
        values = v
        holes = 0
    }

    /// A shallow copy.
    public func copy() -> MapObject {
        let m = MapObject()
        for (k, v) in entries { m[k] = v }
        return m
    }
}
