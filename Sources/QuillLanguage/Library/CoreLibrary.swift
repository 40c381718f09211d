#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every global built-in: functions (`batch` lives in BatchLibrary.swift), the `args` list and
/// the `json`, `math`, `time`, `regex` and `random` namespaces.
///
/// Binding conventions the VM follows: named arguments bind to the declared parameter names
/// (`sorted(xs, key: f)`), and optional parameters read as nil when omitted, so passing nil
/// explicitly is the same as omitting it (the one exception is `reduce`'s `initial`, where
/// `args.count` tells whether it was given). Variadic built-ins take their values positionally;
/// the names in their parameter list are the named options they accept, read with
/// `args.named(_:)` (`print(a, b, sep: ", ", end: "")`, `min(xs, key: f)`).
public enum CoreLibrary {
    /// The globals for one VM. Call it after setting `vm.scriptArguments` (they become `args`).
    /// Each call makes fresh namespaces, so per-VM state (the regex cache) is not shared.
    public static func globals(vm: VM) -> [String: Value] {
        var g: [String: Value] = [:]
        for f in functions + FileLibrary.functions + BatchLibrary.functions { g[f.name] = .native(f) }
        g["args"] = .list(ListObject(vm.scriptArguments.map { .str($0) }))
        g["json"] = .object(JSON.namespace())
        g["math"] = .object(MathLibrary.namespace())
        g["time"] = .object(TimeLibrary.namespace())
        g["regex"] = .object(RegexLibrary.namespace())
        g["random"] = .object(RandomLibrary.namespace())
        g["process"] = .object(ProcessLibrary.namespace())
        return g
    }

    static var functions: [NativeFunction] {
        [
            // print(a, b, ..., sep: " ", end: "\n") writes the str() of each argument separated
            // by `sep`, then `end`.
            NativeFunction("print", ["sep", "end"], required: 0, variadic: true) { args in
                let sep = try namedString(args, "sep") ?? " "
                let end = try namedString(args, "end") ?? "\n"
                if let meter = args.vm.memoryMeter {
                    for i in 0..<args.count { try meter.checkText(of: args[i], for: "print()") }
                }
                if args.count == 1 {
                    args.vm.output(args[0].description + end)
                } else {
                    args.vm.output(args.all.map(\.description).joined(separator: sep) + end)
                }
                return .nil
            },
            NativeFunction("len", ["value"]) { args in
                switch args[0] {
                case .string(let s): return .int(s.count)
                case .list(let l): return .int(l.items.count)
                case .map(let m): return .int(m.count)
                case .object(let r as RangeObject): return .int(r.count)
                default: throw args.typeError(0, expected: "a string, list, map or range")
                }
            },
            NativeFunction("type", ["value"]) { args in .str(args[0].typeName) },
            NativeFunction("str", ["value"]) { args in
                switch args[0] {
                case .string: return args[0]
                case .int(let i): return args.vm.string(for: i)
                default:
                    try args.vm.memoryMeter?.checkText(of: args[0], for: "str()")
                    return try args.vm.makeString(args[0].description, for: "str()")
                }
            },
            NativeFunction("repr", ["value"]) { args in
                try args.vm.memoryMeter?.checkText(of: args[0], for: "repr()")
                return try args.vm.makeString(args[0].repr, for: "repr()")
            },
            NativeFunction("bool", ["value"]) { args in .bool(args[0].isTruthy) },
            NativeFunction("int", ["value", "base"], required: 1) { args in try Conversions.toInt(args) },
            NativeFunction("float", ["value"]) { args in try Conversions.toFloat(args) },
            NativeFunction("ord", ["char"]) { args in try Conversions.ord(args) },
            NativeFunction("chr", ["code"]) { args in try Conversions.chr(args) },

            // range(end), range(start, end) or range(start, end, step); the end is excluded.
            NativeFunction("range", ["start", "end", "step"], required: 1) { args in
                let first = try args.int(0)
                let (start, end) = args[1].isNil ? (0, first) : (first, try args.int(1))
                let step = try args.int(2, default: 1)
                guard step != 0 else { throw QuillError.value("range(): step must not be zero") }
                return .object(RangeObject(start: start, end: end, step: step))
            },

            // assert(condition, message): an AssertionError when the condition is falsy.
            NativeFunction("assert", ["condition", "message"], required: 1) { args in
                guard args[0].isTruthy else {
                    throw QuillError("AssertionError", args[1].isNil ? "assertion failed" : args[1].description)
                }
                return .nil
            },
            // error(message, kind: "Error") makes an error value without throwing it.
            NativeFunction("error", ["message", "kind"], required: 1) { args in
                let message = try args.string(0), kind = try args.string(1, default: "Error")
                guard !kind.isEmpty else { throw QuillError.value("error(): kind must not be empty") }
                return .error(ErrorObject(kind: kind, message: message))
            },

            NativeFunction("min", ["key"], required: 0, variadic: true) { args in
                try LibrarySupport.extremum(args, max: false, function: "min")
            },
            NativeFunction("max", ["key"], required: 0, variadic: true) { args in
                try LibrarySupport.extremum(args, max: true, function: "max")
            },
            NativeFunction("abs", ["x"]) { args in try MathLibrary.absolute(args, function: "abs") },
            NativeFunction("round", ["x", "digits"], required: 1) { args in try MathLibrary.round(args) },
            // sorted(items, key: fn, reverse: false): a new sorted list of a list's items, a
            // range's ints, a map's keys or a string's characters. Stable.
            NativeFunction("sorted", ["items", "key", "reverse"], required: 1) { args in
                let items = try LibrarySupport.items(of: args[0], function: "sorted", argument: "items",
                                                     meter: args.vm.memoryMeter)
                let key = try args.optionalCallable(1)
                return try args.vm.makeList(try ListMethods.sortValues(items, key: key, reverse: try args.bool(2, default: false),
                                                                       vm: args.vm, function: "sorted"), for: "sorted()")
            },

            // env(name, default) reads an environment variable (default: nil when unset);
            // env() returns a map of all of them.
            NativeFunction("env", ["name", "default"], required: 0) { args in
                try args.vm.require(.environment, for: "env()")
                if args[0].isNil { return .map(environment()) }
                guard let raw = getenv(try args.string(0)) else { return args[1] }
                return .str(String(cString: raw))
            },
            // exit(code: 0) ends the program with a status; it cannot be caught.
            NativeFunction("exit", ["code"], required: 0) { args in
                let code = try args.int(0, default: 0)
                throw ExitRequest(status: Int32(clamping: code))
            },
        ]
    }

    /// A named string argument of a variadic native (nil when absent or nil).
    static func namedString(_ args: Args, _ name: String) throws -> String? {
        guard let v = args.named(name), !v.isNil else { return nil }
        guard case .string(let s) = v else {
            throw QuillError.type("\(args.function.name)() argument '\(name)' must be a string, not \(v.typeName)")
        }
        return s.value
    }

    /// All environment variables, in the order the process received them.
    static func environment() -> MapObject {
        let map = MapObject()
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                map[.str(String(text[..<eq]))] = .str(String(text[text.index(after: eq)...]))
            }
            p += 1
        }
        return map
    }
}
