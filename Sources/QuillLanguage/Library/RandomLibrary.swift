/// The `random` namespace, drawing from the VM's seedable generator (`vm.random`, SplitMix64).
///
/// A VM starts seeded from the clock; `random.seed(n)` makes every later draw reproducible:
/// the same seed gives the same sequence on every run and platform.
///
/// - `random.seed(n)`: reseeds with an int.
/// - `random.int(lo, hi)`: an int with lo ≤ n ≤ hi (both ends included).
/// - `random.float()`: a float in [0, 1).
/// - `random.choice(list)`: one item (IndexError for an empty list).
/// - `random.shuffle(list)`: shuffles in place; returns nil.
/// - `random.sample(list, k)`: k distinct items (by position) in random order.
enum RandomLibrary {
    static func namespace() -> NamespaceObject {
        LibrarySupport.namespace("random", functions: [
            NativeFunction("random.seed", ["seed"]) { args in
                args.vm.random = SplitMix64(seed: UInt64(bitPattern: Int64(try args.int(0))))
                return .nil
            },
            NativeFunction("random.int", ["lo", "hi"]) { args in
                let lo = try args.int(0), hi = try args.int(1)
                guard lo <= hi else {
                    throw QuillError.value("random.int(): lo (\(lo)) must not be greater than hi (\(hi))")
                }
                return .int(Int.random(in: lo...hi, using: &args.vm.random))
            },
            NativeFunction("random.float") { args in
                .float(Double.random(in: 0..<1, using: &args.vm.random))
            },
            NativeFunction("random.choice", ["items"]) { args in
                let items = try args.list(0).items
                guard !items.isEmpty else { throw QuillError.index("random.choice(): cannot choose from an empty list") }
                return items[Int.random(in: 0..<items.count, using: &args.vm.random)]
            },
            NativeFunction("random.shuffle", ["items"]) { args in
                let list = try args.list(0)
                list.items.shuffle(using: &args.vm.random)
                return .nil
            },
            NativeFunction("random.sample", ["items", "k"]) { args in
                var items = try args.list(0).items
                let k = try args.int(1)
                guard k >= 0, k <= items.count else {
                    throw QuillError.value("random.sample(): k must be between 0 and the list's length (\(items.count)), got \(k)")
                }
                // A partial Fisher–Yates shuffle: the first k slots end up a uniform sample.
                for i in 0..<k {
                    let j = Int.random(in: i..<items.count, using: &args.vm.random)
                    items.swapAt(i, j)
                }
                return .list(ListObject(Array(items[0..<k])))
            },
        ])
    }
}
