import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// The built-in metrics by name, and how a spec in `evaluate(…, metrics: [...])` becomes a
/// `Metric`. docs/evaluation.md lists them with their options.
enum MetricCatalog {
    static let names = ["exact_match", "contains", "icontains", "starts_with", "regex", "contains_any", "contains_all",
                        "token_f1", "bleu", "rouge1", "rouge2", "rouge_l", "levenshtein", "json_valid", "schema_valid",
                        "numeric", "similarity", "length", "latency", "cost", "judge"]

    /// What the catalog needs from the evaluation: its judge model and a way to embed text.
    struct Environment {
        var judge: ModelObject?
        var embedder: (ModelObject?) throws -> (String) throws -> [Float]
    }

    static func metric(_ spec: Value, index: Int, environment: Environment) throws -> Metric {
        let place = "metrics[\(index)]"
        switch spec {
        case .string(let name):
            return try builtin(name.value, MetricOptions(nil, place: "\(place) (\"\(name.value)\")"), environment)
        case .object(let j as JudgeObject):
            return judged(j.judge, name: "judge", threshold: nil, field: nil)
        case .function, .native:
            return custom(spec, name: functionName(spec) ?? "metric\(index + 1)", threshold: nil, passAt: nil)
        case .map(let map):
            let options = MetricOptions(map, place: place)
            if let function = map["fn"] {
                guard Self.isCallable(function) else { throw QuillError.type("\(place).fn must be a function, not \(function.typeName)") }
                let metric = custom(function, name: try options.string("name") ?? functionName(function) ?? "metric\(index + 1)",
                                    threshold: try options.double("threshold"), passAt: try options.double("pass_at"))
                try options.rejectUnknown(known: ["fn"])
                return metric
            }
            guard let name = try options.string("metric") else {
                throw QuillError.value("\(place) needs metric: (a built-in metric's name) or fn: (a function)",
                                       hint: "e.g. {metric: \"rouge_l\", threshold: 0.3}")
            }
            let metric = try builtin(name, MetricOptions(map, place: "\(place) (\"\(name)\")"), environment)
            return metric
        default:
            throw QuillError.type("\(place) must be a metric's name, a map such as {metric: \"bleu\"}, a function or a judge, not \(spec.typeName)")
        }
    }

    static func isCallable(_ v: Value) -> Bool {
        switch v {
        case .function, .native: return true
        default: return false
        }
    }

    /// A function's own name; nil for a lambda (or a value that is not a function).
    static func functionName(_ f: Value) -> String? {
        switch f {
        case .function(let c): return c.proto.name.isEmpty || c.proto.name.hasPrefix("<") ? nil : c.proto.name
        case .native(let n): return n.name.split(separator: ".").last.map(String.init)
        default: return nil
        }
    }

    /// A user metric `fn(output, row)`: a boolean is a yes/no verdict, a number a score, a map
    /// `{score, pass, reason}` both, nil "not scored".
    static func custom(_ function: Value, name: String, threshold: Double?, passAt: Double?) -> Metric {
        Metric(info: .init(name: name, detail: "user metric", threshold: threshold, passAt: passAt)) { c in
            var result = try c.vm.call(function, c.output, c.row)
            var note: String?
            var verdict: Bool?
            if case .map(let m) = result {
                if case .string(let s)? = m["reason"] { note = s.value }
                if case .bool(let b)? = m["pass"] { verdict = b }
                result = m["score"] ?? (verdict.map { .bool($0) } ?? .nil)
            }
            switch result {
            case .bool(let b): return .init(score: b ? 1 : 0, verdict: verdict ?? b, note: note)
            case .int(let i): return .init(score: Double(i), verdict: verdict ?? passAt.map { Double(i) >= $0 }, note: note)
            case .float(let d) where d.isFinite: return .init(score: d, verdict: verdict ?? passAt.map { d >= $0 }, note: note)
            case .nil: throw MetricSkip(reason: note ?? "\(name) returned nil")
            default: throw QuillError.type("metric \(name) must return a number, a boolean or {score, pass, reason}, not \(result.typeName)")
            }
        }
    }

    static func judged(_ judge: Judge, name: String, threshold: Double?, field: String?) -> Metric {
        let info = EvalReport.MetricInfo(name: name, detail: "judged by \(judge.model.spec) on \(judge.low)..\(judge.high): \(judge.rubric)",
                                         threshold: threshold, passAt: judge.passAt)
        return Metric(info: info) { c in
            let reference: String? = c.expected.isNil ? nil : EvaluationText.text(c.expected)
            let v = try judge.grade(vm: c.vm, output: c.outputText, input: judgeInput(c, field: field), reference: reference)
            return .init(score: Double(v.score), verdict: v.pass, note: v.reason)
        }
    }

    /// What the judge is told the task was given: the row's `field` when named; else the row's
    /// one text field (besides `id` and the expected value) when it has one; else the row as
    /// JSON without those two, so the reference answer is not shown twice.
    private static func judgeInput(_ c: Metric.Context, field: String?) -> String {
        guard case .map(let m) = c.row else { return EvaluationText.text(c.row) }
        if let field { return m[field].map(EvaluationText.text) ?? "" }
        let rest = m.entries.filter { $0.key != .str("id") && $0.key != .str(c.expectedField) }
        if rest.count == 1, case .string(let s) = rest[0].value { return s.value }
        return EvaluationText.text(.map(MapObject(rest.map { ($0.key, $0.value) })))
    }

    // MARK: Built-ins

    private static func builtin(_ name: String, _ o: MetricOptions, _ env: Environment) throws -> Metric {
        let column = try o.string("name") ?? name
        let threshold = try o.double("threshold"), passAt = try o.double("pass_at")
        func check(_ detail: String, _ test: @escaping (Metric.Context) throws -> Bool) -> Metric {
            Metric.check(column, detail, threshold: threshold, test)
        }
        func graded(_ detail: String, _ measure: @escaping (Metric.Context) throws -> Double) -> Metric {
            Metric.graded(column, detail, threshold: threshold, passAt: passAt, measure)
        }
        // A literal `value:` stands in for the row's expected value.
        let literal = o.value("value")
        func expected(_ c: Metric.Context) throws -> String { literal.isNil ? try c.expectedText(name) : EvaluationText.text(literal) }
        func ignoreCase() throws -> Bool { try o.bool("ignore_case") ?? false }
        let metric: Metric
        switch name {
        case "exact_match":
            let normalization = try normalizations(o)
            metric = check("output equals the expected value (\(o.map?["normalize"]?.description ?? "whitespace") normalised)") { c in
                TextMetrics.exactMatch(c.outputText, try expected(c), normalization)
            }
        case "contains", "icontains":
            let fold = try ignoreCase() || name == "icontains"
            metric = check("output contains the expected text\(fold ? ", ignoring case" : "")") { c in
                TextMetrics.contains(c.outputText, try expected(c), caseInsensitive: fold)
            }
        case "starts_with":
            let ignoreCase = try ignoreCase()
            metric = check("output starts with the expected text") { c in
                TextMetrics.startsWith(c.outputText, try expected(c), caseInsensitive: ignoreCase)
            }
        case "regex":
            let pattern = try o.require("pattern", o.string, what: "a regular expression the output must contain a match of")
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(pattern) } catch { throw QuillError.value("\(o.place).pattern is not a valid regular expression: \(error)") }
            metric = check("output matches /\(pattern)/") { c in c.outputText.contains(regex) }
        case "contains_any", "contains_all":
            let values = try o.strings("values"), ignoreCase = try ignoreCase()
            let all = name == "contains_all"
            metric = check("output contains \(all ? "every one" : "at least one") of the values") { c in
                let parts = try values ?? c.expectedList(name)
                return all ? TextMetrics.containsAll(c.outputText, parts, caseInsensitive: ignoreCase)
                    : TextMetrics.containsAny(c.outputText, parts, caseInsensitive: ignoreCase)
            }
        case "token_f1":
            metric = graded("SQuAD token F1 against the expected value") { c in TextMetrics.tokenF1(c.outputText, try expected(c)) }
        case "bleu":
            let smoothing = try smoothingOption(o)
            metric = graded("sentence BLEU (sacrebleu, 13a, \(smoothing.rawValue) smoothing), 0–1") { c in
                BLEU.unit(BLEU.sentence(c.outputText, try expected(c), smoothing: smoothing))
            }
        case "rouge1", "rouge2":
            let n = name == "rouge1" ? 1 : 2
            metric = graded("ROUGE-\(n) F-measure (rouge-score, no stemming)") { c in
                ROUGE.n(n, prediction: c.outputText, reference: try expected(c)).fmeasure
            }
        case "rouge_l":
            metric = graded("ROUGE-L F-measure (rouge-score, no stemming)") { c in
                ROUGE.l(prediction: c.outputText, reference: try expected(c)).fmeasure
            }
        case "levenshtein":
            metric = graded("1 − edit distance / longer length") { c in TextMetrics.levenshteinSimilarity(c.outputText, try expected(c)) }
        case "json_valid":
            metric = check("output is valid JSON") { c in
                if case .string = c.output { return TextMetrics.jsonValid(c.outputText) }
                return (try? JSONBridge.json(c.output)) != nil
            }
        case "schema_valid":
            let schemaValue = o.value("schema")
            guard case .map = schemaValue else { throw QuillError.value("\(o.place) needs schema: (a JSON schema map)") }
            let schema = try JSONBridge.json(schemaValue, path: "\(o.place).schema")
            metric = check("output satisfies the schema") { c in
                if case .string = c.output { return TextMetrics.schemaProblems(c.outputText, schema: schema).isEmpty }
                guard let value = try? JSONBridge.json(c.output) else { return false }
                return JSONSchemaValidator.validate(value, against: schema).isEmpty
            }
        case "numeric":
            let tolerance = try o.double("tolerance") ?? 1e-6, relative = try o.double("relative") ?? 0
            metric = check("the output's first number is within \(tolerance) (or \(relative) relative) of the expected") { c in
                let target: Double
                switch literal.isNil ? c.expected : literal {
                case .int(let i): target = Double(i)
                case .float(let d): target = d
                case let v:
                    guard let d = TextMetrics.firstNumber(in: EvaluationText.text(v)), !v.isNil else {
                        throw MetricSkip(reason: "numeric: the expected value is not a number")
                    }
                    target = d
                }
                switch c.output {
                case .int(let i): return abs(Double(i) - target) <= max(tolerance, relative * abs(target))
                case .float(let d): return abs(d - target) <= max(tolerance, relative * abs(target))
                default: return TextMetrics.numericClose(c.outputText, target, absolute: tolerance, relative: relative)
                }
            }
        case "similarity":
            var model: ModelObject?
            if case .object(let m as ModelObject) = o.value("model") { model = m } else if o.has("model") {
                throw QuillError.type("\(o.place).model must be a model (from model(...))")
            }
            let embed = try env.embedder(model)
            metric = graded("cosine similarity of embeddings (mean-pooled, \(model?.spec ?? "local"))") { c in
                Embeddings.cosine(try embed(c.outputText), try embed(try expected(c)))
            }
        case "length":
            let low = try o.double("min"), high = try o.double("max"), unit = try o.string("unit") ?? "chars"
            guard ["chars", "words"].contains(unit) else { throw QuillError.value("\(o.place).unit must be \"chars\" or \"words\", got \"\(unit)\"") }
            guard low != nil || high != nil else { throw QuillError.value("\(o.place) needs min: or max: (a length in \(unit))") }
            metric = check("output length in \(unit) within \(low.map { "\(Int($0))" } ?? "0")…\(high.map { "\(Int($0))" } ?? "∞")") { c in
                let n = Double(unit == "words" ? c.outputText.split(whereSeparator: \.isWhitespace).count : c.outputText.count)
                return n >= (low ?? 0) && n <= (high ?? .infinity)
            }
        case "latency":
            let limit = try o.require("max", o.double, what: "seconds the task may take for a row")
            metric = check("the task took at most \(limit) s") { c in c.latency <= limit }
        case "cost":
            let limit = try o.require("max", o.double, what: "dollars the task may spend on a row")
            metric = check("the task spent at most $\(limit)") { c in
                guard let cost = c.cost else { throw MetricSkip(reason: "cost: a call's price is unknown (set_price)") }
                return Money.double(cost) <= limit
            }
        case "judge":
            var model = env.judge
            if case .object(let m as ModelObject) = o.value("model") { model = m }
            guard let model else {
                throw QuillError.value("\(o.place) needs a model: give evaluate(…, judge: model(...)) or model: in the spec")
            }
            let rubric = try o.require("rubric", o.string, what: "what a good output does")
            var low = 1, high = 5
            if case .object(let r as RangeObject) = o.value("scale"), r.step == 1, r.count >= 2 { (low, high) = (r.start, r.end - 1) }
            metric = judged(try Judge(model: model, rubric: rubric, low: low, high: high, passAt: passAt), name: column,
                            threshold: threshold, field: try o.string("input"))
        default:
            throw QuillError.value("\(o.place): no metric is named '\(name)'; the metrics are \(names.joined(separator: ", "))",
                                   hint: Suggestion.hint(for: name, in: names))
        }
        try o.rejectUnknown()
        return metric
    }

    static func normalizations(_ o: MetricOptions) throws -> TextMetrics.Normalization {
        guard let words = try o.strings("normalize") else { return .whitespace }
        var n: TextMetrics.Normalization = []
        for w in words {
            switch w {
            case "none": break
            case "whitespace": n.insert(.whitespace)
            case "case": n.insert(.caseInsensitive)
            case "punctuation": n.insert(.punctuation)
            case "articles": n.insert(.articles)
            case "squad": n.formUnion(.squad)
            default:
                let known = ["none", "whitespace", "case", "punctuation", "articles", "squad"]
                throw QuillError.value("\(o.place).normalize: unknown normalisation \"\(w)\"; use \(known.joined(separator: ", "))",
                                       hint: Suggestion.hint(for: w, in: known))
            }
        }
        return n
    }

    static func smoothingOption(_ o: MetricOptions) throws -> BLEU.Smoothing {
        try smoothing(named: try o.string("smoothing") ?? "exp", what: "\(o.place).smoothing")
    }

    /// A BLEU smoothing by its name; `what` names the option in the error.
    static func smoothing(named name: String, what: String) throws -> BLEU.Smoothing {
        guard let smoothing = BLEU.Smoothing(rawValue: name) else {
            throw QuillError.value("\(what) must be one of \(BLEU.Smoothing.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
        }
        return smoothing
    }
}
