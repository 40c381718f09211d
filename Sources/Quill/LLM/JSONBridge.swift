import QuillEngine
import QuillLanguage

/// Conversions between Quill values and the LLM layer's JSON values (schemas going in,
/// structured output coming back). Map order is kept both ways.
enum JSONBridge {
    static func json(_ value: Value, path: String = "$") throws -> JSONValue {
        switch value {
        case .nil: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d):
            guard d.isFinite else { throw QuillError.value("\(path): \(d) has no JSON form") }
            return .double(d)
        case .string(let s): return .string(s.value)
        case .list(let l):
            return .array(try l.items.enumerated().map { try json($0.element, path: "\(path)[\($0.offset)]") })
        case .map(let m):
            return .object(try m.entries.map { entry in
                guard case .string(let key) = entry.key else {
                    throw QuillError.type("\(path): JSON object keys must be strings, not \(entry.key.typeName)")
                }
                return (key.value, try json(entry.value, path: "\(path).\(key.value)"))
            })
        default:
            throw QuillError.type("\(path): a \(value.typeName) has no JSON form")
        }
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .float(d)
        case .string(let s): return .str(s)
        case .array(let items): return .list(ListObject(items.map(value)))
        case .object(let fields): return .map(MapObject(fields.map { (Value.str($0.key), value($0.value)) }))
        }
    }
}

extension Value {
    /// A JSON value as a Quill value (objects become maps in their key order).
    public init(json: JSONValue) { self = JSONBridge.value(json) }
}
