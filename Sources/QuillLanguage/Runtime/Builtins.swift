/// Natives the compiler itself refers to (range literals).
enum Builtins {
    /// `a..b`
    static let inclusiveRange = NativeFunction("range", ["from", "through"]) { args in
        .object(RangeObject(from: try args.int(0), through: try args.int(1)))
    }

    /// `a..<b`
    static let exclusiveRange = NativeFunction("range", ["from", "to"]) { args in
        .object(RangeObject(start: try args.int(0), end: try args.int(1)))
    }
}
