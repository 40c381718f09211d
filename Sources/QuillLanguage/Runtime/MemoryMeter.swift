import Synchronization

/// An approximate count of the live bytes a VM family's scripts hold in strings, lists and
/// maps, checked against `VM.memoryLimit`, so that a script cannot make the process allocate
/// gigabytes (`"x" * 10**10`, `while true { xs.push(xs) }`).
///
/// An operation that makes or grows a string, list or map asks the meter first; when the new
/// total would pass the limit it raises a `MemoryError` and allocates nothing (operations that
/// can ask for a huge block in one step — repetition, joins, `range.to_list()`, `read_file` —
/// are sized before they build; operations bounded by their inputs may build first and be
/// refused after, which overshoots by at most that one result). Each charged object keeps a
/// `MemoryCharge` that gives its bytes back when the object is freed, so only *live* memory
/// counts: a loop that makes a million temporary strings never comes near the limit, and a
/// script that caught the error can free what it holds and carry on.
///
/// Sizes are estimates for 64-bit platforms, not malloc's exact figures:
/// - a string: 64 bytes (object and buffer header) + its UTF-8 bytes, + 16 per character once
///   indexed (the character cache);
/// - a list: 64 bytes + 16 per item (one `Value`); capacity slack is not counted;
/// - a map: 96 bytes + 48 per entry (key, value and hash, and its hash table slots).
/// The charge of a list or map follows its count when it grows (and drops when it grew after
/// shrinking). Not counted: what the host makes, values made while no limit was set (they
/// are charged in full when they first grow under one), constants, single characters from
/// indexing, closures, errors and other objects. Items are counted where they are made, so a
/// list holding one string a million times costs a million slots, not a million strings.
///
/// One meter serves a VM and its `batch` tasks, whose threads take turns under the interpreter
/// lock; objects may be freed on any thread, so the count is atomic.
final class MemoryMeter: Sendable {
    private let usedBytes = Atomic<Int>(0)
    private let limitBytes: Atomic<Int>

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

    /// The bytes charged to objects still alive.
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
        let limit = self.limit, used = self.used
        if used > limit || bytes > limit - used { throw exceeded(bytes, operation()) }
    }

    /// Counts `bytes` more, or throws a MemoryError (counting nothing) if they do not fit.
    ///
    /// Checking and adding are two steps: only the thread holding the interpreter lock takes,
    /// and the others only give back, which can only make the check too strict, never too lax.
    @inline(__always) func take(_ bytes: Int, for operation: @autoclosure () -> String) throws {
        try check(bytes, for: operation())
        usedBytes.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// Counts bytes already allocated without checking (a string's character cache).
    func add(_ bytes: Int) { usedBytes.wrappingAdd(bytes, ordering: .relaxed) }

    /// Gives back bytes taken before.
    func give(_ bytes: Int) { usedBytes.wrappingSubtract(bytes, ordering: .relaxed) }

    /// Takes `bytes` for an object about to be made; attach the charge to it (a string's or
    /// list's `charge:`). Dropped unattached — the build failed — it gives the bytes back.
    func reserve(_ bytes: Int, for operation: @autoclosure () -> String) throws -> MemoryCharge {
        try take(bytes, for: operation())
        return MemoryCharge(meter: self, bytes: bytes)
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
}

/// The bytes one string, list or map was charged, given back to its meter when the object is
/// freed. Lists and maps change theirs as they grow; a string keeps its character cache here.
final class MemoryCharge {
    let meter: MemoryMeter
    /// Only changed by the thread holding the interpreter lock; read by `deinit` once the
    /// object is unreachable.
    var bytes: Int
    /// For a string: its characters once indexed (see `StringObject.characters`).
    var characters: [Character]?

    init(meter: MemoryMeter, bytes: Int) {
        self.meter = meter
        self.bytes = bytes
    }

    deinit { meter.give(bytes) }
}

// MARK: - Charging values

extension MemoryMeter {
    /// A string value charged for `s`, which is already built: for operations whose result is
    /// bounded by their inputs (case changes, slices, formatting checked as it goes).
    func string(_ s: String, for operation: @autoclosure () -> String) throws -> Value {
        let bytes = Self.stringBytes(utf8: s.utf8.count)
        try take(bytes, for: operation())
        return .string(StringObject(s, charge: MemoryCharge(meter: self, bytes: bytes)))
    }

    /// `a + b` for strings, sized before the bytes are copied.
    func concatenate(_ a: StringObject, _ b: StringObject) throws -> Value {
        let charge = try reserve(Self.stringBytes(utf8: Self.sum(a.value.utf8.count, b.value.utf8.count)),
                                 for: "string concatenation (+)")
        return .string(StringObject(a.value + b.value, charge: charge))
    }

    /// `a + b` for lists, sized before the items are copied.
    func concatenate(_ a: ListObject, _ b: ListObject) throws -> Value {
        let charge = try reserve(Self.listBytes(count: Self.sum(a.items.count, b.items.count)),
                                 for: "list concatenation (+)")
        return .list(ListObject(a.items + b.items, charge: charge))
    }

    /// A list value charged for `items`, which are already gathered.
    func list(_ items: [Value], for operation: @autoclosure () -> String) throws -> Value {
        let bytes = Self.listBytes(count: items.count)
        try take(bytes, for: operation())
        return .list(ListObject(items, charge: MemoryCharge(meter: self, bytes: bytes)))
    }

    /// Charges a list for the `count` items it is about to hold (more than now when it grows).
    /// A list that was never charged (made by the host, or before the limit was set) is charged
    /// in full. A list that shrank since it was charged gives the difference back.
    func grow(_ list: ListObject, toCount count: Int, for operation: @autoclosure () -> String) throws {
        let target = Self.listBytes(count: count)
        if let charge = list.charge, charge.meter === self {
            let extra = target - charge.bytes
            if extra > 0 { try take(extra, for: operation()) } else { give(-extra) }
            charge.bytes = target
        } else {
            list.charge = try reserve(target, for: operation())
        }
    }

    /// Charges a list for `n` more items.
    @inline(__always) func grow(_ list: ListObject, by n: Int, for operation: @autoclosure () -> String) throws {
        try grow(list, toCount: Self.sum(list.items.count, n), for: operation())
    }

    /// Charges a map for `count` entries, as `grow(_:toCount:for:)` does a list.
    func grow(_ map: MapObject, toCount count: Int, for operation: @autoclosure () -> String) throws {
        let target = Self.mapBytes(count: count)
        if let charge = map.charge, charge.meter === self {
            let extra = target - charge.bytes
            if extra > 0 { try take(extra, for: operation()) } else { give(-extra) }
            charge.bytes = target
        } else {
            map.charge = try reserve(target, for: operation())
        }
    }

    /// Charges a map for one more entry before a key is set. (Setting a key that exists charges
    /// one entry ahead too; that entry is already paid for the next new key, so nothing drifts.)
    @inline(__always) func grow(_ map: MapObject, for operation: @autoclosure () -> String) throws {
        try grow(map, toCount: map.count + 1, for: operation())
    }

    /// A map value charged for its entries, which are already set.
    func map(_ map: MapObject, for operation: @autoclosure () -> String) throws -> Value {
        try grow(map, toCount: map.count, for: operation())
        return .map(map)
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
        let room = max(0, limit - used)
        var size = 0
        if !Self.textFits(value, depth: 0, maxDepth: maxDepth, size: &size, room: room) {
            throw exceeded(size, operation())
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

    /// A map value, charged when a memory limit is set.
    @inline(__always) func makeMap(_ map: MapObject, for operation: @autoclosure () -> String) throws -> Value {
        guard let meter = memoryMeter else { return .map(map) }
        return try meter.map(map, for: operation())
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
