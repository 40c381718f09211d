import QuillEngine

/// The answer a call gets when it is priced but not sent (`--dry-run`, `estimate`): a text
/// that says so, or for structured calls the smallest value of the requested shape, so a
/// script that reads fields of the result keeps running to its next call.
enum DryRunStub {
    static let text = "[dry run: not sent]"

    static func answer(for constraint: OutputConstraint?) -> (String, JSONValue?) {
        switch constraint {
        case nil: return (text, nil)
        case .choices(let options)?: return (options.first ?? "", .string(options.first ?? ""))
        case .regex?, .grammar?: return (text, .string(text))
        case .jsonSchema(let schema)?:
            let value = instance(of: schema, depth: 0)
            return (value.serialized, value)
        }
    }

    /// A small value that fits a schema: enums and consts take their first value, objects
    /// their properties, arrays their minimum length, numbers their minimum.
    static func instance(of schema: JSONValue, depth: Int) -> JSONValue {
        if let first = schema["enum"]?.arrayValue?.first { return first }
        if let constant = schema["const"] { return constant }
        guard depth < 16 else { return .null }
        var type = schema["type"]?.stringValue
        if type == nil, let types = schema["type"]?.arrayValue { type = types.first?.stringValue }
        if type == nil, schema["properties"] != nil { type = "object" }
        switch type {
        case "object":
            guard case .object(let properties)? = schema["properties"] else { return .object([]) }
            return .object(properties.map { ($0.key, instance(of: $0.value, depth: depth + 1)) })
        case "array":
            let count = schema["minItems"]?.numberValue.map { Int($0) } ?? 0
            let item = schema["items"].map { instance(of: $0, depth: depth + 1) } ?? .null
            return .array(Array(repeating: item, count: max(0, min(count, 64))))
        case "string":
            let count = schema["minLength"]?.numberValue.map { Int($0) } ?? 0
            return .string(String(repeating: "x", count: max(0, min(count, 1024))))
        case "integer":
            return .int(schema["minimum"]?.numberValue.map { Int($0.rounded(.up)) } ?? 0)
        case "number":
            return .double(schema["minimum"]?.numberValue ?? 0)
        case "boolean":
            return .bool(false)
        default:
            return .null
        }
    }
}
