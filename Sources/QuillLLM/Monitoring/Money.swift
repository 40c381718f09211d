import Foundation

/// Amounts of money: summed as `Decimal` (a price per million tokens times a token count is
/// exact in decimal, and a run's total stays exact however many calls it adds up), shown and
/// stored as plain decimal strings.
public enum Money {
    /// A decimal string such as "0.15" or "2.5"; nil for anything else (no exponents, no
    /// thousands separators, so a typo in a price file cannot become a different number).
    public static func parse(_ text: String) -> Decimal? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
              t.filter({ $0 == "." }).count <= 1, t.lastIndex(of: "-").map({ $0 == t.startIndex }) ?? true else { return nil }
        return Decimal(string: t, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// A number from a script or a Swift `Double` as the decimal it was written as (0.1 stays
    /// 0.1, not 0.1000000000000000055…): through its shortest round-trip text.
    public static func decimal(_ value: Double) -> Decimal {
        Decimal(string: "\(value)", locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(value)
    }

    /// The amount as plain decimal text, all its digits: "0.000123", "12.5", "0".
    public static func format(_ amount: Decimal) -> String {
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 12, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }

    /// The amount for display: "$0.0123" (four significant decimals under a cent).
    public static func display(_ amount: Decimal) -> String {
        let d = double(amount)
        if d == 0 { return "$0" }
        if abs(d) >= 0.01 { return String(format: "$%.4f", d) }
        return String(format: "$%.6f", d)
    }

    /// The nearest `Double` (through the decimal text: Foundation's own conversion can be off in
    /// the last digit, turning 0.000001 into 1.0000000000000002e-06).
    public static func double(_ amount: Decimal) -> Double {
        Double(format(amount)) ?? NSDecimalNumber(decimal: amount).doubleValue
    }
}
