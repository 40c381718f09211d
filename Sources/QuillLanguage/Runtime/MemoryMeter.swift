import Synchronization

/// An approximate count of the live bytes a VM family's scripts hold in strings, lists and
/// maps, checked against `VM.memoryLimit`, so that a script cannot make the process allocate
/// gigabytes (`"x" * 10**10`, `while true { xs.push(xs) }`).
///
/// An operation that makes or grows a string, list or map asks the meter first; when the new
/// total would pass the limit it raises a `MemoryError` and allocates nothing (operations that
/// can ask for a huge block in one step — repetition, joins, `range.to_list()`, `read_file` —
/// are sized before they build; operations bounded by their inputs may build first and be
/// refused after, which overshoots by at most that one result). Objects made under a limit are
/// subclasses (`ChargedStringObject`, `ChargedListObject`, `ChargedMapObject`) that give their
/// bytes back when they are freed, so only *live* memory counts: a loop that makes a million
/// temporary strings never comes near the limit, and a script that caught the error can free
/// what it holds and carry on. Without a limit nothing is charged and objects keep their size.
///
/// Sizes are estimates for 64-bit platforms, not malloc's exact figures:
/// - a string: 64 bytes (object and buffer header) + its UTF-8 bytes, + 16 per character once
///   indexed (the character cache);
/// - a list: 64 bytes + 16 per item (one `Value`); capacity slack is not counted;
/// - a map: 96 bytes + 48 per entry (key, value and hash, and its hash table slots).
/// The charge of a list or map follows its count when it grows (and drops when it grew after
/// shrinking). A list or map made without a charge (by the host, or before the limit was set)
/// is charged in full when it first grows, and given back once it is found freed (the meter
/// holds it weakly). Not counted: constants, single characters from indexing, closures,
/// errors and other objects, and values a returned call left in its registers until they are
/// reused. Items are counted where they are made, so a list holding one string a million
/// times costs a million slots, not a million strings.
///
/// One meter serves a VM and its `batch` tasks, whose threads take turns under the interpreter
/// lock; objects may be freed on any thread, so the count is atomic. The table of adopted
/// objects is only touched by the thread holding the interpreter lock.
final class MemoryMeter: @unchecked Sendable {
    private let usedBytes = Atomic<Int>(0)
    private let limitBytes: Atomic<Int>
    /// Lists and maps made without a charge and charged when they grew, held weakly.
    @exclusivity(unchecked) private var adopted: [ObjectIdentifier: Adoption] = [:]
    @exclusivity(unchecked) private var sweepAt = 1024

    private struct Adoption {
        weak var object: AnyObject?
        var bytes: Int
    }

    static let stringHeader = 64
    static let characterBytes = 16
    static let listHeader = 64
    static let slotBytes = 16
    static let mapHeader = 96
    static let entryBytes = 48

    init(limit: Int) { limitBytes = Atomic(max(0, limit)) }

    /// The limit in bytes.
    var limit: Int {
        get { limitBytes.load(ordering: .relaxed) }
        set { limitBytes.store(max(0, newValue), ordering: .relaxed) }
    }

    /// The bytes charged to objects still alive (and to adopted ones not yet found freed).
    var used: Int { usedBytes.load(ordering: .relaxed) }

    /// The meter for a VM whose limit becomes `limit`: none without a limit; otherwise the VM's
    /// meter with the new limit (so what it counted so far still counts), or a new one.
    static func updated(_ meter: MemoryMeter?, limit: Int?) -> MemoryMeter? {
        guard let limit else { return nil }
        if let meter {
            meter.limit = limit
            return meter
        }
        return MemoryMeter(limit: limit)
    }

    // MARK: - Counting

    /// Whether `bytes` more fit under the limit, or the MemoryError that says they do not.
    /// Takes nothing: for sizing an operation before it builds.
    @inline(__always) func check(_ bytes: Int, for operation: @autoclosure () -> String) throws {
        if !fits(bytes) { try checkAfterSweeping(bytes, operation) }
    }

    @inline(__always) private func fits(_ bytes: Int) -> Bool {
        let limit = self.limit, used = self.used
        return used <= limit && bytes <= limit - used
    }

    /// The slow path of `check`: gives back what freed adopted objects held, then decides.
    @inline(never) private func checkAfterSweeping(_ bytes: Int, _ operation: () -> String) throws {
        sweep()
        if !fits(bytes) { throw exceeded(bytes, operation()) }
    }

    /// Counts `bytes` more, or throws a MemoryError (counting nothing) if they do not fit.
    ///
    /// Checking and adding are two steps: only the thread holding the interpreter lock takes,
    /// and the others only give back, which can only make the check too strict, never too lax.
    @inline(__always) func take(_ bytes: Int, for operation: @autoclosure () -> String) throws {
        try check(bytes, for: operation())
        usedBytes.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// Counts bytes already allocated, without checking (a string's character cache).
    func add(_ bytes: Int) { usedBytes.wrappingAdd(bytes, ordering: .relaxed) }

    /// Gives back bytes taken before.
    func give(_ bytes: Int) { usedBytes.wrappingSubtract(bytes, ordering: .relaxed) }

    /// Takes `bytes` for an object about to be made, which takes them over
    /// (`StringObject.make(_:reservation:)`); if the build fails first, they are given back.
    func reserve(_ bytes: Int, for operation: @autoclosure () -> String) throws -> MemoryReservation {
        try take(bytes, for: operation())
        return MemoryReservation(meter: self, bytes: bytes)
    }

    func exceeded(_ bytes: Int, _ operation: String) -> QuillError {
        QuillError("MemoryError",
                   "memory limit of \(limit) bytes exceeded: \(operation) needs about \(bytes) more bytes",
                   hint: "the host sets this limit (Runtime limits, VM.memoryLimit); drop large values you no longer need, or ask for a higher limit")
    }

    // MARK: - Sizes

    /// `a * b`, or Int.max when that overflows (a size that never fits).
    static func product(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : max(0, p)
    }

    /// `a + b`, or Int.max when that overflows.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : s
    }

    static func stringBytes(utf8 count: Int) -> Int { sum(stringHeader, count) }
    static func listBytes(count: Int) -> Int { sum(listHeader, product(slotBytes, count)) }
    static func mapBytes(count: Int) -> Int { sum(mapHeader, product(entryBytes, count)) }

    // MARK: - Adopted objects

    /// Charges `object`, which has no charge of its own, `target` bytes in all.
    private func adopt(_ object: AnyObject, target: Int, for operation: () -> String) throws {
        let id = ObjectIdentifier(object)
        var charged = 0
        if let entry = adopted[id] {
            if entry.object === object {
                charged = entry.bytes
            } else {
                // A freed object's address, reused.
                give(entry.bytes)
                adopted[id] = nil
            }
        }
        let extra = target - charged
        if extra > 0 { try take(extra, for: operation()) } else { give(-extra) }
        adopted[id] = Adoption(object: object, bytes: target)
        if adopted.count >= sweepAt {
            sweep()
            sweepAt = max(1024, adopted.count * 2)
        }
    }

    /// Gives back what adopted objects that have been freed held.
    private func sweep() {
        for (id, entry) in adopted where entry.object == nil {
            give(entry.bytes)
            adopted[id] = nil
        }
    }
}

// MARK: - Charging values

extension MemoryMeter {
    /// A string value charged for `s`, which is already built: for operations whose result is
    /// bounded by their inputs (case changes, slices, formatting checked as it goes).
    func string(_ s: String, for operation: @autoclosure () -> String) throws -> Value {
        let bytes = Self.stringBytes(utf8: s.utf8.count)
        try take(bytes, for: operation())
        return .string(ChargedStringObject(s, meter: self, bytes: bytes))
    }

    /// `a + b` for strings, sized before the bytes are copied.
    func concatenate(_ a: StringObject, _ b: StringObject) throws -> Value {
        let bytes = Self.stringBytes(utf8: Self.sum(a.value.utf8.count, b.value.utf8.count))
        try take(bytes, for: "string concatenation (+)")
        return .string(ChargedStringObject(a.value + b.value, meter: self, bytes: bytes))
    }

    /// `a + b` for lists, sized before the items are copied.
    func concatenate(_ a: ListObject, _ b: ListObject) throws -> Value {
        let bytes = Self.listBytes(count: Self.sum(a.items.count, b.items.count))
        try take(bytes, for: "list concatenation (+)")
        return .list(ChargedListObject(a.items + b.items, meter: self, bytes: bytes))
    }

    /// A list value charged for `items`, which are already gathered.
    func list(_ items: [Value], for operation: @autoclosure () -> String) throws -> Value {
        let bytes = Self.listBytes(count: items.count)
        try take(bytes, for: operation())
        return .list(ChargedListObject(items, meter: self, bytes: bytes))
    }

    /// Charges a list for the `count` items it is about to hold (more than now when it grows).
    /// A list that shrank since it was charged gives the difference back.
    func grow(_ list: ListObject, toCount count: Int, for operation: @autoclosure () -> String) throws {
        let target = Self.listBytes(count: count)
        if let charged = list as? ChargedListObject, charged.meter === self {
            try recharge(from: charged.bytes, to: target, for: operation)
            charged.bytes = target
        } else {
            try adopt(list, target: target, for: operation)
        }
    }

    /// Moves a charged object's bytes from `current` to `target`: takes the growth (or throws),
    /// gives back a shrink.
    private func recharge(from current: Int, to target: Int, for operation: () -> String) throws {
        let extra = target - current
        if extra > 0 { try take(extra, for: operation()) } else { give(-extra) }
    }

    /// Charges a list for `n` more items.
    @inline(__always) func grow(_ list: ListObject, by n: Int, for operation: @autoclosure () -> String) throws {
        try grow(list, toCount: Self.sum(list.items.count, n), for: operation())
    }

    /// Charges a map for `count` entries, as `grow(_:toCount:for:)` does a list.
    func grow(_ map: MapObject, toCount count: Int, for operation: @autoclosure () -> String) throws {
        let target = Self.mapBytes(count: count)
        if let charged = map as? ChargedMapObject, charged.meter === self {
            try recharge(from: charged.bytes, to: target, for: operation)
            charged.bytes = target
        } else {
            try adopt(map, target: target, for: operation)
        }
    }

    /// Charges a map for one more entry before a key is set. (Setting a key that exists charges
    /// one entry ahead too; that entry is already paid for the next new key, so nothing drifts.)
    @inline(__always) func grow(_ map: MapObject, for operation: @autoclosure () -> String) throws {
        try grow(map, toCount: map.count + 1, for: operation())
    }

    /// `"\(a)\(b)"`: checks the text of list and map parts, then sizes the whole before it is
    /// built (by `VM.concatenate`, the unlimited VM's path).
    func interpolate(_ parts: UnsafeMutablePointer<Value>, count: Int) throws -> Value {
        var size = 0
        for i in 0..<count {
            switch parts[i] {
            case .string(let part): size += part.value.utf8.count
            case .int(let v): size += Value.decimalDigits(v)
            default:
                try checkText(of: parts[i], for: "string interpolation")
                size += parts[i].description.utf8.count
            }
        }
        let bytes = Self.stringBytes(utf8: size)
        try take(bytes, for: "string interpolation")
        return .string(ChargedStringObject(VM.concatenate(parts, count: count), meter: self, bytes: bytes))
    }
}

// MARK: - Text of containers

extension MemoryMeter {
    /// Checks that the text of `value` (`str`, `repr`, `print`, interpolation, `json.encode`)
    /// fits in what is left. A list that holds the same big list twice prints it twice, so text
    /// can be exponentially larger than the memory a value holds (`for _ in 0..40 { xs = [xs, xs] }`);
    /// the walk stops as soon as the estimate passes the room left, so it costs no more than
    /// printing what would fit. Scalars and strings pass at once.
    func checkText(of value: Value, for operation: @autoclosure () -> String, maxDepth: Int = 64) throws {
        switch value {
        case .list, .map: break
        default: return
        }
        var size = 0
        if !Self.textFits(value, depth: 0, maxDepth: maxDepth, size: &size, room: max(0, limit - used)) {
            sweep()
            size = 0
            if !Self.textFits(value, depth: 0, maxDepth: maxDepth, size: &size, room: max(0, limit - used)) {
                throw exceeded(size, operation())
            }
        }
    }

    /// Adds an estimate of `value`'s text to `size`; false once it passes `room`.
    private static func textFits(_ value: Value, depth: Int, maxDepth: Int, size: inout Int, room: Int) -> Bool {
        guard depth < maxDepth else { size += 3; return size <= room }
        switch value {
        case .string(let s): size += s.value.utf8.count + 2
        case .int, .float: size += 8
        case .list(let l):
            size += 2
            for item in l.items {
                size += 2
                if !textFits(item, depth: depth + 1, maxDepth: maxDepth, size: &size, room: room) { return false }
            }
        case .map(let m):
            size += 2
            for i in 0..<m.slotCount {
                guard let (k, v) = m.slot(i) else { continue }
                size += 4
                if !textFits(k, depth: depth + 1, maxDepth: maxDepth, size: &size, room: room)
                    || !textFits(v, depth: depth + 1, maxDepth: maxDepth, size: &size, room: room) { return false }
            }
        default: size += 16
        }
        return size <= room
    }
}

// MARK: - Allocation sites

extension VM {
    /// A string value, charged when a memory limit is set.
    @inline(__always) func makeString(_ s: String, for operation: @autoclosure () -> String) throws -> Value {
        guard let meter = memoryMeter else { return .str(s) }
        return try meter.string(s, for: operation())
    }

    /// A list value, charged when a memory limit is set.
    @inline(__always) func makeList(_ items: [Value], for operation: @autoclosure () -> String) throws -> Value {
        guard let meter = memoryMeter else { return .list(ListObject(items)) }
        return try meter.list(items, for: operation())
    }

    /// An empty map to fill and then pass to `makeMap`: charged under a memory limit.
    @inline(__always) func newMap() -> MapObject {
        guard let meter = memoryMeter else { return MapObject() }
        return ChargedMapObject(meter: meter)
    }

    /// A map value, charged for its entries when a memory limit is set.
    @inline(__always) func makeMap(_ map: MapObject, for operation: @autoclosure () -> String) throws -> Value {
        try memoryMeter?.grow(map, toCount: map.count, for: operation())
        return .map(map)
    }
}

// MARK: - Registers an error left behind

extension VM {
    /// The end of the registers in use: past the top frame's registers and the current native
    /// call's arguments.
    func registerTop() -> Int {
        var top = nativeTop
        if frameCount > 0 {
            let frame = frames[frameCount - 1]
            top = max(top, frame.base + frame.closure.proto.registerCount)
        }
        return min(top, stackCapacity)
    }

    /// Drops the values in registers `start..<end`, the dead temporaries of frames an error
    /// unwound, so that what they held is freed — and given back to the meter — now rather
    /// than whenever the registers are reused. Called only under a memory limit: without it a
    /// script that caught a MemoryError and let go of its big list would still find the list
    /// alive in a register. (A call that returns normally leaves its registers as they are, as
    /// always: clearing them would cost every return.)
    func releaseRegisters(from start: Int, to end: Int) {
        guard start < end else { return }
        (stack + start).update(repeating: .nil, count: end - start)
    }
}
