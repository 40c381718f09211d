/// Digit patterns that match exactly the decimal integers in a range, without leading zeros.
///
/// The range splits into runs of equal digit count; within a run, numbers between two
/// bounds of the same length are covered by a few patterns (at most two per digit): the
/// low bound's prefix followed by anything up to 9…9, whole blocks of first digits, the
/// high bound's prefix followed by anything from 0…0. For 0…120 this gives `[0-9]`,
/// `[1-9][0-9]`, `1[0-1][0-9]`, `120`. Runs of complete digit counts are merged into one
/// repetition (`[1-9][0-9]{1,14}`), so an unbounded integer stays a handful of rules.
enum IntegerRangeGrammar {
    /// The integers `low...high` (either may be negative; `-0` is never written).
    static func alternatives(_ low: Int, _ high: Int, builder: inout GrammarBuilder) -> [GrammarBuilder.Alternative] {
        var out: [GrammarBuilder.Alternative] = []
        if high >= 0 { out += nonNegative(max(low, 0), high, builder: &builder) }
        if low < 0 {
            let minus = GrammarBuilder.literal("-")
            out += nonNegative(max(-high, 1), -low, builder: &builder).map { minus + $0 }
        }
        return out
    }

    /// The integers `low...high`, with `0 <= low <= high`.
    static func nonNegative(_ low: Int, _ high: Int, builder: inout GrammarBuilder) -> [GrammarBuilder.Alternative] {
        var out: [GrammarBuilder.Alternative] = []
        // Digit counts whose every number is in range, waiting to be merged into one repetition.
        var fullRun: ClosedRange<Int>? = nil
        func flushRun(_ builder: inout GrammarBuilder) {
            guard let run = fullRun else { return }
            out.append([.chars(digits(1...9))]
                       + builder.repetition(of: [.chars(digits(0...9))], min: run.lowerBound - 1, max: run.upperBound - 1, hint: "digits"))
            fullRun = nil
        }
        for length in digitCount(low)...digitCount(high) {
            let first = length == 1 ? 0 : power(length - 1)
            let last = power(length) - 1
            let a = max(low, first), b = min(high, last)
            if length > 1, a == first, b == last {
                fullRun = (fullRun?.lowerBound ?? length)...length
                continue
            }
            flushRun(&builder)
            for pattern in sameLength(ArraySlice(decimalDigits(a)), ArraySlice(decimalDigits(b))) {
                out.append(pattern.map { .chars(digits($0)) })
            }
        }
        flushRun(&builder)
        return out
    }

    /// Per-digit ranges covering the numbers from `a` to `b`, both written with the same
    /// number of digits.
    private static func sameLength(_ a: ArraySlice<Int>, _ b: ArraySlice<Int>) -> [[ClosedRange<Int>]] {
        guard let x = a.first, let y = b.first else { return [[]] }
        let restA = a.dropFirst(), restB = b.dropFirst()
        if x == y { return sameLength(restA, restB).map { [x...x] + $0 } }
        let lowIsRound = restA.allSatisfy { $0 == 0 }
        let highIsRound = restB.allSatisfy { $0 == 9 }
        var out: [[ClosedRange<Int>]] = []
        if !lowIsRound {
            out += sameLength(restA, ArraySlice(repeating: 9, count: restA.count)).map { [x...x] + $0 }
        }
        let from = lowIsRound ? x : x + 1, to = highIsRound ? y : y - 1
        if from <= to {
            out.append([from...to] + Array(repeating: 0...9, count: restA.count))
        }
        if !highIsRound {
            out += sameLength(ArraySlice(repeating: 0, count: restB.count), restB).map { [y...y] + $0 }
        }
        return out
    }

    private static func digits(_ r: ClosedRange<Int>) -> CharClass {
        CharClass([UInt32(0x30 + r.lowerBound)...UInt32(0x30 + r.upperBound)])
    }

    private static func decimalDigits(_ n: Int) -> [Int] { String(n).map { Int(String($0))! } }

    private static func digitCount(_ n: Int) -> Int { String(n).count }

    private static func power(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { product, _ in product * 10 }
    }
}
