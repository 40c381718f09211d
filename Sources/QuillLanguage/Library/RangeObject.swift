/// An arithmetic progression of ints: `range(a, b, step)`, `a..b` (inclusive) and `a..<b`.
/// The ints run from `start` up to (not including) `end`, `step` apart; a negative step counts
/// down (`range(5, 0, -1)` is 5, 4, 3, 2, 1).
///
/// The VM iterates ranges directly from `start`, `count` and `step` without allocating a list
/// or calling `makeIterator`; `values()` and the iterator exist for library code and other hosts.
/// Members: fields `start`, `end`, `step`; methods `len()`, `list()` (alias `to_list()`), `contains(x)`.
public final class RangeObject: NativeObject {
    public let start: Int
    /// Exclusive.
    public let end: Int
    /// Never zero.
    public let step: Int

    public init(start: Int, end: Int, step: Int = 1) {
        precondition(step != 0, "range step must not be zero")
        self.start = start
        self.end = end
        self.step = step
    }

    /// `a..b`: the inclusive form, stored with an exclusive end (saturating at Int.max).
    public convenience init(from a: Int, through b: Int) {
        let (e, overflow) = b.addingReportingOverflow(1)
        self.init(start: a, end: overflow ? Int.max : e)
    }

    /// The number of values, computed without overflow (saturating at Int.max).
    public var count: Int {
        if step > 0 {
            guard start < end else { return 0 }
            let span = UInt(bitPattern: end &- start)   // fits: end > start
            return Self.clamped((span - 1) / UInt(step) + 1)
        } else {
            guard start > end else { return 0 }
            let span = UInt(bitPattern: start &- end)
            return Self.clamped((span - 1) / step.magnitude + 1)
        }
    }

    private static func clamped(_ n: UInt) -> Int { n > UInt(Int.max) ? Int.max : Int(n) }

    /// The i-th value (0 ≤ i < count).
    @inline(__always) public func element(_ i: Int) -> Int { start &+ i &* step }

    /// Whether the int `i` is one of the values.
    public func contains(_ i: Int) -> Bool { contains(Value.int(i)) }

    /// Whether `x` is one of the values (`x in r`): ints, and floats equal to one of them.
    public func contains(_ x: Value) -> Bool {
        let n: Int
        switch x {
        case .int(let i): n = i
        case .float(let d): guard let i = Int(exactly: d) else { return false }; n = i
        default: return false
        }
        if step > 0 ? (n < start || n >= end) : (n > start || n <= end) { return false }
        let offset = step > 0 ? UInt(bitPattern: n &- start) : UInt(bitPattern: start &- n)
        return offset % step.magnitude == 0
    }

    /// All values as a Swift array of ints.
    public func values() -> [Value] {
        let n = count
        var out: [Value] = []
        out.reserveCapacity(n)
        for i in 0..<n { out.append(.int(element(i))) }
        return out
    }

    public override var typeName: String { "range" }

    /// `range(0, 10)`, or `range(0, 10, 2)` when the step is not 1.
    public override var description: String {
        step == 1 ? "range(\(start), \(end))" : "range(\(start), \(end), \(step))"
    }

    public override var memberNames: [String] { ["start", "end", "step", "len", "list", "to_list", "contains"] }

    public override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "start": return .int(start)
        case "end": return .int(end)
        case "step": return .int(step)
        default:
            guard let m = RangeObject.methods[name] else { return nil }
            return .native(m.bound(to: .object(self)))
        }
    }

    public override func makeIterator() -> NativeIterator? { RangeIterator(self) }

    private static func receiver(_ args: Args) -> RangeObject {
        if case .object(let o as RangeObject) = args.receiver { return o }
        preconditionFailure("range method called on \(args.receiver.typeName)")
    }

    /// Methods: `len()`, `list()` (alias `to_list()`) and `contains(x)`.
    static let methods: [String: NativeFunction] = {
        let list = { (args: Args) throws -> Value in
            let r = receiver(args)
            let charge = try args.vm.memoryMeter?.reserve(MemoryMeter.listBytes(count: r.count),
                                                          for: "\(args.function.name)() of \(r.description)")
            guard r.count <= 1 << 28 else {
                throw QuillError.value("list(): \(r.description) has too many values (\(r.count)) to make a list")
            }
            return .list(ListObject.make(r.values(), reservation: charge))
        }
        let fns = [
            NativeFunction("len", isMethod: true) { args in .int(receiver(args).count) },
            NativeFunction("list", isMethod: true, body: list),
            NativeFunction("to_list", isMethod: true, body: list),
            NativeFunction("contains", ["item"], isMethod: true) { args in .bool(receiver(args).contains(args[0])) },
        ]
        return Dictionary(uniqueKeysWithValues: fns.map { ($0.name, $0) })
    }()
}

/// Walks a range's values for hosts that iterate native objects generically.
final class RangeIterator: NativeIterator {
    private let range: RangeObject
    private let count: Int
    private var i = 0

    init(_ range: RangeObject) {
        self.range = range
        self.count = range.count
    }

    override func next() throws -> Value? {
        guard i < count else { return nil }
        defer { i += 1 }
        return .int(range.element(i))
    }
}
