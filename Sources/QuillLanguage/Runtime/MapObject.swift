/// An insertion-ordered hash map with string, int and bool keys.
///
/// Entries live in parallel arrays in insertion order (keys, values, hashes). An open-addressing
/// table of entry numbers finds them by hash with linear probing. Removal leaves a hole (a `nil`
/// key) that is compacted away once holes outnumber live entries, so iteration order survives
/// removals and removal stays O(1) amortized. Strings cache their hash, so repeated lookups with
/// the same key object hash once.
public final class MapObject {
    @exclusivity(unchecked) public private(set) var keys: [Value] = []
    @exclusivity(unchecked) public private(set) var values: [Value] = []
    @exclusivity(unchecked) private var hashes: [Int] = []
    /// Entry number + 1 per slot; 0 is an empty slot. Its size is a power of two, at least twice
    /// the number of entries (holes included).
    @exclusivity(unchecked) private var table: [Int32] = []
    @exclusivity(unchecked) private var holes = 0

    public init() {}

    /// Makes a map from pairs, later duplicates overwriting earlier ones.
    public convenience init<S: Sequence>(_ pairs: S) where S.Element == (Value, Value) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    /// The number of live entries.
    public var count: Int { keys.count - holes }

    /// The hash of a valid key (string, int or bool).
    @inline(__always) static func hash(_ key: Value) -> Int {
        switch key {
        case .string(let s): return s.hash
        case .int(let i):
            var h = UInt64(bitPattern: Int64(i)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31
            return Int(bitPattern: UInt(h))
        case .bool(let b): return b ? 0x5bd1e995 : 0x1b873593
        case .float(let d):
            if let i = Int(exactly: d) { return hash(.int(i)) }
            return d.hashValue
        default: return 0
        }
    }

    @inline(__always) static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x.equals(y)
        case let (.int(x), .int(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        default: return a == b
        }
    }

    /// The entry number holding `key`, or nil.
    @inline(__always) func find(_ key: Value, hash h: Int) -> Int? {
        guard !table.isEmpty else { return nil }
        let mask = table.count - 1
        var slot = h & mask
        while true {
            let e = Int(table[slot])
            if e == 0 { return nil }
            let i = e - 1
            if hashes[i] == h && Self.same(keys[i], key) { return i }
            slot = (slot + 1) & mask
        }
    }

    /// Reads or writes an entry; assigning Swift `nil` removes it.
    public subscript(key: Value) -> Value? {
        get {
            guard let i = find(key, hash: Self.hash(key)) else { return nil }
            return values[i]
        }
        set {
            guard let newValue else { _ = remove(key); return }
            set(key, newValue)
        }
    }

    /// Inserts or replaces.
    public func set(_ key: Value, _ value: Value) {
        let h = Self.hash(key)
        if let i = find(key, hash: h) {
            values[i] = value
            return
        }
        if (keys.count + 1) * 2 > table.count { grow() }
        let mask = table.count - 1
        var slot = h & mask
        while table[slot] != 0 { slot = (slot + 1) & mask }
        keys.append(key)
        values.append(value)
        hashes.append(h)
        table[slot] = Int32(keys.count)
    }

    /// String-keyed convenience for Swift code.
    public subscript(name: String) -> Value? {
        get { self[.str(name)] }
        set { self[.str(name)] = newValue }
    }

    public func has(_ key: Value) -> Bool { find(key, hash: Self.hash(key)) != nil }

    /// Removes an entry and returns its value.
    @discardableResult public func remove(_ key: Value) -> Value? {
        guard let i = find(key, hash: Self.hash(key)) else { return nil }
        let old = values[i]
        // The slot keeps pointing at the hole; a nil key never matches, and compaction drops it.
        keys[i] = .nil
        values[i] = .nil
        holes += 1
        if holes > 16 && holes * 2 > keys.count { rebuild(keepingHoles: false) }
        return old
    }

    public func removeAll() {
        keys.removeAll()
        values.removeAll()
        hashes.removeAll()
        table.removeAll()
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

    private func grow() {
        if holes * 4 > keys.count { rebuild(keepingHoles: false) }
        var size = max(8, table.count)
        while (keys.count + 1) * 2 > size { size *= 2 }
        if size != table.count { reindex(size: size) }
    }

    /// Drops holes (when asked) and rebuilds the slot table.
    private func rebuild(keepingHoles: Bool) {
        if !keepingHoles && holes > 0 {
            var k: [Value] = [], v: [Value] = [], h: [Int] = []
            k.reserveCapacity(count)
            v.reserveCapacity(count)
            h.reserveCapacity(count)
            for i in keys.indices where !keys[i].isNil {
                k.append(keys[i])
                v.append(values[i])
                h.append(hashes[i])
            }
            keys = k
            values = v
            hashes = h
            holes = 0
        }
        reindex(size: max(8, table.count))
    }

    private func reindex(size: Int) {
        table = [Int32](repeating: 0, count: size)
        let mask = size - 1
        for i in keys.indices where !keys[i].isNil {
            var slot = hashes[i] & mask
            while table[slot] != 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(i + 1)
        }
    }

    /// A shallow copy.
    public func copy() -> MapObject {
        let m = MapObject()
        for (k, v) in entries { m.set(k, v) }
        return m
    }
}
