/// Member access (`a.b`), indexing (`a[i]`) and slicing (`a[i:j]`).
extension VM {
    static func keyTypeError(_ key: Value) -> QuillError {
        .type("map keys must be strings, ints or bools, not \(key.typeName)")
    }

    /// `value.name`. Maps read their keys; errors expose their fields; built-in types give bound methods.
    func member(of value: Value, named nameValue: Value) throws -> Value {
        let name = nameValue.stringValue ?? ""
        switch value {
        case .map(let m):
            if let v = m[nameValue] { return v }
            if let method = MapMethods.table[name] { return .native(method.bound(to: value)) }
            let keys = m.keys.compactMap(\.stringValue)
            throw QuillError.key("map has no key '\(name)'",
                                 hint: Suggestion.hint(for: name, in: keys) ?? "use m[\"\(name)\"] or m.get(\"\(name)\") to get nil for a missing key")
        case .error(let e):
            switch name {
            case "message": return .str(e.message)
            case "kind": return .str(e.kind)
            case "location": return e.location.map(Value.str) ?? .nil
            case "trace": return .list(ListObject(e.trace.map { .str($0.description) }))
            case "value": return e.payload
            case "hint": return e.hint.map(Value.str) ?? .nil
            default:
                throw QuillError("AttributeError", "error has no field '\(name)'",
                                 hint: Suggestion.hint(for: name, in: ["message", "kind", "location", "trace", "value", "hint"]))
            }
        case .object(let o):
            if let v = try o.member(name, vm: self) { return v }
            throw QuillError("AttributeError", "\(o.typeName) has no member '\(name)'",
                             hint: Suggestion.hint(for: name, in: o.memberNames))
        case .string:
            if let m = StringMethods.table[name] { return .native(m.bound(to: value)) }
            throw noMember(name, on: value, candidates: StringMethods.table.keys)
        case .list:
            if let m = ListMethods.table[name] { return .native(m.bound(to: value)) }
            throw noMember(name, on: value, candidates: ListMethods.table.keys)
        case .function(let c) where name == "name":
            return .str(c.proto.name)
        case .native(let f) where name == "name":
            return .str(f.name)
        default:
            throw QuillError("AttributeError", "\(value.typeName) has no member '\(name)'")
        }
    }

    /// `value.name = newValue`: sets a map key or an object's field.
    func setMember(of value: Value, named nameValue: Value, to newValue: Value) throws {
        let name = nameValue.stringValue ?? ""
        switch value {
        case .map(let m):
            try memoryMeter?.grow(m, for: "setting a map key")
            m[nameValue] = newValue
        case .object(let o):
            if try o.setMember(name, to: newValue, vm: self) { return }
            throw QuillError("AttributeError", "cannot set '\(name)' on \(o.typeName)")
        default:
            throw QuillError("AttributeError", "cannot set '\(name)' on \(value.typeName)",
                             hint: value.typeName == "list" || value.typeName == "string" ? nil : "only maps and some objects have settable members")
        }
    }

    /// `container[index]`. Lists and strings take ints (negative counts from the end); a map
    /// gives nil for a missing key.
    func index(_ container: Value, _ index: Value) throws -> Value {
        switch (container, index) {
        case let (.list(l), .int(i)):
            guard let p = l.position(i) else {
                throw QuillError.index("list index \(i) out of range (length \(l.items.count))")
            }
            return l.items[p]
        case let (.map(m), key):
            guard key.isValidKey else { throw Self.keyTypeError(key) }
            return m[key] ?? .nil
        case let (.string(s), .int(i)):
            let chars = s.characters
            let p = i < 0 ? i + chars.count : i
            guard p >= 0 && p < chars.count else {
                throw QuillError.index("string index \(i) out of range (length \(chars.count))")
            }
            return .str(String(chars[p]))
        case let (.object(o), .int(i)):
            if let r = o as? RangeObject {
                let n = r.count
                let p = i < 0 ? i + n : i
                guard p >= 0 && p < n else { throw QuillError.index("range index \(i) out of range (length \(n))") }
                return .int(r.element(p))
            }
            throw QuillError.type("\(o.typeName) cannot be indexed")
        case (.list, _), (.string, _):
            throw QuillError.type("\(container.typeName) indices must be ints, not \(index.typeName)")
        default:
            throw QuillError.type("\(container.typeName) cannot be indexed")
        }
    }

    /// `container[index] = value` for lists (existing positions) and maps.
    func setIndex(_ container: Value, _ index: Value, to value: Value) throws {
        switch (container, index) {
        case let (.list(l), .int(i)):
            guard let p = l.position(i) else {
                throw QuillError.index("list assignment index \(i) out of range (length \(l.items.count))",
                                       hint: "use push() to add to the end")
            }
            l.items[p] = value
        case let (.map(m), key):
            guard key.isValidKey else { throw Self.keyTypeError(key) }
            try memoryMeter?.grow(m, for: "setting a map key")
            m[key] = value
        case (.list, _):
            throw QuillError.type("list indices must be ints, not \(index.typeName)")
        case (.string, _):
            throw QuillError.type("strings cannot be changed in place", hint: "build a new string instead")
        default:
            throw QuillError.type("\(container.typeName) does not support item assignment")
        }
    }

    /// `value[lo:hi]` with Python's rules: missing bounds mean the ends, negatives count from the
    /// end, out-of-range bounds are clamped.
    func slice(_ value: Value, _ lo: Value, _ hi: Value) throws -> Value {
        func bound(_ v: Value, _ n: Int, _ fallback: Int) throws -> Int {
            switch v {
            case .nil: return fallback
            case .int(let i): return min(max(i < 0 ? i + n : i, 0), n)
            default: throw QuillError.type("slice bounds must be ints, not \(v.typeName)")
            }
        }
        switch value {
        case .list(let l):
            let n = l.items.count
            let a = try bound(lo, n, 0), b = try bound(hi, n, n)
            return try makeList(a < b ? Array(l.items[a..<b]) : [], for: "a list slice")
        case .string(let s):
            let chars = s.characters
            let n = chars.count
            let a = try bound(lo, n, 0), b = try bound(hi, n, n)
            return try makeString(a < b ? String(chars[a..<b]) : "", for: "a string slice")
        default:
            throw QuillError.type("\(value.typeName) cannot be sliced")
        }
    }
}
