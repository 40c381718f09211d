/// The methods of map values: `m.keys()`, `m.get("a", 0)`.
///
/// Maps keep insertion order; every list these methods return follows it. Keys must be
/// strings, ints or bools: any other key is a TypeError
/// ("map keys must be strings, ints or bools, not list"), including in lookups (`get`, `has`).
/// `set`, `remove` and `clear` change the map in place; `merge`, `filter`, `map_values` and
/// `copy` return new maps.
enum MapMethods {
    /// Method name → native, looked up by the VM for receivers of type map.
    static let table: [String: NativeFunction] = {
        var t: [String: NativeFunction] = [:]
        for f in methods { t[f.name] = f }
        return t
    }()

    private static func method(_ name: String, _ params: [String] = [], required: Int? = nil,
                               _ body: @escaping NativeFunction.Body) -> NativeFunction {
        NativeFunction(name, params, required: required, isMethod: true, body: body)
    }

    private static var methods: [NativeFunction] {
        [
            method("keys") { args in try args.vm.makeList(args.receiverMap.entries.map(\.key), for: "keys()") },
            method("values") { args in try args.vm.makeList(args.receiverMap.entries.map(\.value), for: "values()") },
            // [[key, value], ...]
            method("items") { args in
                let vm = args.vm
                return try vm.makeList(try args.receiverMap.entries.map { try vm.makeList([$0.key, $0.value], for: "items()") },
                                       for: "items()")
            },
            // The value for `key`, or `default` (nil unless given) when absent.
            method("get", ["key", "default"], required: 1) { args in
                try Value.checkKey(args[0])
                return args.receiverMap[args[0]] ?? args[1]
            },
            method("has", ["key"]) { args in
                try Value.checkKey(args[0])
                return .bool(args.receiverMap.has(args[0]))
            },
            method("set", ["key", "value"]) { args in
                try Value.checkKey(args[0])
                try args.vm.memoryMeter?.grow(args.receiverMap, for: "set()")
                args.receiverMap[args[0]] = args[1]
                return .nil
            },
            // Removes the entry and returns its value (nil when there was none).
            method("remove", ["key"]) { args in
                try Value.checkKey(args[0])
                return args.receiverMap.remove(args[0]) ?? .nil
            },
            method("clear") { args in
                args.receiverMap.removeAll()
                return .nil
            },
            method("len") { args in .int(args.receiverMap.count) },
            method("is_empty") { args in .bool(args.receiverMap.count == 0) },
            method("copy") { args in try args.vm.makeMap(args.receiverMap.copy(into: args.vm.newMap()), for: "copy()") },
            // A new map with this map's entries, then the other's (the other wins on equal keys).
            method("merge", ["other"]) { args in
                let other = try args.map(0)
                let out = args.receiverMap.copy(into: args.vm.newMap())
                for (k, v) in other.entries { out[k] = v }
                return try args.vm.makeMap(out, for: "merge()")
            },
            // Calls fn(key, value) for each entry.
            method("each", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                for (k, v) in args.receiverMap.entries { _ = try vm.call(f, k, v) }
                return .nil
            },
            // A new map of the entries for which fn(key, value) is truthy.
            method("filter", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                let out = vm.newMap()
                for (k, v) in args.receiverMap.entries where try vm.call(f, k, v).isTruthy { out[k] = v }
                return try vm.makeMap(out, for: "filter()")
            },
            // A new map with the same keys and fn(value) as values.
            method("map_values", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                let out = vm.newMap()
                for (k, v) in args.receiverMap.entries { out[k] = try vm.call(f, v) }
                return try vm.makeMap(out, for: "map_values()")
            },
        ]
    }
}
