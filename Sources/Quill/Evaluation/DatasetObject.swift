import QuillLanguage

/// The value `dataset(source)` returns: rows with the methods evaluations need. Each method
/// returns a new dataset (the rows are shared, not copied); `for row in ds` iterates.
///
/// - `ds.rows` (a list), `ds.len()`, `ds.name` (the file, or "inline")
/// - `ds.take(n)`: the first n rows
/// - `ds.sample(n, seed: 0)`: n rows drawn without replacement, in their original order;
///   the same seed draws the same rows
/// - `ds.filter(fn)`, `ds.map(fn)`
/// - `ds.split(ratio, seed: 0)`: `[first, rest]`, `first` holding round(ratio × len) rows
///   drawn with the seed, both in their original order
final class DatasetObject: NativeObject, @unchecked Sendable {
    let name: String
    let rows: [Value]

    init(name: String, rows: [Value]) {
        self.name = name
        self.rows = rows
    }

    override var typeName: String { "dataset" }
    override var description: String { "<dataset \(name): \(rows.count) rows>" }
    override var memberNames: [String] { ["rows", "name", "len", "take", "sample", "filter", "map", "split"] }

    override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "rows": return .list(ListObject(rows))
        case "name": return .str(self.name)
        default:
            guard let method = Self.methods[name] else { return nil }
            return .native(method.bound(to: .object(self)))
        }
    }

    override func makeIterator() -> NativeIterator? { RowIterator(rows) }

    private func derived(_ rows: [Value]) -> Value { .object(DatasetObject(name: name, rows: rows)) }

    /// Indices of `count` rows drawn with `seed` (a partial Fisher–Yates shuffle), ascending.
    private func draw(_ count: Int, seed: Int) -> [Int] {
        var generator = SplitMix64(seed: UInt64(bitPattern: Int64(seed)) ^ 0x5DEE_CE66_D1CE_5EED)
        var indices = Array(rows.indices)
        for i in 0..<min(count, indices.count) {
            indices.swapAt(i, i + Int(generator.next() % UInt64(indices.count - i)))
        }
        return indices.prefix(count).sorted()
    }

    private static func receiver(_ args: Args) -> DatasetObject {
        guard case .object(let d as DatasetObject) = args.receiver else { preconditionFailure("dataset method on \(args.receiver.typeName)") }
        return d
    }

    static let methods: [String: NativeFunction] = {
        let len = NativeFunction("len", [], isMethod: true) { args in .int(receiver(args).rows.count) }
        let take = NativeFunction("take", ["n"], isMethod: true) { args in
            let d = receiver(args), n = try args.int(0)
            guard n >= 0 else { throw QuillError.value("take(): n must not be negative, got \(n)") }
            return d.derived(Array(d.rows.prefix(n)))
        }
        let sample = NativeFunction("sample", ["n", "seed"], required: 1, isMethod: true) { args in
            let d = receiver(args), n = try args.int(0)
            guard n >= 0, n <= d.rows.count else {
                throw QuillError.value("sample(): n must be from 0 to the \(d.rows.count) rows, got \(n)")
            }
            return d.derived(d.draw(n, seed: try args.int(1, default: 0)).map { d.rows[$0] })
        }
        let filter = NativeFunction("filter", ["fn"], isMethod: true) { args in
            let d = receiver(args), f = try args.callable(0)
            return d.derived(try d.rows.filter { try args.vm.call(f, $0).isTruthy })
        }
        let map = NativeFunction("map", ["fn"], isMethod: true) { args in
            let d = receiver(args), f = try args.callable(0)
            return d.derived(try d.rows.map { try args.vm.call(f, $0) })
        }
        let split = NativeFunction("split", ["ratio", "seed"], required: 1, isMethod: true) { args in
            let d = receiver(args), ratio = try args.double(0)
            guard ratio >= 0, ratio <= 1 else { throw QuillError.value("split(): ratio must be from 0 to 1, got \(ratio)") }
            let chosen = Set(d.draw(Int((ratio * Double(d.rows.count)).rounded()), seed: try args.int(1, default: 0)))
            let first = d.rows.indices.filter { chosen.contains($0) }.map { d.rows[$0] }
            let rest = d.rows.indices.filter { !chosen.contains($0) }.map { d.rows[$0] }
            return .list(ListObject([d.derived(first), d.derived(rest)]))
        }
        return Dictionary(uniqueKeysWithValues: [len, take, sample, filter, map, split].map { ($0.name, $0) })
    }()
}

private final class RowIterator: NativeIterator {
    private let rows: [Value]
    private var i = 0
    init(_ rows: [Value]) { self.rows = rows }
    override func next() throws -> Value? {
        guard i < rows.count else { return nil }
        defer { i += 1 }
        return rows[i]
    }
}
