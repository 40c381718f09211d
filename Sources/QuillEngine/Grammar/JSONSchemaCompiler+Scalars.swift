/// Strings and numbers: the bounded pieces a schema's leaves become.
extension JSONSchemaCompiler {
    /// Characters a string holds when the schema sets no `maxLength`.
    static let defaultMaxLength = 512
    /// The largest integer part written: 15 digits, which a `Double` still holds exactly.
    static let integerLimit = 999_999_999_999_999
    static let maxFractionDigits = 10
    /// Two exponent digits keep every generated number finite (≤ 10^15 · 10^99): a third
    /// allowed 1e999, which parses as infinity and has no JSON form.
    static let maxExponentDigits = 2

    /// Patterns for the `format` values a grammar can enforce; others are plain strings.
    static let formats: [String: String] = {
        let date = #"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"#
        let time = #"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"#
        let offset = #"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"#
        return ["date": date, "time": time + offset + "?", "date-time": date + "T" + time + offset,
                "uuid": #"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#]
    }()

    /// Characters JSON requires to be escaped inside a string.
    static let needsEscape = CharClass([0x00...0x1F, 0x22...0x22, 0x5C...0x5C])

    mutating func string(_ schema: JSONValue, path: [String]) throws -> Alternative {
        let quote = GrammarBuilder.literal("\"")
        if let pattern = schema["pattern"] {
            guard let text = pattern.stringValue else { throw failure(path + ["pattern"], "expected a regular expression string") }
            // The grammar matches the pattern against the whole string (JSON Schema's pattern
            // is a search); minLength/maxLength are then left to validation.
            return quote + (try patternBody(text, path: path + ["pattern"])) + quote
        }
        if let format = schema["format"]?.stringValue, let pattern = Self.formats[format] {
            return quote + (try patternBody(pattern, path: path + ["format"])) + quote
        }
        let minLength = try count(schema, "minLength", path: path) ?? 0
        let maxLength = try count(schema, "maxLength", path: path)
        if let maxLength, maxLength < minLength {
            throw failure(path + ["maxLength"], "maxLength \(maxLength) is less than minLength \(minLength)")
        }
        guard minLength <= GrammarBuilder.maxRepetition else {
            throw failure(path + ["minLength"], "minLength \(minLength) is above the limit \(GrammarBuilder.maxRepetition)")
        }
        // Each allowed length is a rule, so a larger maxLength is cut to the limit.
        let upper = min(maxLength ?? Self.defaultMaxLength, GrammarBuilder.maxRepetition)
        return quote + builder.repetition(of: [jsonCharacter()], min: minLength, max: upper, hint: "chars") + quote
    }

    /// One character of a JSON string: anything but `"`, `\` and control characters, or a
    /// two-character escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`). No `\u` escapes:
    /// one takes a model five or six tokens, so a string bounded in characters could still run
    /// to max_tokens, and models sampled at a high temperature do fall into runs of them (seen:
    /// 40 characters of `\u0042`, 200 of `\u001f`-style control escapes). So the control
    /// characters without a short escape cannot be produced; every other character is written
    /// as itself, at most four bytes of JSON text, and every output decodes to valid text.
    private mutating func jsonCharacter() -> GrammarBuilder.Symbol {
        let simple = CharClass("\"\\/bfnrt".unicodeScalars.map { $0.value...$0.value })
        return builder.symbol(for: [
            [.chars(CharClass(Self.needsEscape.ranges, negated: true))],
            GrammarBuilder.literal("\\") + [.chars(simple)],
        ], hint: "char")
    }

    private mutating func patternBody(_ pattern: String, path: [String]) throws -> Alternative {
        var parser = RegexParser(pattern)
        let node: RegexNode
        do {
            node = try parser.parse()
        } catch let error as GrammarError {
            guard case .regex(let column) = error.location else { throw error }
            throw failure(path, "column \(column): \(error.message)")
        }
        return node.emit(into: &builder) { cls, builder in Self.jsonCharacters(cls, builder: &builder) }
    }

    /// A pattern's character class as JSON string text: members that may appear raw, and
    /// the escapes of `"`, `\` and the common control characters when the class has them.
    /// Other control characters (which would need `\u00XX`) are left out.
    static func jsonCharacters(_ cls: CharClass, builder: inout GrammarBuilder) -> Alternative {
        var alternatives: [Alternative] = []
        let raw = cls.subtracting(needsEscape)
        if !raw.isEmpty { alternatives.append([.chars(raw)]) }
        let escapes: [(UInt32, String)] = [(0x22, "\\\""), (0x5C, "\\\\"), (0x0A, "\\n"), (0x0D, "\\r"), (0x09, "\\t")]
        for (c, text) in escapes where cls.contains(c) { alternatives.append(GrammarBuilder.literal(text)) }
        guard !alternatives.isEmpty else { return [.chars(CharClass([]))] }
        return [builder.symbol(for: alternatives, hint: "pattern-char")]
    }

    /// Integers in `[minimum, maximum]`, written exactly (see `IntegerRangeGrammar`); an
    /// unset bound is the 15-digit limit.
    mutating func integer(_ schema: JSONValue, path: [String]) throws -> Alternative {
        let (low, high) = try bounds(schema, path: path)
        let limit = Double(Self.integerLimit)
        var lowest = -Self.integerLimit, highest = Self.integerLimit
        if let low { lowest = Int(max(-limit - 1, min(limit + 1, low.exclusive ? low.value.rounded(.down) + 1 : low.value.rounded(.up)))) }
        if let high { highest = Int(max(-limit - 1, min(limit + 1, high.exclusive ? high.value.rounded(.up) - 1 : high.value.rounded(.down)))) }
        lowest = max(lowest, -Self.integerLimit)
        highest = min(highest, Self.integerLimit)
        guard lowest <= highest else {
            throw failure(path, "no integer of at most 15 digits lies between the minimum and the maximum")
        }
        return [builder.symbol(for: IntegerRangeGrammar.alternatives(lowest, highest, builder: &builder), hint: "integer")]
    }

    /// Numbers: an integer part, up to 10 fraction digits, and (when unbounded) an exponent.
    ///
    /// With bounds, the integer part is kept within them exactly and no exponent is written;
    /// a fraction at an edge (maximum 2 admits "2.5") and exclusive bounds are left to
    /// validation, since an exact decimal-range grammar would be large for little gain.
    mutating func number(_ schema: JSONValue, path: [String]) throws -> Alternative {
        let (low, high) = try bounds(schema, path: path)
        let digit = GrammarBuilder.Symbol.chars(CharClass([0x30...0x39]))
        let fraction = builder.symbol(for: [GrammarBuilder.literal(".") + builder.repetition(of: [digit], min: 1, max: Self.maxFractionDigits, hint: "digits"), []], hint: "fraction")
        let limit = Self.integerLimit
        let minus = GrammarBuilder.literal("-")
        guard low != nil || high != nil else {
            let magnitude = IntegerRangeGrammar.nonNegative(0, limit, builder: &builder)
            let integral = builder.symbol(for: magnitude + magnitude.map { minus + $0 }, hint: "integral")
            let sign = builder.symbol(for: [[.chars(CharClass([0x2B...0x2B, 0x2D...0x2D]))], []], hint: "sign")
            let exponent = builder.symbol(for: [[.chars(CharClass([0x45...0x45, 0x65...0x65])), sign]
                                                + builder.repetition(of: [digit], min: 1, max: Self.maxExponentDigits, hint: "digits"), []], hint: "exponent")
            return [integral, fraction, exponent]
        }
        let lo = low?.value ?? -Double(limit), hi = high?.value ?? Double(limit)
        guard lo <= hi else { throw failure(path, "the minimum \(lo) is greater than the maximum \(hi)") }
        func clamp(_ d: Double) -> Int { Int(max(0, min(Double(limit), d.rounded(.down)))) }
        var alternatives: [Alternative] = []
        if hi >= 0 { alternatives += IntegerRangeGrammar.nonNegative(clamp(max(lo, 0)), clamp(hi), builder: &builder) }
        if lo < 0 {
            // A negative number's integer part lies between |maximum| (or 0) and |minimum|.
            alternatives += IntegerRangeGrammar.nonNegative(clamp(max(-hi, 0)), clamp(-lo), builder: &builder).map { minus + $0 }
        }
        return [builder.symbol(for: alternatives, hint: "integral"), fraction]
    }

    /// `minimum`/`exclusiveMinimum` and `maximum`/`exclusiveMaximum`, the tighter of each pair
    /// (draft 4's boolean `exclusiveMinimum: true` makes `minimum` exclusive).
    private func bounds(_ schema: JSONValue, path: [String]) throws
        -> (low: (value: Double, exclusive: Bool)?, high: (value: Double, exclusive: Bool)?) {
        func side(_ inclusive: String, _ exclusive: String, tighter: (Double, Double) -> Bool) throws -> (value: Double, exclusive: Bool)? {
            var result: (value: Double, exclusive: Bool)? = nil
            if let v = try bound(schema, inclusive, path: path) {
                result = (v, schema[exclusive] == .bool(true))
            }
            if let e = schema[exclusive], e != .bool(true), e != .bool(false) {
                guard let v = e.numberValue else { throw failure(path + [exclusive], "expected a number") }
                if result == nil || tighter(v, result!.value) || v == result!.value { result = (v, true) }
            }
            return result
        }
        return (try side("minimum", "exclusiveMinimum", tighter: >), try side("maximum", "exclusiveMaximum", tighter: <))
    }
}
