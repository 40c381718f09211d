/// The methods of list values: `xs.push(1)`, `xs.map(fn(x) => x * 2)`.
///
/// Conventions:
/// - Methods named with a verb change the list in place and return nil (`push`, `insert`,
///   `sort`, `reverse`, `extend`, `clear`) or the removed item (`pop`, `remove_at`).
///   `sorted()`, `reversed()`, `map()`, `filter()`, `slice()` and `copy()` return new lists.
/// - Callbacks (`map`, `filter`, `each`, ...) see a snapshot: items the callback adds to the
///   list while it runs are not visited.
/// - Indexes may be negative (from the end). Equality is `==` (so `1` equals `1.0`).
/// - `sort` is stable, and `reverse: true` keeps equal items in their original order.
enum ListMethods {
    /// Method name → native, looked up by the VM for receivers of type list.
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
            // MARK: Adding and removing
            method("push", ["item"]) { args in
                let list = args.receiverList
                try args.vm.memoryMeter?.grow(list, by: 1, for: "push()")
                list.append(args[0])
                return .nil
            },
            method("pop", ["index"], required: 0) { args in
                let list = args.receiverList
                guard !list.items.isEmpty else { throw QuillError.index("pop() from an empty list") }
                if args[0].isNil { return list.items.removeLast() }
                let i = try args.int(0)
                guard let p = list.position(i) else { throw outOfRange("pop", i, list) }
                return list.items.remove(at: p)
            },
            // Inserts before index `index`; `index` may equal the length (append) or be negative.
            method("insert", ["index", "item"]) { args in
                let list = args.receiverList
                let i = try args.int(0)
                let p = i < 0 ? i + list.items.count : i
                guard p >= 0, p <= list.items.count else { throw outOfRange("insert", i, list) }
                try args.vm.memoryMeter?.grow(list, by: 1, for: "insert()")
                list.items.insert(args[1], at: p)
                return .nil
            },
            // Removes the first item equal to `item`; returns whether one was found.
            method("remove", ["item"]) { args in
                let list = args.receiverList
                guard let p = list.items.firstIndex(of: args[0]) else { return .bool(false) }
                list.items.remove(at: p)
                return .bool(true)
            },
            method("remove_at", ["index"]) { args in
                let list = args.receiverList
                let i = try args.int(0)
                guard let p = list.position(i) else { throw outOfRange("remove_at", i, list) }
                return list.items.remove(at: p)
            },
            method("extend", ["items"]) { args in
                let extra = try args.list(0).items
                try args.vm.memoryMeter?.grow(args.receiverList, by: extra.count, for: "extend()")
                args.receiverList.items.append(contentsOf: extra)
                return .nil
            },
            method("clear") { args in
                args.receiverList.items.removeAll()
                return .nil
            },

            // MARK: Callbacks
            method("map", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                let items = args.receiverList.items
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for x in items { out.append(try vm.call(f, x)) }
                return try vm.makeList(out, for: "map()")
            },
            method("filter", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                let items = args.receiverList.items
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for x in items where try vm.call(f, x).isTruthy { out.append(x) }
                return try vm.makeList(out, for: "filter()")
            },
            // fn(accumulator, item), starting from `initial`, or without it from the first item.
            method("reduce", ["fn", "initial"], required: 1) { args in
                let f = try args.callable(0), vm = args.vm
                let items = args.receiverList.items
                var acc: Value
                var rest = items[...]
                if args.count < 2 {
                    guard let first = items.first else {
                        throw QuillError.value("reduce() of an empty list with no initial value",
                                               hint: "pass a starting value: xs.reduce(fn, 0)")
                    }
                    acc = first
                    rest = items.dropFirst()
                } else {
                    acc = args[1]
                }
                for x in rest { acc = try vm.call(f, acc, x) }
                return acc
            },
            method("each", ["fn"]) { args in
                let f = try args.callable(0), vm = args.vm
                for x in args.receiverList.items { _ = try vm.call(f, x) }
                return .nil
            },
            // Without a function, whether any item is truthy.
            method("any", ["fn"], required: 0) { args in
                let items = args.receiverList.items
                if args[0].isNil { return .bool(items.contains { $0.isTruthy }) }
                let f = try args.callable(0), vm = args.vm
                for x in items where try vm.call(f, x).isTruthy { return .bool(true) }
                return .bool(false)
            },
            method("all", ["fn"], required: 0) { args in
                let items = args.receiverList.items
                if args[0].isNil { return .bool(items.allSatisfy { $0.isTruthy }) }
                let f = try args.callable(0), vm = args.vm
                for x in items where try !vm.call(f, x).isTruthy { return .bool(false) }
                return .bool(true)
            },

            // MARK: Ordering
            method("sort", ["key", "reverse"], required: 0) { args in
                let list = args.receiverList
                let key = try args.optionalCallable(0)
                list.items = try sortValues(list.items, key: key, reverse: try args.bool(1, default: false),
                                            vm: args.vm, function: "sort")
                return .nil
            },
            method("sorted", ["key", "reverse"], required: 0) { args in
                let key = try args.optionalCallable(0)
                return try args.vm.makeList(try sortValues(args.receiverList.items, key: key,
                                                           reverse: try args.bool(1, default: false),
                                                           vm: args.vm, function: "sorted"), for: "sorted()")
            },
            method("reverse") { args in
                args.receiverList.items.reverse()
                return .nil
            },
            method("reversed") { args in try args.vm.makeList(args.receiverList.items.reversed(), for: "reversed()") },

            // MARK: Queries
            method("len") { args in .int(args.receiverList.items.count) },
            method("is_empty") { args in .bool(args.receiverList.items.isEmpty) },
            method("first") { args in args.receiverList.items.first ?? .nil },
            method("last") { args in args.receiverList.items.last ?? .nil },
            method("contains", ["item"]) { args in .bool(args.receiverList.items.contains(args[0])) },
            method("index", ["item"]) { args in
                .int(args.receiverList.items.firstIndex(of: args[0]) ?? -1)
            },
            method("count", ["item"]) { args in
                let x = args[0]
                return .int(args.receiverList.items.reduce(0) { $1 == x ? $0 + 1 : $0 })
            },
            method("slice", ["start", "end"], required: 1) { args in
                let items = args.receiverList.items
                let r = TextSearch.sliceBounds(try args.int(0), args[1].isNil ? nil : try args.int(1), count: items.count)
                return try args.vm.makeList(Array(items[r]), for: "slice()")
            },
            method("sum") { args in try sum(args.receiverList.items, function: "sum") },
            // min(key: fn) / max(key: fn): the first smallest / largest item (by key(item) when given).
            method("min", ["key"], required: 0) { args in
                try extremum(args.receiverList.items, max: false, key: try args.optionalCallable(0),
                             vm: args.vm, function: "min")
            },
            method("max", ["key"], required: 0) { args in
                try extremum(args.receiverList.items, max: true, key: try args.optionalCallable(0),
                             vm: args.vm, function: "max")
            },

            // MARK: Reshaping
            method("copy") { args in try args.vm.makeList(args.receiverList.items, for: "copy()") },
            // Pairs items with the other list's, stopping at the shorter: [[a0, b0], [a1, b1], ...].
            method("zip", ["other"]) { args in
                let a = args.receiverList.items, b = try args.list(0).items
                var out: [Value] = []
                out.reserveCapacity(min(a.count, b.count))
                for (x, y) in zip(a, b) { out.append(try args.vm.makeList([x, y], for: "zip()")) }
                return try args.vm.makeList(out, for: "zip()")
            },
            // [[start, item0], [start + 1, item1], ...]
            method("enumerate", ["start"], required: 0) { args in
                let start = try args.int(0, default: 0)
                let items = args.receiverList.items
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for (i, x) in items.enumerated() { out.append(try args.vm.makeList([.int(start &+ i), x], for: "enumerate()")) }
                return try args.vm.makeList(out, for: "enumerate()")
            },
            // Drops later duplicates (by ==), keeping first occurrences in order.
            method("unique") { args in try args.vm.makeList(unique(args.receiverList.items), for: "unique()") },
            // Splices items that are lists into the result (one level deep).
            method("flatten") { args in
                let items = args.receiverList.items
                if let meter = args.vm.memoryMeter {
                    // One list held many times flattens to many copies: size the result first.
                    var total = 0
                    for x in items {
                        if case .list(let inner) = x { total = MemoryMeter.sum(total, inner.items.count) } else { total += 1 }
                    }
                    try meter.check(MemoryMeter.listBytes(count: total), for: "flatten()")
                }
                var out: [Value] = []
                for x in items {
                    if case .list(let inner) = x { out.append(contentsOf: inner.items) } else { out.append(x) }
                }
                return try args.vm.makeList(out, for: "flatten()")
            },
            // Joins the str() of each item with `sep` (default "").
            method("join", ["sep"], required: 0) { args in
                let text = try StringMethods.join(args.receiverList.items, separator: try args.string(0, default: ""),
                                                  meter: args.vm.memoryMeter)
                return try args.vm.makeString(text, for: "join()")
            },
        ]
    }

    // MARK: - Shared helpers (also used by the global functions)

    static func outOfRange(_ function: String, _ i: Int, _ list: ListObject) -> QuillError {
        .index("\(function)(): index \(i) out of range for list of length \(list.items.count)")
    }

    /// A stable sort by `Value.compare` of the items or of `key(item)`. `reverse` sorts
    /// descending but keeps equal items in their original order (like Python).
    static func sortValues(_ items: [Value], key: Value?, reverse: Bool, vm: VM, function: String) throws -> [Value] {
        let n = items.count
        if n < 2 { return items }
        var keys = items
        if let key {
            keys = []
            keys.reserveCapacity(n)
            for x in items { keys.append(try vm.call(key, x)) }
        }
        var order = Array(0..<n)
        // Fast path: all keys are ints. Ties fall back to the original position, which makes
        // any sort algorithm stable.
        var ints: [Int] = []
        ints.reserveCapacity(n)
        for k in keys {
            guard case .int(let i) = k else { break }
            ints.append(i)
        }
        if ints.count == n {
            if key == nil { return (reverse ? ints.sorted(by: >) : ints.sorted()).map { .int($0) } }
            if reverse {
                order.sort { ints[$0] > ints[$1] || (ints[$0] == ints[$1] && $0 < $1) }
            } else {
                order.sort { ints[$0] < ints[$1] || (ints[$0] == ints[$1] && $0 < $1) }
            }
        } else {
            let sign = reverse ? -1 : 1
            try order.sort { a, b in
                let c: Int
                do {
                    c = try Value.compare(keys[a], keys[b]) * sign
                } catch let e as QuillError {
                    // Name the types in list order, whatever order the sort compared them in.
                    let (x, y) = a < b ? (keys[a], keys[b]) : (keys[b], keys[a])
                    let message = e.kind == "TypeError" ? "cannot compare \(x.typeName) with \(y.typeName)" : e.message
                    throw QuillError(e.kind, "\(function)(): \(message)",
                                     hint: e.hint ?? (key == nil ? "pass key: to sort by a comparable value" : nil))
                }
                return c < 0 || (c == 0 && a < b)
            }
        }
        return order.map { items[$0] }
    }

    /// The sum of ints (an int; overflow is an ArithmeticError) or of numbers with a float (a float).
    static func sum(_ items: [Value], function: String) throws -> Value {
        var intSum = 0
        var floatSum = 0.0
        var isFloat = false
        for (i, x) in items.enumerated() {
            switch x {
            case .int(let n):
                if isFloat {
                    floatSum += Double(n)
                } else {
                    let (r, overflow) = intSum.addingReportingOverflow(n)
                    if overflow { throw QuillError.arithmetic("\(function)(): integer overflow") }
                    intSum = r
                }
            case .float(let d):
                if !isFloat { isFloat = true; floatSum = Double(intSum) }
                floatSum += d
            default:
                throw QuillError.type("\(function)(): item \(i) is \(x.typeWithArticle), not a number")
            }
        }
        return isFloat ? .float(floatSum) : .int(intSum)
    }

    /// The smallest or largest item by `Value.compare` of the items or of `key(item)`; the
    /// first of equals wins.
    static func extremum(_ items: [Value], max: Bool, key: Value? = nil, vm: VM, function: String) throws -> Value {
        guard var best = items.first else {
            throw QuillError.value("\(function)() of an empty list")
        }
        var bestKey = try key.map { try vm.call($0, best) } ?? best
        do {
            for x in items.dropFirst() {
                let k = try key.map { try vm.call($0, x) } ?? x
                let c = try Value.compare(k, bestKey)
                if max ? c > 0 : c < 0 { best = x; bestKey = k }
            }
        } catch let e as QuillError {
            throw QuillError(e.kind, "\(function)(): \(e.message)", hint: e.hint)
        }
        return best
    }

    /// Order-preserving de-duplication: hashing for scalars and strings, `==` for the rest.
    static func unique(_ items: [Value]) -> [Value] {
        var seen = Set<Value>()
        var others: [Value] = []
        var out: [Value] = []
        for x in items {
            switch x {
            case .nil, .bool, .int, .float, .string:
                if seen.insert(x).inserted { out.append(x) }
            default:
                if !others.contains(x) {
                    others.append(x)
                    out.append(x)
                }
            }
        }
        return out
    }
}
