#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `math` namespace, plus the rounding and absolute value behind the global `round` and `abs`.
///
/// Functions take ints or floats and return floats, except: `floor`, `ceil` and `trunc` return
/// ints when the result is finite and fits in 64 bits; `abs`, `min`, `max` and `clamp` keep the
/// type of what they return. Arguments outside a function's domain (`math.sqrt(-1)`,
/// `math.log(0)`, `math.asin(2)`) are a ValueError rather than nan.
enum MathLibrary {
    static func namespace() -> NamespaceObject {
        LibrarySupport.namespace("math", functions: functions, constants: [
            "pi": .float(Double.pi),
            "e": .float(2.718281828459045),
            "inf": .float(Double.infinity),
            "nan": .float(Double.nan),
            "max_int": .int(Int.max),
            "min_int": .int(Int.min),
        ])
    }

    private static func unary(_ name: String, _ f: @escaping (Double) -> Double,
                              domain: ((Double) -> String?)? = nil) -> NativeFunction {
        NativeFunction("math.\(name)", ["x"]) { args in
            let x = try args.double(0)
            if let check = domain, let problem = check(x) {
                throw QuillError.value("math.\(name)(): domain error: \(problem), got \(args[0].repr)")
            }
            return .float(f(x))
        }
    }

    private static func integral(_ name: String, _ rule: FloatingPointRoundingRule) -> NativeFunction {
        NativeFunction("math.\(name)", ["x"]) { args in
            if case .int = args[0] { return args[0] }
            return integerOrFloat(try args.double(0).rounded(rule))
        }
    }

    private static func unitInterval(_ x: Double) -> String? {
        x < -1 || x > 1 ? "x must be between -1 and 1" : nil
    }

    private static var functions: [NativeFunction] {
        [
            unary("sqrt", { $0.squareRoot() }, domain: { $0 < 0 ? "x must not be negative" : nil }),
            unary("exp", { exp($0) }),
            unary("log2", { log2($0) }, domain: { $0 <= 0 ? "x must be positive" : nil }),
            unary("log10", { log10($0) }, domain: { $0 <= 0 ? "x must be positive" : nil }),
            unary("sin", { sin($0) }),
            unary("cos", { cos($0) }),
            unary("tan", { tan($0) }),
            unary("asin", { asin($0) }, domain: unitInterval),
            unary("acos", { acos($0) }, domain: unitInterval),
            unary("atan", { atan($0) }),
            // The error function and its complement; erfc keeps its precision far in the tail,
            // where 1 - erf(x) rounds to 0 (normal tail probabilities are erfc(z / √2) / 2).
            unary("erf", { erf($0) }),
            unary("erfc", { erfc($0) }),
            integral("floor", .down),
            integral("ceil", .up),
            integral("trunc", .towardZero),
            // log(x) is the natural logarithm; log(x, base) any other.
            NativeFunction("math.log", ["x", "base"], required: 1) { args in
                let x = try args.double(0)
                guard x > 0 else {
                    throw QuillError.value("math.log(): domain error: x must be positive, got \(args[0].repr)")
                }
                guard !args[1].isNil else { return .float(log(x)) }
                let base = try args.double(1)
                guard base > 0, base != 1 else {
                    throw QuillError.value("math.log(): domain error: base must be positive and not 1, got \(args[1].repr)")
                }
                return .float(log(x) / log(base))
            },
            NativeFunction("math.pow", ["x", "y"]) { args in
                let x = try args.double(0), y = try args.double(1)
                if x == 0 && y < 0 {
                    throw QuillError.value("math.pow(): domain error: 0 cannot be raised to a negative power")
                }
                let r = pow(x, y)
                if r.isNaN && !x.isNaN && !y.isNaN {
                    throw QuillError.value("math.pow(): domain error: a negative number to a fractional power has no real value")
                }
                return .float(r)
            },
            NativeFunction("math.atan2", ["y", "x"]) { args in
                .float(atan2(try args.double(0), try args.double(1)))
            },
            NativeFunction("math.hypot", ["x", "y"]) { args in
                .float(hypot(try args.double(0), try args.double(1)))
            },
            NativeFunction("math.abs", ["x"]) { args in try absolute(args, function: "math.abs") },
            NativeFunction("math.min", ["key"], required: 0, variadic: true) { args in
                try LibrarySupport.extremum(args, max: false, function: "math.min")
            },
            NativeFunction("math.max", ["key"], required: 0, variadic: true) { args in
                try LibrarySupport.extremum(args, max: true, function: "math.max")
            },
            NativeFunction("math.is_nan", ["x"]) { args in .bool(try args.double(0).isNaN) },
            NativeFunction("math.is_inf", ["x"]) { args in .bool(try args.double(0).isInfinite) },
            // x limited to [lo, hi]; returns whichever of the three values applies, unchanged.
            NativeFunction("math.clamp", ["x", "lo", "hi"]) { args in
                _ = try args.double(0); _ = try args.double(1); _ = try args.double(2)
                let x = args[0], lo = args[1], hi = args[2]
                guard try Value.compare(lo, hi) <= 0 else {
                    throw QuillError.value("math.clamp(): lo (\(lo.repr)) must not be greater than hi (\(hi.repr))")
                }
                if try Value.compare(x, lo) < 0 { return lo }
                if try Value.compare(x, hi) > 0 { return hi }
                return x
            },
        ]
    }

    /// An int when `d` is integral and fits, else the float (nan and infinities stay floats).
    static func integerOrFloat(_ d: Double) -> Value {
        if let i = Int(exactly: d) { return .int(i) }
        return .float(d)
    }

    /// `abs(x)` for ints (overflow on `min_int` is an ArithmeticError) and floats.
    static func absolute(_ args: Args, function: String) throws -> Value {
        switch args[0] {
        case .int(let i):
            guard i != Int.min else { throw QuillError.arithmetic("\(function)(): integer overflow") }
            return .int(Swift.abs(i))
        case .float(let d): return .float(Swift.abs(d))
        default: throw args.typeError(0, expected: "a number")
        }
    }

    /// The global `round(x, digits)`.
    ///
    /// Rounds half to even, like Python: `round(2.5)` is 2, `round(3.5)` is 4, `round(-0.5)` is 0.
    /// Without `digits` the result is an int (a ValueError for nan, infinities and floats beyond
    /// the int range). With `digits` an int stays an int (negative digits round to tens,
    /// hundreds, ...) and a float stays a float, rounded from its exact binary value, so
    /// `round(2.675, 2)` is 2.67 (the float 2.675 is slightly below 2.675).
    static func round(_ args: Args) throws -> Value {
        let digits: Int? = args[1].isNil ? nil : try args.int(1)
        switch args[0] {
        case .int(let n):
            guard let d = digits, d < 0 else { return .int(n) }
            return .int(try roundInt(n, toPowerOfTen: -d))
        case .float(let x):
            guard let d = digits else {
                guard x.isFinite else { throw QuillError.value("round(): cannot convert \(Value.format(x)) to an int") }
                let r = x.rounded(.toNearestOrEven)
                guard let i = Int(exactly: r) else {
                    throw QuillError.value("round(): \(Value.format(x)) is too large to convert to an int")
                }
                return .int(i)
            }
            guard x.isFinite else { return .float(x) }
            if d >= 0 {
                if d > 330 { return .float(x) }
                return .float(Double(StringFormatter.cFormat("%.\(d)f", x)) ?? x)
            }
            if d < -308 { return .float(0 * x) }
            let p = pow(10, Double(-d))
            return .float((x / p).rounded(.toNearestOrEven) * p)
        default:
            throw args.typeError(0, expected: "a number")
        }
    }

    /// Rounds an int to a multiple of 10^k, half to even.
    private static func roundInt(_ n: Int, toPowerOfTen k: Int) throws -> Int {
        if k > 18 { return 0 }   // |n| < 10^19 / 2 for every k > 18
        var p = 1
        for _ in 0..<k { p *= 10 }
        let q = n / p, r = n % p   // truncating: r has the sign of n
        var down = q
        let twice = Swift.abs(r) * 2
        if twice > p || (twice == p && q % 2 != 0) { down += n < 0 ? -1 : 1 }
        let (result, overflow) = down.multipliedReportingOverflow(by: p)
        guard !overflow else { throw QuillError.arithmetic("round(): integer overflow") }
        return result
    }
}
