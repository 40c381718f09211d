#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The operators' general cases. The VM handles int-int fast paths inline and calls these otherwise.
extension Value {
    static func overflow(_ op: String) -> QuillError {
        .arithmetic("integer overflow in '\(op)'")
    }

    static func operandError(_ op: String, _ a: Value, _ b: Value) -> QuillError {
        var hint: String?
        if op == "+", case .string = a { hint = "to join a string with a \(b.typeName), interpolate it: \"...\\(x)\"" }
        if op == "+", case .string = b { hint = "to join a \(a.typeName) with a string, interpolate it: \"\\(x)...\"" }
        return .type("unsupported operand types for \(op): \(a.typeName) and \(b.typeName)", hint: hint)
    }

    public static func add(_ a: Value, _ b: Value) throws -> Value { try add(a, b, meter: nil) }

    /// `a + b`, charging a new string or list to `meter` (before it is made) when there is one.
    static func add(_ a: Value, _ b: Value, meter: MemoryMeter?) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow("+") }
            return .int(r)
        case let (.float(x), .float(y)): return .float(x + y)
        case let (.int(x), .float(y)): return .float(Double(x) + y)
        case let (.float(x), .int(y)): return .float(x + Double(y))
        case let (.string(x), .string(y)):
            if let meter { return try meter.concatenate(x, y) }
            return .str(x.value + y.value)
        case let (.list(x), .list(y)):
            if let meter { return try meter.concatenate(x, y) }
            return .list(ListObject(x.items + y.items))
        default: throw operandError("+", a, b)
        }
    }

    public static func subtract(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw overflow("-") }
            return .int(r)
        case let (.float(x), .float(y)): return .float(x - y)
        case let (.int(x), .float(y)): return .float(Double(x) - y)
        case let (.float(x), .int(y)): return .float(x - Double(y))
        default: throw operandError("-", a, b)
        }
    }

    public static func multiply(_ a: Value, _ b: Value) throws -> Value { try multiply(a, b, meter: nil) }

    /// `a * b`; a repeated string or list is charged to `meter`, when there is one, before it is made.
    static func multiply(_ a: Value, _ b: Value, meter: MemoryMeter?) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw overflow("*") }
            return .int(r)
        case let (.float(x), .float(y)): return .float(x * y)
        case let (.int(x), .float(y)): return .float(Double(x) * y)
        case let (.float(x), .int(y)): return .float(x * Double(y))
        case let (.string(s), .int(n)), let (.int(n), .string(s)):
            let charge = try meter?.reserve(MemoryMeter.stringBytes(utf8: MemoryMeter.product(s.value.utf8.count, n)),
                                            for: "string repetition (*)")
            guard n <= 100_000_000 / max(1, s.value.utf8.count) else { throw QuillError.value("string repetition is too large") }
            return .string(StringObject.make(n <= 0 ? "" : String(repeating: s.value, count: n), reservation: charge))
        case let (.list(l), .int(n)), let (.int(n), .list(l)):
            let charge = try meter?.reserve(MemoryMeter.listBytes(count: MemoryMeter.product(l.items.count, n)),
                                            for: "list repetition (*)")
            guard n <= 100_000_000 / max(1, l.items.count) else { throw QuillError.value("list repetition is too large") }
            var out: [Value] = []
            if n > 0 {
                out.reserveCapacity(l.items.count * n)
                for _ in 0..<n { out.append(contentsOf: l.items) }
            }
            return .list(ListObject.make(out, reservation: charge))
        default: throw operandError("*", a, b)
        }
    }

    /// `/` always divides as floats (Lua 5.4 and Python 3): `7 / 2 == 3.5`.
    public static func divide(_ a: Value, _ b: Value) throws -> Value {
        guard let x = a.numberValue, let y = b.numberValue else { throw operandError("/", a, b) }
        if y == 0 { throw QuillError.arithmetic("division by zero") }
        return .float(x / y)
    }

    /// `//` floors: ints stay ints (`-7 // 2 == -4`), floats give a floored float.
    public static func floorDivide(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            if y == 0 { throw QuillError.arithmetic("division by zero") }
            if x == Int.min && y == -1 { throw overflow("//") }
            let q = x / y
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
        default:
            guard let x = a.numberValue, let y = b.numberValue else { throw operandError("//", a, b) }
            if y == 0 { throw QuillError.arithmetic("division by zero") }
            return .float((x / y).rounded(.down))
        }
    }

    /// `%` takes the sign of the divisor, so `x % n` is in `0..<n` for positive n (as in Python and Lua).
    public static func modulo(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            if y == 0 { throw QuillError.arithmetic("modulo by zero") }
            if y == -1 { return .int(0) }
            let r = x % y
            return .int(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        default:
            guard let x = a.numberValue, let y = b.numberValue else { throw operandError("%", a, b) }
            if y == 0 { throw QuillError.arithmetic("modulo by zero") }
            let r = fmod(x, y)
            return .float(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        }
    }

    /// `**`: int to a non-negative int power stays an int (overflow is an error); otherwise float.
    public static func power(_ a: Value, _ b: Value) throws -> Value {
        if case .int(var base) = a, case .int(var exp) = b, exp >= 0 {
            var result = 1
            while exp > 0 {
                if exp & 1 == 1 {
                    let (r, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    result = r
                }
                exp >>= 1
                if exp > 0 {
                    let (sq, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    base = sq
                }
            }
            return .int(result)
        }
        guard let x = a.numberValue, let y = b.numberValue else { throw operandError("**", a, b) }
        return .float(pow(x, y))
    }

    public static func negate(_ a: Value) throws -> Value {
        switch a {
        case .int(let x):
            if x == Int.min { throw overflow("-") }
            return .int(-x)
        case .float(let x): return .float(-x)
        default: throw QuillError.type("cannot negate \(a.typeName)")
        }
    }

    /// `a in b`: element of a list, key of a map, substring of a string, member of a range.
    public static func contains(_ item: Value, in container: Value) throws -> Bool {
        switch container {
        case .list(let l): return l.items.contains(item)
        case .map(let m): return item.isValidKey && m.has(item)
        case .string(let s):
            guard case .string(let sub) = item else {
                throw QuillError.type("'in <string>' needs a string on the left, not \(item.typeName)")
            }
            return sub.value.isEmpty || s.value.contains(sub.value)
        case .object(let o):
            if let r = o as? RangeObject, case .int(let i) = item { return r.contains(i) }
            throw QuillError.type("'in' is not supported for \(o.typeName)")
        default:
            throw QuillError.type("'in' needs a list, map, string or range on the right, not \(container.typeName)")
        }
    }

    /// `a < b` and friends.
    public static func less(_ a: Value, _ b: Value) throws -> Bool {
        if case .int(let x) = a, case .int(let y) = b { return x < y }
        if let x = a.numberValue, let y = b.numberValue { return x < y }
        return try compare(a, b) < 0
    }

    public static func lessEqual(_ a: Value, _ b: Value) throws -> Bool {
        if case .int(let x) = a, case .int(let y) = b { return x <= y }
        if let x = a.numberValue, let y = b.numberValue { return x <= y }
        return try compare(a, b) <= 0
    }
}
