import Quill
import QuillEngine

/// A JSON schema that a value satisfies, for `:schema EXPR`: a starting point for a `schema:`
/// option, written from an example of the output wanted.
enum SchemaSketch {
    static func schema(for value: Value) -> JSONValue {
        switch value {
        case .nil: return .object([("type", .string("null"))])
        case .bool: return .object([("type", .string("boolean"))])
        case .int: return .object([("type", .string("integer"))])
        case .float: return .object([("type", .string("number"))])
        case .string: return .object([("type", .string("string"))])
        case .list(let l):
            var fields: [(key: String, value: JSONValue)] = [("type", .string("array"))]
            if let first = l.items.first { fields.append(("items", schema(for: first))) }
            return .object(fields)
        case .map(let m):
            let keys = m.keys.compactMap { key -> String? in if case .string(let s) = key { s.value } else { nil } }
            return .object([
                ("type", .string("object")),
                ("properties", .object(keys.map { ($0, schema(for: m[$0] ?? .nil)) })),
                ("required", .array(keys.map { .string($0) })),
            ])
        default:
            return .object([("description", .string("a \(value.typeName), which JSON cannot hold"))])
        }
    }
}
