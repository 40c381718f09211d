/// An insertion-ordered hash map with string, int and bool keys.
///
/// Entries (key, value, hash) live in one array in insertion order. Small maps — most maps in
/// scripts and decoded JSON — are searched linearly by hash; from nine entries on, an
/// open-addressing table of entry numbers (linear probing) finds them. So a small map costs two
/// allocations, the object and its entries. Removal leaves a hole (a `nil` key) that is
/// compacted away once holes outnumber live entries, so iteration order survives removals and
/// removal stays O(1) amortized.
///
/// Maps made under a memory limit are a subclass that carries the charge (`ChargedMapObject`),
/// so the others stay 40 bytes (one 48-byte malloc chunk); every member is `final`.
public class MapObject {
    struct Entry {
        var key: Value
        var value: Value
        var hash: Int
    }

    @exclusivity(unchecked) private final var storage: [Entry] = []
    /// Entry number + 1 per slot; 0 is an empty slot. Empty while the map is small; otherwise a
    /// power of two at least twice the number of entries (holes included).
    @exclusivity(unchecked) private final var table: [Int32] = []
    @exclusivity(unchecked) private final var holes = 0

    /// Maps up to this many entries (holes included) have no hash table.
    static let linearLimit = 8

    public init() {}

    /// Makes a map from pairs, later duplicates overwriting earlier ones.
    public convenience init<S: Sequence>(_ pairs: S) where S.Element == (Value, Value) {
        self.init()
        for (k, v) in pairs { set(k, v) }
    }

    /// The number of live entries.
    public final var count: Int { storage.count - holes }

    /// The live keys and values, in insertion order.
    public final var keys: [Value] { storage.compactMap { $0.key.isNil ? nil : $0.key } }
    public final var values: [Value] { storage.compactMap { $0.key.isNil ? nil : $0.value } }

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
    @inline(__always) final func find(_ key: Value, hash h: Int) -> Int? {
        if table.isEmpty {
            for i in storage.indices where storage[i].hash == h && Self.same(storage[i].key, key) { return i }
            return nil
        }
        let mask = table.count - 1
        var slot = h & mask
        while true {
            let e = Int(table[slot])
            if e == 0 { return nil }
            let i = e - 1
            if storage[i].hash == h && Self.same(storage[i].key, key) { return i }
            slot = (slot + 1) & mask
        }
    }

    /// Reads or writes an entry; assigning Swift `nil` removes it.
    public final subscript(key: Value) -> Value? {
        get {
            guard let i = find(key, hash: Self.hash(key)) else { return nil }
            return storage[i].value
        }
        set {
            guard let newValue else { _ = remove(key); return }
            set(key, newValue)
        }
    }

    /// Inserts or replaces.
    public final func set(_ key: Value, _ value: Value) {
        let h = Self.hash(key)
        if let i = find(key, hash: h) {
            storage[i].value = value
            return
        }
        storage.append(Entry(key: key, value: value, hash: h))
        if !table.isEmpty || storage.count > Self.linearLimit {
            if storage.count * 2 > table.count {
                grow()
            } else {
                insertSlot(storage.count - 1)
            }
        }
    }

    /// String-keyed convenience for Swift code.
    public final subscript(name: String) -> Value? {
        get { self[.str(name)] }
        set { self[.str(name)] = newValue }
    }

    public final func has(_ key: Value) -> Bool { find(key, hash: Self.hash(key)) != nil }

    /// Removes an entry and returns its value.
    @discardableResult public final func remove(_ key: Value) -> Value? {
        guard let i = find(key, hash: Self.hash(key)) else { return nil }
        let old = storage[i].value
        // A table slot keeps pointing at the hole; a nil key never matches, and compaction drops it.
        storage[i].key = .nil
        storage[i].value = .nil
        storage[i].hash = 0
        holes += 1
        if holes > 16 && holes * 2 > storage.count { compact() }
        return old
    }

    public final func removeAll() {
        storage.removeAll()
        table.removeAll()
        holes = 0
    }

    /// The live entries in insertion order.
    public final var entries: [(key: Value, value: Value)] {
        var out: [(key: Value, value: Value)] = []
        out.reserveCapacity(count)
        for e in storage where !e.key.isNil { out.append((e.key, e.value)) }
        return out
    }

    /// The raw slot count, including holes; iteration walks slots and skips holes.
    final var slotCount: Int { storage.count }

    /// The entry in a slot, or nil for a hole. Used by `for k, v in m`.
    final func slot(_ i: Int) -> (key: Value, value: Value)? {
        guard i < storage.count, !storage[i].key.isNil else { return nil }
        return (storage[i].key, storage[i].value)
    }

    /// Structural equality: same keys with equal values (order does not matter).
    final func contentEquals(_ other: MapObject) -> Bool {
        guard count == other.count else { return false }
        for e in storage where !e.key.isNil {
            guard let v = other[e.key], v == e.value else { return false }
        }
        return true
    }

    private final func grow() {
        if holes * 4 > storage.count { compact(); return }
        var size = max(16, table.count)
        while storage.count * 2 > size { size *= 2 }
        reindex(size: size)
    }

    /// Drops holes and rebuilds the table (or drops it when the map became small).
    private final func compact() {
        storage.removeAll { $0.key.isNil }
        holes = 0
        if storage.count > Self.linearLimit {
            var size = 16
            while storage.count * 2 > size { size *= 2 }
            reindex(size: size)
        } else {
            table = []
        }
    }

    private final func reindex(size: Int) {
        table = [Int32](repeating: 0, count: size)
        for i in storage.indices where !storage[i].key.isNil { insertSlot(i) }
    }

    @inline(__always) private final func insertSlot(_ i: Int) {
        let mask = table.count - 1
        var slot = storage[i].hash & mask
        while table[slot] != 0 { slot = (slot + 1) & mask }
        table[slot] = Int32(i + 1)
    }

    /// A shallow copy.
    public final func copy() -> MapObject { copy(into: MapObject()) }

    /// Copies the entries into `m`, an empty map (a charged one under a memory limit).
    final func copy(into m: MapObject) -> MapObject {
        m.storage.reserveCapacity(count)
        for e in storage where !e.key.isNil { m.set(e.key, e.value) }
        return m
    }
}
