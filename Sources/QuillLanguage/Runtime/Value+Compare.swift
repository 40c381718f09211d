/// Ordering and arithmetic on values, shared by the VM's slow paths and the core library.
extension Value {
    /// Orders two values: -1, 0 or 1. Numbers compare numerically, strings by Unicode scalars,
    /// bools false < true, lists lexicographically. Other mixes are a TypeError.
    public static func compare(_ a: Value, _ b: Value) throws -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.float(x), .float(y)): return try compareDoubles(x, y)
        case let (.int(x), .float(y)): return try compareDoubles(Double(x), y)
        case let (.float(x), .int(y)): return try compareDoubles(x, Double(y))
        case let (.string(x), .string(y)):
            if x === y { return 0 }
            return compareStrings(x.value, y.value)
        case let (.bool(x), .bool(y)): return x == y ? 0 : (!x ? -1 : 1)
        case let (.list(x), .list(y)):
            for (l, r) in zip(x.items, y.items) {
                let c = try compare(l, r)
                if c != 0 { return c }
            }
            return x.items.count < y.items.count ? -1 : (x.items.count == y.items.count ? 0 : 1)
        default:
            throw QuillError.type("cannot compare \(a.typeName) with \(b.typeName)")
        }
    }

    private static func compareDoubles(_ x: Double, _ y: Double) throws -> Int {
        if x < y { return -1 }
        if x > y { return 1 }
        if x == y { return 0 }
        throw QuillError.value("cannot order nan")
    }

    /// Compares by Unicode scalar values (code point order), fast on ASCII via UTF-8 bytes,
    /// whose order agrees with code point order.
    static func compareStrings(_ x: String, _ y: String) -> Int {
        var i = x.utf8.makeIterator(), j = y.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (p?, q?):
                if p != q { return p < q ? -1 : 1 }
            }
        }
    }
}
