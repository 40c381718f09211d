import Foundation
import QuillEngine

/// The string metrics of evaluations: exact and partial matches with normalisation, token F1,
/// edit-distance similarity, numeric closeness and JSON validity. Each scores one output
/// against one expected value, 0 to 1 (1 = pass for the boolean ones).
public enum TextMetrics {
    /// How text is normalised before comparing.
    public struct Normalization: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Leading and trailing whitespace removed, inner runs collapsed to one space.
        public static let whitespace = Normalization(rawValue: 1 << 0)
        /// Case folded.
        public static let caseInsensitive = Normalization(rawValue: 1 << 1)
        /// ASCII and Unicode punctuation removed.
        public static let punctuation = Normalization(rawValue: 1 << 2)
        /// The English articles a, an, the removed (as SQuAD's answer normalisation does).
        public static let articles = Normalization(rawValue: 1 << 3)
        /// SQuAD's: all of the above.
        public static let squad: Normalization = [.whitespace, .caseInsensitive, .punctuation, .articles]
    }

    public static func normalize(_ text: String, _ options: Normalization) -> String {
        var t = text
        if options.contains(.caseInsensitive) { t = t.lowercased() }
        if options.contains(.punctuation) {
            t = String(String.UnicodeScalarView(t.unicodeScalars.filter { !CharacterSet.punctuationCharacters.contains($0) && !CharacterSet.symbols.contains($0) }))
        }
        var words = t.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        if options.contains(.articles) { words.removeAll { ["a", "an", "the"].contains($0.lowercased()) } }
        if options.contains(.whitespace) || options.contains(.articles) { return words.joined(separator: " ") }
        return t
    }

    public static func exactMatch(_ output: String, _ expected: String, _ options: Normalization = .whitespace) -> Bool {
        normalize(output, options) == normalize(expected, options)
    }

    public static func contains(_ output: String, _ part: String, caseInsensitive: Bool = false) -> Bool {
        caseInsensitive ? output.lowercased().contains(part.lowercased()) : output.contains(part)
    }

    public static func containsAny(_ output: String, _ parts: [String], caseInsensitive: Bool = false) -> Bool {
        parts.contains { contains(output, $0, caseInsensitive: caseInsensitive) }
    }

    public static func containsAll(_ output: String, _ parts: [String], caseInsensitive: Bool = false) -> Bool {
        parts.allSatisfy { contains(output, $0, caseInsensitive: caseInsensitive) }
    }

    public static func startsWith(_ output: String, _ prefix: String, caseInsensitive: Bool = false) -> Bool {
        caseInsensitive ? output.lowercased().hasPrefix(prefix.lowercased()) : output.hasPrefix(prefix)
    }

    /// SQuAD's token F1: the harmonic mean of token precision and recall after SQuAD
    /// normalisation; two empty answers agree (1), one empty answer does not (0).
    public static func tokenF1(_ output: String, _ expected: String) -> Double {
        let p = normalize(output, .squad).split(separator: " "), g = normalize(expected, .squad).split(separator: " ")
        if p.isEmpty || g.isEmpty { return p.isEmpty && g.isEmpty ? 1 : 0 }
        var counts: [Substring: Int] = [:]
        for t in g { counts[t, default: 0] += 1 }
        var same = 0
        for t in p where (counts[t] ?? 0) > 0 {
            counts[t]! -= 1
            same += 1
        }
        guard same > 0 else { return 0 }
        let precision = Double(same) / Double(p.count), recall = Double(same) / Double(g.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// Levenshtein distance over characters (grapheme clusters).
    public static func levenshtein(_ a: String, _ b: String) -> Int { EditDistance.levenshtein(a, b) }

    /// 1 − distance / the longer length (1 for two empty strings).
    public static func levenshteinSimilarity(_ a: String, _ b: String) -> Double {
        let longest = max(a.count, b.count)
        return longest == 0 ? 1 : 1 - Double(levenshtein(a, b)) / Double(longest)
    }

    /// Whether the first number in the output is within `absolute` or `relative` (of the
    /// expected value's magnitude) of the expected number; false when the output has none.
    public static func numericClose(_ output: String, _ expected: Double, absolute: Double = 1e-9, relative: Double = 0) -> Bool {
        guard let value = firstNumber(in: output) else { return false }
        return abs(value - expected) <= max(absolute, relative * abs(expected))
    }

    /// The first decimal number in a text (`-3.5`, `1,200`, `2e3`), thousands separators dropped.
    public static func firstNumber(in text: String) -> Double? {
        let range = NSRange(text.startIndex..., in: text)
        for match in number.matches(in: text, range: range) where match.range.length > 0 {
            let token = (text as NSString).substring(with: match.range).replacingOccurrences(of: ",", with: "")
            if let d = Double(token), token.contains(where: \.isNumber) { return d }
        }
        return nil
    }

    /// A decimal number with optional sign, thousands separators, fraction and exponent;
    /// compiled once (metrics run over many rows).
    private static let number = try! NSRegularExpression(pattern: #"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?"#)

    public static func jsonValid(_ output: String) -> Bool { (try? JSONValue.parse(output)) != nil }

    /// The schema's problems with the output (empty: valid); not JSON is one problem.
    public static func schemaProblems(_ output: String, schema: JSONValue) -> [String] {
        guard let value = try? JSONValue.parse(output) else { return ["not valid JSON"] }
        return JSONSchemaValidator.validate(value, against: schema)
    }
}
