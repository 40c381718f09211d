import Foundation

extension Grammar {
    /// A grammar whose sentences are compact JSON texts that `schema` accepts.
    ///
    /// The subset structured-output APIs use: `type` (one or a list), `properties`,
    /// `required`, `additionalProperties`, `enum`, `const`, `anyOf`/`oneOf`, a one-element
    /// `allOf`, `$ref` to `#`, `#/$defs/...` or `#/definitions/...`, `nullable`; strings
    /// with `minLength`, `maxLength`, `pattern` and `format` (date, time, date-time, uuid);
    /// integers and numbers with `minimum`, `maximum` and their exclusive forms; arrays with
    /// `items`, `minItems`, `maxItems`.
    ///
    /// The output is bounded so a model cannot run away: object members come in declared
    /// order with no properties beyond `properties` (as if `additionalProperties` were false),
    /// whitespace is at most one space after `:` and `,`, strings hold at most `maxLength`
    /// characters (512 when unset), integers at most 15 digits, fractions 10. Keywords a
    /// grammar cannot enforce (`uniqueItems`, `multipleOf`, `minProperties`) are left to
    /// `JSONSchemaValidator`.
    public static func jsonSchema(_ schema: JSONValue) throws -> Grammar {
        var compiler = JSONSchemaCompiler(root: schema)
        return try compiler.compile()
    }
}

/// Turns a JSON Schema into grammar rules; errors name the keyword path.
struct JSONSchemaCompiler {
    typealias Alternative = GrammarBuilder.Alternative

    /// Keywords whose meaning a grammar would get wrong if they were ignored.
    static let unsupported = ["not", "if", "then", "else", "patternProperties", "prefixItems", "contains",
                              "dependentSchemas", "unevaluatedProperties", "propertyNames"]

    var builder = GrammarBuilder()
    let root: JSONValue
    /// `$ref` targets already given a rule.
    private var referenced: [String: Int] = [:]
    private var pendingReferences: [(rule: Int, schema: JSONValue, path: [String])] = []
    private var anyValueRule: Int?

    init(root: JSONValue) { self.root = root }

    mutating func compile() throws -> Grammar {
        let rootRule = builder.reference("root")
        builder.define(rootRule, [try value(root, path: [])])
        while let next = pendingReferences.popLast() {
            builder.define(next.rule, [try value(next.schema, path: next.path)], at: .schema(path: next.path.joined(separator: ".")))
        }
        return try builder.build(root: "root")
    }

    /// The symbols for any JSON text `schema` accepts.
    mutating func value(_ schema: JSONValue, path: [String]) throws -> Alternative {
        switch schema {
        case .bool(true): return anyValue()
        case .bool(false): throw failure(path, "the schema `false` accepts no value")
        case .object: break
        default: throw failure(path, "expected a schema (an object, or true/false), found \(JSONSchemaValidator.kind(of: schema))")
        }
        if let keyword = Self.unsupported.first(where: { schema[$0] != nil }) {
            throw failure(path + [keyword], "'\(keyword)' is not supported in output schemas; express it with anyOf, enum or properties")
        }
        if let ref = schema["$ref"] { return try reference(ref, path: path + ["$ref"]) }
        if let constant = schema["const"] { return GrammarBuilder.literal(constant.serialized) }
        if let options = schema["enum"] {
            guard case .array(let values) = options, !values.isEmpty else {
                throw failure(path + ["enum"], "expected a non-empty array of values")
            }
            return [builder.symbol(for: values.map { GrammarBuilder.literal($0.serialized) }, hint: "enum")]
        }
        for keyword in ["anyOf", "oneOf"] {
            guard let list = schema[keyword] else { continue }
            guard case .array(let schemas) = list, !schemas.isEmpty else {
                throw failure(path + [keyword], "expected a non-empty array of schemas")
            }
            var alternatives: [Alternative] = []
            for (i, sub) in schemas.enumerated() { alternatives.append(try value(sub, path: path + [keyword, String(i)])) }
            return [builder.symbol(for: alternatives, hint: keyword)]
        }
        if let list = schema["allOf"] {
            guard case .array(let schemas) = list, schemas.count == 1 else {
                throw failure(path + ["allOf"], "only a one-element allOf is supported; merge the schemas into one")
            }
            return try value(schemas[0], path: path + ["allOf", "0"])
        }

        var types = try typeNames(schema, path: path)
        if schema["nullable"] == .bool(true), !types.contains("null") { types.append("null") }
        guard !types.isEmpty else { return anyValue() }
        var alternatives: [Alternative] = []
        for type in types { alternatives.append(try typed(type, schema, path: path)) }
        return alternatives.count == 1 ? alternatives[0] : [builder.symbol(for: alternatives, hint: "types")]
    }

    /// The `type` keyword's names, or the type the other keywords imply (none: any value).
    private func typeNames(_ schema: JSONValue, path: [String]) throws -> [String] {
        switch schema["type"] {
        case .string(let name)?: return [name]
        case .array(let names)?:
            return try names.map {
                guard let name = $0.stringValue else { throw failure(path + ["type"], "expected type names (strings)") }
                return name
            }
        case nil:
            let implied: [(String, [String])] = [
                ("object", ["properties", "required", "additionalProperties"]),
                ("array", ["items", "minItems", "maxItems"]),
                ("string", ["minLength", "maxLength", "pattern", "format"]),
                ("number", ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
            ]
            return implied.first { $0.1.contains { schema[$0] != nil } }.map { [$0.0] } ?? []
        default:
            throw failure(path + ["type"], "expected a type name or a list of them")
        }
    }

    private mutating func typed(_ type: String, _ schema: JSONValue, path: [String]) throws -> Alternative {
        switch type {
        case "string": return try string(schema, path: path)
        case "integer": return try integer(schema, path: path)
        case "number": return try number(schema, path: path)
        case "boolean": return [builder.symbol(for: [GrammarBuilder.literal("true"), GrammarBuilder.literal("false")], hint: "boolean")]
        case "null": return GrammarBuilder.literal("null")
        case "array": return try array(schema, path: path)
        case "object": return try object(schema, path: path)
        default:
            throw failure(path + ["type"], "unknown type '\(type)'; expected string, integer, number, boolean, null, array or object")
        }
    }

    private mutating func array(_ schema: JSONValue, path: [String]) throws -> Alternative {
        let minItems = try count(schema, "minItems", path: path) ?? 0
        let maxItems = try count(schema, "maxItems", path: path)
        if let maxItems, maxItems < minItems { throw failure(path + ["maxItems"], "maxItems \(maxItems) is less than minItems \(minItems)") }
        if maxItems == 0 { return GrammarBuilder.literal("[]") }
        let item: Alternative
        switch schema["items"] {
        case nil: item = anyValue()
        case .array?: throw failure(path + ["items"], "tuple-style items (an array) are not supported; give one schema for every item")
        case let sub?: item = try value(sub, path: path + ["items"])
        }
        let unit = builder.symbol(for: [item], hint: "item")
        let rest = builder.repetition(of: [separator(","), unit], min: max(minItems - 1, 0),
                                      max: maxItems.map { $0 - 1 }, hint: "items")
        let list: Alternative = [unit] + rest
        let body: Alternative = minItems == 0 ? [builder.symbol(for: [list, []], hint: "items")] : list
        return GrammarBuilder.literal("[") + body + GrammarBuilder.literal("]")
    }

    /// Members in declared order: required ones always, optional ones maybe. `first[i]` is
    /// "members from i on, none written yet", `rest[i]` the same after one has been written
    /// (so each needs a leading comma); both are built from the last property back.
    private mutating func object(_ schema: JSONValue, path: [String]) throws -> Alternative {
        var properties: [(key: String, value: JSONValue)] = []
        switch schema["properties"] {
        case .object(let members)?: properties = members
        case nil: break
        default: throw failure(path + ["properties"], "expected an object mapping names to schemas")
        }
        var required = Set<String>()
        if let list = schema["required"] {
            guard case .array(let names) = list, names.allSatisfy({ $0.stringValue != nil }) else {
                throw failure(path + ["required"], "expected an array of property names")
            }
            required = Set(names.compactMap(\.stringValue))
            // A required name with no schema may hold any value.
            for case .string(let name) in names where !properties.contains(where: { $0.key == name }) {
                properties.append((name, .bool(true)))
            }
        }
        if properties.isEmpty { return try map(schema, path: path) }

        var first: Alternative = [], rest: Alternative = []
        for (key, propertySchema) in properties.reversed() {
            let member = GrammarBuilder.literal(JSONValue.string(key).serialized) + [separator(":")]
                + (try value(propertySchema, path: path + ["properties", key]))
            let unit = builder.symbol(for: [member], hint: "member")
            let afterComma: Alternative = [separator(","), unit] + rest
            let fresh: Alternative = [unit] + rest
            if required.contains(key) {
                first = [builder.symbol(for: [fresh], hint: "members")]
                rest = [builder.symbol(for: [afterComma], hint: "members")]
            } else {
                first = [builder.symbol(for: [fresh, first], hint: "members")]
                rest = [builder.symbol(for: [afterComma, rest], hint: "members")]
            }
        }
        return GrammarBuilder.literal("{") + first + GrammarBuilder.literal("}")
    }

    /// An object without declared properties: any string keys, values per
    /// `additionalProperties` (none at all when it is false).
    private mutating func map(_ schema: JSONValue, path: [String]) throws -> Alternative {
        let valueSymbols: Alternative
        switch schema["additionalProperties"] {
        case .bool(false)?: return GrammarBuilder.literal("{}")
        case nil, .bool(true)?: valueSymbols = anyValue()
        case let sub?: valueSymbols = try value(sub, path: path + ["additionalProperties"])
        }
        let member = builder.symbol(for: [try string(.object([]), path: path) + [separator(":")] + valueSymbols], hint: "member")
        let list: Alternative = [member] + builder.repetition(of: [separator(","), member], min: 0, max: nil, hint: "members")
        return GrammarBuilder.literal("{") + [builder.symbol(for: [list, []], hint: "members")] + GrammarBuilder.literal("}")
    }

    /// `,` or `:` with at most one space after it: the only whitespace the output may have.
    mutating func separator(_ mark: Unicode.Scalar) -> GrammarBuilder.Symbol {
        builder.symbol(for: [[.chars(.scalar(mark.value))], [.chars(.scalar(mark.value)), .chars(.scalar(0x20))]], hint: "sep")
    }

    /// Any JSON value (bounded strings and numbers, any nesting).
    mutating func anyValue() -> Alternative {
        if let id = anyValueRule { return [.rule(id)] }
        let id = builder.reference("json-value")
        anyValueRule = id
        let strings = try! string(.object([]), path: [])
        let number = try! self.number(.object([]), path: [])
        let list: Alternative = [.rule(id)] + builder.repetition(of: [separator(","), .rule(id)], min: 0, max: nil, hint: "values")
        let array = GrammarBuilder.literal("[") + [builder.symbol(for: [list, []], hint: "values")] + GrammarBuilder.literal("]")
        let object = try! map(.object([]), path: [])
        builder.define(id, [object, array, strings, number] + ["true", "false", "null"].map(GrammarBuilder.literal))
        return [.rule(id)]
    }

    private mutating func reference(_ ref: JSONValue, path: [String]) throws -> Alternative {
        guard case .string(let target) = ref else { throw failure(path, "expected a reference string such as \"#/$defs/name\"") }
        if target == "#" { return [.rule(builder.reference("root"))] }
        if let id = referenced[target] { return [.rule(id)] }
        for container in ["$defs", "definitions"] where target.hasPrefix("#/\(container)/") {
            let name = String(target.dropFirst(container.count + 3))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let definition = root[container]?[name] else {
                var known: [String] = []
                if case .object(let members)? = root[container] { known = members.map(\.key) }
                throw failure(path, "no definition '\(name)' in \(container)" + (known.isEmpty ? "" : " (defined: \(known.joined(separator: ", ")))"))
            }
            let id = builder.reference(ruleName(forDefinition: name))
            referenced[target] = id
            pendingReferences.append((id, definition, [container, name]))
            return [.rule(id)]
        }
        throw failure(path, "only references into this schema (\"#\", \"#/$defs/name\", \"#/definitions/name\") are supported, not '\(target)'")
    }

    /// A GBNF-safe rule name for a definition, distinct from every other rule name.
    private func ruleName(forDefinition name: String) -> String {
        let safe = String(name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "-" })
        var candidate = "def-" + safe, n = 1
        while builder.isDeclared(candidate) {
            n += 1
            candidate = "def-\(safe)-\(n)"
        }
        return candidate
    }

    /// A non-negative integer keyword, if present.
    func count(_ schema: JSONValue, _ keyword: String, path: [String]) throws -> Int? {
        guard let v = schema[keyword] else { return nil }
        guard let d = v.numberValue, d >= 0, d == d.rounded(), d < 1e9 else {
            throw failure(path + [keyword], "expected a non-negative integer")
        }
        return Int(d)
    }

    /// A number keyword, if present.
    func bound(_ schema: JSONValue, _ keyword: String, path: [String]) throws -> Double? {
        guard let v = schema[keyword] else { return nil }
        guard let d = v.numberValue else { throw failure(path + [keyword], "expected a number") }
        return d
    }

    func failure(_ path: [String], _ message: String) -> GrammarError {
        GrammarError(.schema(path: path.joined(separator: ".")), message)
    }
}
