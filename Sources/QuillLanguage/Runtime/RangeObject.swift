/// An arithmetic progression of ints: `range(a, b, step)`, `a..b` (inclusive) and `a..<b`.
/// `for` loops over ranges run without allocating a list.
public final class RangeObject: NativeObject {
    public let start: Int
    /// Exclusive bound.
    public let end: Int
    public let step: Int

    public init(start: Int, end: Int, step: Int = 1) {
        precondition(step != 0)
        self.start = start
        self.end = end
        self.step = step
    }

    /// `a..b`: the inclusive form, stored with an exclusive end (saturating at Int.max).
    public convenience init(from a: Int, through b: Int) {
        let (e, o) = b.addingReportingOverflow(1)
        self.init(start: a, end: o ? Int.max : e)
    }

    /// The number of values.
    public var count: Int {
        if step > 0 {
            guard start < end else { return 0 }
            return Int((UInt(bitPattern: end &- start) &- 1) / UInt(step)) + 1
        }
        guard start > end else { return 0 }
        return Int((UInt(bitPattern: start &- end) &- 1) / UInt(-step)) + 1
    }

    public func contains(_ i: Int) -> Bool {
        if step > 0 { guard i >= start && i < end else { return false } }
        else { guard i <= start && i > end else { return false } }
        return (i &- start) % step == 0
    }

    /// The i-th value (no bounds check).
    public func element(_ i: Int) -> Int { start &+ i &* step }

    public override var typeName: String { "range" }
    public override var description: String {
        step == 1 ? "range(\(start), \(end))" : "range(\(start), \(end), \(step))"
    }
    public override var memberNames: [String] { ["start", "end", "step", "list"] }

    public override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "start": return .int(start)
        case "end": return .int(end)
        case "step": return .int(step)
        case "list":
            return .native(RangeObject.listMethod.bound(to: .object(self)))
        default: return nil
        }
    }

    /// `r.list()`: the values as a list.
    static let listMethod = NativeFunction("list", isMethod: true) { args in
        guard case .object(let o) = args.receiver, let r = o as? RangeObject else { return .nil }
        let n = r.count
        guard n <= 100_000_000 else { throw QuillError.value("range is too large to make a list (\(n) values)") }
        var items: [Value] = []
        items.reserveCapacity(n)
        for i in 0..<n { items.append(.int(r.element(i))) }
        return .list(ListObject(items))
    }
}
