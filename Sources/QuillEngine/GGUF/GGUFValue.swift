import Foundation

/// One metadata value of a GGUF file.
public enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool)
    case string(String)
    case array(GGUFValueType, [GGUFValue])

    /// The value as an integer, when it is one of the integer types (or a bool).
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(_, let values) = self { return values }
        return nil
    }

    /// A short rendering for `quill models inspect`: arrays show their type, length and first items.
    public var summary: String {
        switch self {
        case .string(let s):
            let shown = s.count > 80 ? String(s.prefix(77)) + "..." : s
            return "\"" + shown.replacingOccurrences(of: "\n", with: "\\n") + "\""
        case .array(let type, let values):
            let head = values.prefix(5).map(\.summary).joined(separator: ", ")
            return "[\(type) × \(values.count)] [\(head)\(values.count > 5 ? ", ..." : "")]"
        case .float32(let v): return String(v)
        case .float64(let v): return String(v)
        case .bool(let v): return String(v)
        default: return String(int ?? 0)
        }
    }
}

/// The type tags of GGUF metadata values.
public enum GGUFValueType: UInt32, Sendable, CustomStringConvertible {
    case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    /// Bytes one value of this type takes at least; bounds array lengths before anything is allocated.
    var minimumSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }

    public var description: String {
        ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"][Int(rawValue)]
    }
}
