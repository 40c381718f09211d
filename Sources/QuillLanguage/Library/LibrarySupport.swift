/// Small helpers shared by the core library's files.
extension Value {
    /// The type name with an article for messages: "an int", "a string", "nil".
    var typeWithArticle: String {
        let name = typeName
        if name == "nil" { return "nil" }
        return ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name
    }

    /// Checks that a value can be a map key (string, int or bool).
    static func checkKey(_ key: Value) throws {
        guard key.isValidKey else {
            throw QuillError.type("map keys must be strings, ints or bools, not \(key.typeName)")
        }
    }
}

enum LibrarySupport {
    /// The items of anything a `for` loop can walk that the library accepts as a sequence:
    /// a list (its items), a range (its ints), a map (its keys) or a string (its characters).
    /// Under a memory limit (`meter`) a range is sized before its ints are made.
    static func items(of value: Value, function: String, argument: String, meter: MemoryMeter? = nil) throws -> [Value] {
        if let meter, case .object(let r as RangeObject) = value {
            try meter.check(MemoryMeter.listBytes(count: r.count), for: "\(function)() of \(r.description)")
        }
        switch value {
        case .list(let l): return l.items
        case .map(let m): return m.entries.map(\.key)
        case .string(let s): return s.characters.map { .str(String($0)) }
        case .object(let o as RangeObject): return o.values()
        default:
            throw QuillError.type("\(function)() argument '\(argument)' must be a list, range, map or string, not \(value.typeName)")
        }
    }
}

extension LibrarySupport {
    /// A namespace object (`math`, `json`, ...) whose functions are named `ns.fn`, so messages and
    /// `print(math.sqrt)` show the qualified name; members are keyed by the part after the dot.
    static func namespace(_ name: String, functions: [NativeFunction], constants: [String: Value] = [:]) -> NamespaceObject {
        var members = constants
        for f in functions {
            let short = f.name.split(separator: ".").last.map(String.init) ?? f.name
            members[short] = .native(f)
        }
        return NamespaceObject(name, members)
    }

    /// `min(...)`/`max(...)`: several arguments, or one list (range, map keys, string
    /// characters); an optional named `key:` function compares key(item) instead.
    static func extremum(_ args: Args, max: Bool, function: String) throws -> Value {
        guard args.count > 0 else {
            throw QuillError.argument("\(function)() needs at least one argument",
                                      hint: "pass several values or one list: \(function)([3, 1, 2])")
        }
        let items = args.count == 1 ? try items(of: args[0], function: function, argument: "values", meter: args.vm.memoryMeter) : args.all
        var key = args.named("key")
        if key?.isNil == true { key = Optional.none }
        if let k = key {
            switch k {
            case .function, .native: break
            default: throw QuillError.type("\(function)() argument 'key' must be a function, not \(k.typeName)")
            }
        }
        return try ListMethods.extremum(items, max: max, key: key, vm: args.vm, function: function)
    }
}

extension Args {
    /// Argument `i` as a function, or Swift nil when it was not given (or is nil).
    /// (Spelled out because `cond ? nil : value` would infer the Quill nil *value*.)
    func optionalCallable(_ i: Int) throws -> Value? {
        if self[i].isNil { return Optional.none }
        return try callable(i)
    }
}
