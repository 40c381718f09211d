import Foundation
import QuillLanguage

/// A Quill value as the host sees it: a plain, `Sendable`, `Codable` snapshot that can cross
/// threads and tasks, unlike the VM's own `Value` (whose lists and maps are shared, mutable
/// objects owned by one runtime).
///
/// Scalars, strings, lists and maps convert both ways. Host objects stay themselves. Anything
/// else a script hands back (a function, a model, a range, an error) arrives as `.reference`:
/// an opaque handle that can be passed back into the runtime that made it, for example to
/// `Runtime.call(_:args:)` a function a script returned.
public enum QuillValue: Sendable, Hashable {
    case `nil`
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([QuillValue])
    /// A map with string keys, in insertion order. Quill maps with int or bool keys arrive with
    /// those keys written as text (`1`, `true`).
    case map(QuillMap)
    /// An object the host made (`HostObject`), passed through unchanged.
    case object(HostObject)
    /// A value with no host form (a function, a model, a range …), usable only in the runtime
    /// that produced it.
    case reference(QuillReference)

    /// What `type(x)` says in a script.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .object(let o): return o.typeName
        case .reference(let r): return r.typeName
        }
    }

    /// The value as a Swift `Int` when it is one (or a float with an integral value).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int(d)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The string, for `.string`.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The bool, for `.bool`.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements, for `.list`.
    public var listValue: [QuillValue]? { if case .list(let l) = self { return l } else { return nil } }
    /// The map, for `.map`.
    public var mapValue: QuillMap? { if case .map(let m) = self { return m } else { return nil } }
    /// Whether the value is `.nil`.
    public var isNil: Bool { if case .nil = self { return true } else { return false } }

    /// Reads a key of a map (nil for other values and missing keys).
    public subscript(key: String) -> QuillValue? { mapValue?[key] }
    /// Reads an element of a list (nil for other values and out-of-range indices).
    public subscript(index: Int) -> QuillValue? {
        guard case .list(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}

/// A handle to a runtime value that has no host form. Comparing handles compares identity.
public final class QuillReference: Hashable, @unchecked Sendable, CustomStringConvertible {
    /// What `type(x)` returns in scripts.
    public let typeName: String
    /// What `print` shows for the value.
    public let description: String
    /// The VM value; read only on the owning runtime's thread (the runtime checks `owner`).
    let value: QuillLanguage.Value
    let owner: ObjectIdentifier

    init(_ value: QuillLanguage.Value, owner: ObjectIdentifier) {
        self.value = value
        self.owner = owner
        typeName = value.typeName
        description = value.description
    }

    /// References are equal when they are the same handle.
    public static func == (a: QuillReference, b: QuillReference) -> Bool { a === b }
    /// Hashes the identity.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension QuillValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
                      ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
                      ExpressibleByDictionaryLiteral {
    /// `nil`.
    public init(nilLiteral: ()) { self = .nil }
    /// `true` / `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An int literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A float literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A list literal.
    public init(arrayLiteral elements: QuillValue...) { self = .list(elements) }
    /// A map literal, in order.
    public init(dictionaryLiteral elements: (String, QuillValue)...) { self = .map(QuillMap(elements)) }
}

extension QuillValue: CustomStringConvertible {
    /// The value as Quill's `print` shows it (strings without quotes at the top level).
    public var description: String {
        if case .string(let s) = self { return s }
        return repr
    }

    /// The value as Quill source would write it (strings quoted).
    public var repr: String {
        switch self {
        case .nil: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return QuillLanguage.Value.float(d).description
        case .string(let s): return QuillLanguage.Value.str(s).repr
        case .list(let items): return "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { "\(QuillLanguage.Value.str($0.key).repr): \($0.value.repr)" }.joined(separator: ", ") + "}"
        case .object(let o): return "<\(o.typeName)>"
        case .reference(let r): return r.description
        }
    }
}
