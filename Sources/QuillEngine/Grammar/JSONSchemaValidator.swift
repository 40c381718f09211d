import Foundation

/// Checks a JSON value against a JSON Schema and says what is wrong, with JSON paths.
///
/// Used for output that could not be constrained (hosted providers) and for the keywords a
/// grammar cannot enforce. It reads what `Grammar.jsonSchema` reads plus `uniqueItems`,
/// `multipleOf`, `minProperties`/`maxProperties`, `allOf`, `not` and `prefixItems`, and
/// follows the specification where the grammar is stricter: extra properties are allowed
/// unless `additionalProperties` says otherwise, and `pattern` is a search, not a whole match.
///
/// ```swift
/// JSONSchemaValidator.validate(value, against: schema)
/// // ["$.tags[2]: expected a string, found an integer"]
/// ```
public struct JSONSchemaValidator: Sendable {
    public let schema: JSONValue

    /// `$ref` chains deeper than this are reported instead of followed (a schema may refer to itself).
    static let maxReferenceDepth = 64

    public init(schema: JSONValue) { self.schema = schema }

    /// Every violation in `value`, empty when it is valid.
    public func violations(of value: JSONValue) -> [String] {
        var out: [String] = []
        check(value, schema, path: "$", depth: 0, into: &out)
        return out
    }

    /// Every violation of `schema` in `value`, empty when it is valid.
    public static func validate(_ value: JSONValue, against schema: JSONValue) -> [String] {
        JSONSchemaValidator(schema: schema).violations(of: value)
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int, into out: inout [String]) {
        switch schema {
        case .bool(true): return
        case .bool(false): out.append("\(path): no value is allowed here"); return
        case .object: break
        default: out.append("\(path): the schema is not an object"); return
        }
        if let ref = schema["$ref"]?.stringValue {
            guard depth < Self.maxReferenceDepth, let target = resolve(ref) else {
                out.append("\(path): cannot follow $ref '\(ref)'")
                return
            }
            check(value, target, path: path, depth: depth + 1, into: &out)
        }
        if let types = typeNames(schema), !types.contains(where: { Self.has(value, type: $0) }) {
            let expected = types.map(Self.article).joined(separator: " or ")
            out.append("\(path): expected \(expected), found \(Self.kind(of: value))")
            return
        }
        if let constant = schema["const"], !Self.same(value, constant) {
            out.append("\(path): expected \(constant.serialized)")
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { Self.same(value, $0) }) {
            out.append("\(path): \(Self.preview(value)) is not one of \(options.map(\.serialized).joined(separator: ", "))")
        }
        switch value {
        case .string(let s): checkString(s, schema, path: path, into: &out)
        case .int, .double: checkNumber(value.numberValue!, schema, path: path, into: &out)
        case .array(let items): checkArray(items, schema, path: path, depth: depth, into: &out)
        case .object(let members): checkObject(members, schema, path: path, depth: depth, into: &out)
        case .null, .bool: break
        }
        checkCombinators(value, schema, path: path, depth: depth, into: &out)
    }

    private func checkCombinators(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int, into out: inout [String]) {
        func passes(_ sub: JSONValue) -> Bool {
            var scratch: [String] = []
            check(value, sub, path: path, depth: depth + 1, into: &scratch)
            return scratch.isEmpty
        }
        if let list = schema["anyOf"]?.arrayValue, !list.contains(where: passes) {
            out.append("\(path): matches none of the \(list.count) anyOf schemas")
        }
        if let list = schema["oneOf"]?.arrayValue {
            let matching = list.filter(passes).count
            if matching != 1 { out.append("\(path): matches \(matching) of the oneOf schemas, expected exactly 1") }
        }
        for sub in schema["allOf"]?.arrayValue ?? [] { check(value, sub, path: path, depth: depth + 1, into: &out) }
        if let sub = schema["not"], passes(sub) { out.append("\(path): matches the schema under 'not'") }
    }

    private func checkString(_ s: String, _ schema: JSONValue, path: String, into out: inout [String]) {
        // JSON Schema counts characters as code points.
        let length = s.unicodeScalars.count
        if let min = schema["minLength"]?.numberValue, Double(length) < min {
            out.append("\(path): string has \(length) characters, fewer than minLength \(Int(min))")
        }
        if let max = schema["maxLength"]?.numberValue, Double(length) > max {
            out.append("\(path): string has \(length) characters, more than maxLength \(Int(max))")
        }
        if let pattern = schema["pattern"]?.stringValue {
            if let regex = try? Regex(pattern) {
                if (try? regex.firstMatch(in: s)) == nil { out.append("\(path): \(Self.preview(.string(s))) does not match the pattern \(pattern)") }
            } else {
                out.append("\(path): the pattern \(pattern) is not a valid regular expression")
            }
        }
    }

    private func checkNumber(_ x: Double, _ schema: JSONValue, path: String, into out: inout [String]) {
        let shown = Self.preview(.double(x))
        if let min = schema["minimum"]?.numberValue {
            if schema["exclusiveMinimum"] == .bool(true) ? x <= min : x < min { out.append("\(path): \(shown) is less than the minimum \(Self.preview(.double(min)))") }
        }
        if let max = schema["maximum"]?.numberValue {
            if schema["exclusiveMaximum"] == .bool(true) ? x >= max : x > max { out.append("\(path): \(shown) is greater than the maximum \(Self.preview(.double(max)))") }
        }
        if let min = schema["exclusiveMinimum"]?.numberValue, x <= min { out.append("\(path): \(shown) is not greater than \(Self.preview(.double(min)))") }
        if let max = schema["exclusiveMaximum"]?.numberValue, x >= max { out.append("\(path): \(shown) is not less than \(Self.preview(.double(max)))") }
        if let step = schema["multipleOf"]?.numberValue, step > 0 {
            let q = x / step
            if abs(q - q.rounded()) > 1e-9 * max(1, abs(q)) { out.append("\(path): \(shown) is not a multiple of \(Self.preview(.double(step)))") }
        }
    }

    private func checkArray(_ items: [JSONValue], _ schema: JSONValue, path: String, depth: Int, into out: inout [String]) {
        if let min = schema["minItems"]?.numberValue, Double(items.count) < min {
            out.append("\(path): array has \(items.count) items, fewer than minItems \(Int(min))")
        }
        if let max = schema["maxItems"]?.numberValue, Double(items.count) > max {
            out.append("\(path): array has \(items.count) items, more than maxItems \(Int(max))")
        }
        let prefix = schema["prefixItems"]?.arrayValue ?? []
        for (i, item) in items.enumerated() {
            if i < prefix.count {
                check(item, prefix[i], path: "\(path)[\(i)]", depth: depth, into: &out)
            } else if let sub = schema["items"] {
                check(item, sub, path: "\(path)[\(i)]", depth: depth, into: &out)
            }
        }
        if schema["uniqueItems"] == .bool(true) {
            for i in items.indices {
                if let j = items[..<i].firstIndex(where: { Self.same($0, items[i]) }) {
                    out.append("\(path)[\(i)]: repeats item \(j) (uniqueItems)")
                }
            }
        }
    }

    private func checkObject(_ members: [(key: String, value: JSONValue)], _ schema: JSONValue, path: String, depth: Int, into out: inout [String]) {
        let properties: [(key: String, value: JSONValue)]
        if case .object(let declared)? = schema["properties"] { properties = declared } else { properties = [] }
        for case .string(let name) in schema["required"]?.arrayValue ?? [] where !members.contains(where: { $0.key == name }) {
            out.append("\(path): missing required property '\(name)'")
        }
        for (key, value) in members {
            let memberPath = Self.append(key, to: path)
            if let sub = properties.first(where: { $0.key == key })?.value {
                check(value, sub, path: memberPath, depth: depth, into: &out)
            } else if let extra = schema["additionalProperties"] {
                if extra == .bool(false) {
                    out.append("\(memberPath): property not allowed (additionalProperties is false)")
                } else {
                    check(value, extra, path: memberPath, depth: depth, into: &out)
                }
            }
        }
        if let min = schema["minProperties"]?.numberValue, Double(members.count) < min {
            out.append("\(path): object has \(members.count) properties, fewer than minProperties \(Int(min))")
        }
        if let max = schema["maxProperties"]?.numberValue, Double(members.count) > max {
            out.append("\(path): object has \(members.count) properties, more than maxProperties \(Int(max))")
        }
    }

    private func typeNames(_ schema: JSONValue) -> [String]? {
        var names: [String]
        switch schema["type"] {
        case .string(let name)?: names = [name]
        case .array(let list)?: names = list.compactMap(\.stringValue)
        default: return nil
        }
        if schema["nullable"] == .bool(true) { names.append("null") }
        return names
    }

    private func resolve(_ ref: String) -> JSONValue? {
        if ref == "#" { return schema }
        for container in ["$defs", "definitions"] where ref.hasPrefix("#/\(container)/") {
            let name = String(ref.dropFirst(container.count + 3))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            return schema[container]?[name]
        }
        return nil
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case ("integer", .double(let d)): return d == d.rounded() && d.isFinite
        default: return false
        }
    }

    /// Equality as JSON Schema means it: numbers by value, object members in any order.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return a.numberValue == b.numberValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { m in y.contains { $0.key == m.key && same($0.value, m.value) } }
        default: return a == b
        }
    }

    /// The value's kind with an article, for messages: "an integer", "a string".
    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "null": "null"
        case "integer", "array", "object": "an \(type)"
        default: "a \(type)"
        }
    }

    /// A short rendering of a value for messages (long strings cut).
    private static func preview(_ value: JSONValue) -> String {
        if case .double(let d) = value, d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        let text = value.serialized
        return text.count > 40 ? String(text.prefix(37)) + "..." : text
    }

    /// `path.key`, or `path["key"]` when the key is not a plain name.
    private static func append(_ key: String, to path: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
            && !("0"..."9").contains(key.unicodeScalars.first!)
        return plain ? "\(path).\(key)" : "\(path)[\(JSONValue.string(key).serialized)]"
    }
}
