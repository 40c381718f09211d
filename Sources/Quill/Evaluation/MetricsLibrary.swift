import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// The `metrics` namespace: each built-in metric as a plain function of two texts, for scripts
/// that score outside `evaluate` or compose their own metrics. Scores are 0–1 (BLEU too:
/// sacrebleu's score divided by 100); yes/no metrics return booleans.
enum MetricsLibrary {
    static func namespace(embeddings: @escaping (Args, Int) throws -> Embeddings) -> NamespaceObject {
        func texts(_ name: String, _ extra: [String] = [], required: Int = 2,
                   _ body: @escaping (String, String, Args) throws -> Value) -> NativeFunction {
            NativeFunction("metrics.\(name)", ["output", "expected"] + extra, required: required) { args in
                try body(try args.string(0), try args.string(1), args)
            }
        }
        func ignoreCase(_ args: Args, _ i: Int) throws -> Bool { try args.bool(i, default: false) }
        func strings(_ args: Args, _ i: Int) throws -> [String] {
            try args.list(i).items.enumerated().map { j, v in
                guard case .string(let s) = v else { throw QuillError.type("metrics: \(args.paramName(i))[\(j)] must be a string, not \(v.typeName)") }
                return s.value
            }
        }
        func smoothing(_ args: Args, _ i: Int) throws -> BLEU.Smoothing {
            try MetricCatalog.smoothing(named: try args.string(i, default: "exp"), what: "metrics: smoothing")
        }
        func rouge(_ s: ROUGE.Score) -> Value {
            .map(MapObject([(.str("precision"), .float(s.precision)), (.str("recall"), .float(s.recall)), (.str("f"), .float(s.fmeasure))]))
        }
        let functions: [NativeFunction] = [
            texts("exact_match", ["normalize"], required: 2) { o, e, args in
                var n: TextMetrics.Normalization = .whitespace
                if args.has(2) {
                    let spec = MetricOptions(MapObject([(.str("normalize"), args[2])]), place: "metrics.exact_match()")
                    n = try MetricCatalog.normalizations(spec)
                }
                return .bool(TextMetrics.exactMatch(o, e, n))
            },
            texts("contains", ["ignore_case"]) { o, e, args in .bool(TextMetrics.contains(o, e, caseInsensitive: try ignoreCase(args, 2))) },
            texts("icontains") { o, e, _ in .bool(TextMetrics.contains(o, e, caseInsensitive: true)) },
            texts("starts_with", ["ignore_case"]) { o, e, args in .bool(TextMetrics.startsWith(o, e, caseInsensitive: try ignoreCase(args, 2))) },
            NativeFunction("metrics.contains_any", ["output", "values", "ignore_case"], required: 2) { args in
                .bool(TextMetrics.containsAny(try args.string(0), try strings(args, 1), caseInsensitive: try ignoreCase(args, 2)))
            },
            NativeFunction("metrics.contains_all", ["output", "values", "ignore_case"], required: 2) { args in
                .bool(TextMetrics.containsAll(try args.string(0), try strings(args, 1), caseInsensitive: try ignoreCase(args, 2)))
            },
            texts("token_f1") { o, e, _ in .float(TextMetrics.tokenF1(o, e)) },
            texts("bleu", ["smoothing"]) { o, e, args in .float(BLEU.unit(BLEU.sentence(o, e, smoothing: try smoothing(args, 2)))) },
            NativeFunction("metrics.corpus_bleu", ["outputs", "references", "smoothing"], required: 2) { args in
                let hyps = try strings(args, 0), refs = try strings(args, 1)
                guard hyps.count == refs.count else {
                    throw QuillError.value("metrics.corpus_bleu(): \(hyps.count) outputs but \(refs.count) references; give one reference per output")
                }
                return .float(BLEU.unit(BLEU.corpus(hyps, refs, smoothing: try smoothing(args, 2))))
            },
            texts("rouge1") { o, e, _ in .float(ROUGE.n(1, prediction: o, reference: e).fmeasure) },
            texts("rouge2") { o, e, _ in .float(ROUGE.n(2, prediction: o, reference: e).fmeasure) },
            texts("rouge_l") { o, e, _ in .float(ROUGE.l(prediction: o, reference: e).fmeasure) },
            texts("rouge") { o, e, _ in
                .map(MapObject([(.str("rouge1"), rouge(ROUGE.n(1, prediction: o, reference: e))),
                                (.str("rouge2"), rouge(ROUGE.n(2, prediction: o, reference: e))),
                                (.str("rouge_l"), rouge(ROUGE.l(prediction: o, reference: e)))]))
            },
            texts("levenshtein") { o, e, _ in .float(TextMetrics.levenshteinSimilarity(o, e)) },
            texts("edit_distance") { o, e, _ in .int(TextMetrics.levenshtein(o, e)) },
            NativeFunction("metrics.json_valid", ["output"]) { args in .bool(TextMetrics.jsonValid(try args.string(0))) },
            NativeFunction("metrics.schema_problems", ["output", "schema"]) { args in
                let schema = try JSONBridge.json(args[1], path: "schema")
                let problems: [String]
                if case .string(let s) = args[0] { problems = TextMetrics.schemaProblems(s.value, schema: schema) } else {
                    problems = JSONSchemaValidator.validate(try JSONBridge.json(args[0], path: "output"), against: schema)
                }
                return .list(ListObject(problems.map { .str($0) }))
            },
            NativeFunction("metrics.numeric", ["output", "expected", "tolerance", "relative"], required: 2) { args in
                let expected = try args.double(1)
                let output: String = if case .string(let s) = args[0] { s.value } else { String(try args.double(0)) }
                return .bool(TextMetrics.numericClose(output, expected, absolute: try args.double(2, default: 1e-6),
                                                      relative: try args.double(3, default: 0)))
            },
            NativeFunction("metrics.similarity", ["a", "b", "model"], required: 2) { args in
                let e = try embeddings(args, 2)
                let a = try args.string(0), b = try args.string(1)
                return .float(try args.vm.waiting { Embeddings.cosine(try e.vector(a), try e.vector(b)) })
            },
            NativeFunction("metrics.cosine", ["a", "b"]) { args in
                func vector(_ i: Int) throws -> [Float] {
                    try args.list(i).items.map {
                        switch $0 {
                        case .int(let n): return Float(n)
                        case .float(let d): return Float(d)
                        default: throw QuillError.type("metrics.cosine(): \(args.paramName(i)) must be a list of numbers")
                        }
                    }
                }
                let a = try vector(0), b = try vector(1)
                guard a.count == b.count, !a.isEmpty else {
                    throw QuillError.value("metrics.cosine(): the vectors must have the same, non-zero length (\(a.count) and \(b.count))")
                }
                return .float(Embeddings.cosine(a, b))
            },
        ]
        return NamespaceObject("metrics", Dictionary(uniqueKeysWithValues: functions.map {
            (String($0.name.dropFirst("metrics.".count)), Value.native($0))
        }))
    }
}

extension BLEU {
    /// A BLEU score on Quill's 0–1 scale: sacrebleu's 0–100 divided by 100, kept at most 1
    /// (a perfect match comes out of the floating-point products as 100.00000000000004).
    static func unit(_ score: Double) -> Double { min(1, score / 100) }
}
