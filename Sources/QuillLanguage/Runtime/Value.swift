/// A Quill value. Scalars are stored inline; everything else is a reference to a heap object.
///
/// The enum stays at 9 bytes (stride 16) because every heap case is a single class reference;
/// that keeps register copies in the VM cheap.
public enum Value {
    case `nil`
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(StringObject)
    case list(ListObject)
    case map(MapObject)
    /// A function written in Quill.
    case function(Closure)
    /// A function written in Swift (a built-in, a host function or a bound method).
    case native(NativeFunction)
    case error(ErrorObject)
    /// Any other host object: ranges, modules, prompts, model handles.
    case object(NativeObject)

    /// Makes a string value.
    @inlinable public static func str(_ s: String) -> Value { .string(StringObject(s)) }

    /// Only `nil` and `false` are false.
    @inline(__always) public var isTruthy: Bool {
        switch self {
        case .nil: return false
        case .bool(let b): return b
        default: return true
        }
    }

    @inline(__always) public var isNil: Bool {
        if case .nil = self { return true }
        return false
    }

    /// The name `type(x)` returns.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .function, .native: return "function"
        case .error: return "error"
        case .object(let o): return o.typeName
        }
    }

    /// A small integer per case; used by the VM's inline caches.
    @inline(__always) var tag: UInt8 {
        switch self {
        case .nil: return 0
        case .bool: return 1
        case .int: return 2
        case .float: return 3
        case .string: return 4
        case .list: return 5
        case .map: return 6
        case .function: return 7
        case .native: return 8
        case .error: return 9
        case .object: return 10
        }
    }

    /// The string payload, if this is a string.
    @inlinable public var stringValue: String? {
        if case .string(let s) = self { return s.value }
        return nil
    }

    /// The numeric payload as a Double for ints and floats.
    @inlinable public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }
}

// MARK: - Equality and hashing

extension Value: Equatable, Hashable {
    /// Structural equality: lists and maps compare element-wise; `1 == 1.0`; objects by identity.
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.int(a), .float(b)): return Double(a) == b && b.isFinite && Int(exactly: b) == a
        case let (.float(a), .int(b)): return Double(b) == a && a.isFinite && Int(exactly: a) == b
        case let (.string(a), .string(b)): return a.equals(b)
        case let (.list(a), .list(b)): return a === b || a.items == b.items
        case let (.map(a), .map(b)): return a === b || a.contentEquals(b)
        case let (.function(a), .function(b)): return a === b
        case let (.native(a), .native(b)): return a === b
        case let (.error(a), .error(b)): return a === b
        case let (.object(a), .object(b)): return a === b
        default: return false
        }
    }

    /// Hashing agrees with `==` for the key types maps accept (string, int, bool, integral floats).
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .nil: hasher.combine(0 as UInt8)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .float(let d):
            if let i = Int(exactly: d) { hasher.combine(i) } else { hasher.combine(d) }
        case .string(let s): hasher.combine(s.hash)
        case .list(let l): hasher.combine(ObjectIdentifier(l))
        case .map(let m): hasher.combine(ObjectIdentifier(m))
        case .function(let f): hasher.combine(ObjectIdentifier(f))
        case .native(let f): hasher.combine(ObjectIdentifier(f))
        case .error(let e): hasher.combine(ObjectIdentifier(e))
        case .object(let o): hasher.combine(ObjectIdentifier(o))
        }
    }

    /// Whether the value may be used as a map key: strings, ints and bools.
    var isValidKey: Bool {
        switch self {
        case .string, .int, .bool: return true
        default: return false
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .str(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .nil }
}
