import ArgumentParser
import Foundation
import QuillEngine

extension KVCacheType: ExpressibleByArgument {}

/// Options every engine command shares: which model, how many threads, the KV cache's type.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "A model name (smollm2, …), a GGUF path, or an http(s) URL. Default: smollm2.")
    var model: String = ModelCatalog.defaultModelName

    @Option(name: .shortAndLong, help: "Threads for inference (default: every core).")
    var threads: Int?

    @Option(name: .customLong("kv-type"), help: "The KV cache's element type: f32 (exact; the default) or f16 (half the memory). Default: $QUILL_KV_CACHE_TYPE, else f32.")
    var kvType: KVCacheType?

    /// The cache type asked for: the option, else the environment's.
    func cacheType() throws -> KVCacheType {
        try kvType ?? KVCacheType.fromEnvironment()
    }

    /// Maps the model file, fetching a catalog model on first use.
    func openFile() throws -> GGUFFile {
        try GGUFFile(path: try ModelResolver.resolve(model))
    }

    func loadTransformer(exactF32: Bool = false) throws -> Transformer {
        try Transformer(file: try openFile(), threads: threads, exactF32: exactF32, cacheType: try cacheType())
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the token ids of a text, as llama-tokenize does.")

    @OptionGroup var options: ModelOptions

    @Flag(help: "Print each token's id and text instead of the id list.")
    var pieces = false

    @Flag(name: .customLong("no-bos"), help: "Do not add the BOS/EOS tokens the model asks for.")
    var noBOS = false

    @Flag(name: .customLong("no-parse-special"), help: "Tokenize special-token text such as <|im_start|> as plain text.")
    var noParseSpecial = false

    @Argument(help: "The text to tokenize.")
    var text: String

    func run() throws {
        let tokenizer = try Tokenizer(file: try options.openFile())
        if let warning = tokenizer.warning { printError("quill: warning: \(warning)\n") }
        let ids = tokenizer.encode(text, addSpecial: !noBOS, parseSpecial: !noParseSpecial)
        if pieces {
            for id in ids {
                let piece = String(decoding: tokenizer.bytes(of: id, renderSpecial: true), as: UTF8.self)
                print(String(format: "%6d -> '%@'", id, piece))
            }
        } else {
            print("[" + ids.map(String.init).joined(separator: ", ") + "]")
        }
    }
}

struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Feed a token sequence (teacher forcing) and print each position's top next-token logits as JSON lines.")

    @OptionGroup var options: ModelOptions

    @Option(help: "Comma-separated token ids.")
    var tokens: String

    @Option(help: "How many logits to print per position.")
    var top: Int = 10

    @Flag(name: .customLong("exact-f32"), help: "Dequantize every weight to f32 and skip activation quantization.")
    var exactF32 = false

    func run() throws {
        let ids = try tokens.split(separator: ",").map { field -> Int in
            guard let id = Int(field.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--tokens: '\(field)' is not a token id")
            }
            return id
        }
        let transformer = try options.loadTransformer(exactF32: exactF32)
        let state = transformer.makeState(contextLength: max(ids.count, 1))
        var out = ""
        try transformer.evaluate(ids, state: state) { position, logits in
            let best = TopK.indices(logits, count: top)
            let items = best.map { "[\($0),\(jsonNumber(logits[$0]))]" }.joined(separator: ",")
            out += "{\"pos\":\(position),\"top\":[\(items)]}\n"
        }
        FileHandle.standardOutput.write(out.data(using: .utf8)!)
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt with a local model, streaming tokens.")

    @OptionGroup var options: ModelOptions

    @Flag(help: "Treat the prompt as a user message in the model's chat format.")
    var chat = false

    @Option(help: "Sampling temperature (0: greedy).")
    var temp: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: all).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass.")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Drop tokens below this fraction of the best token's probability.")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1: off).")
    var repeatPenalty: Float = 1.0

    @Option(help: "Random seed (same seed, same output).")
    var seed: UInt64?

    @Option(name: .customLong("max-tokens"), help: "Tokens to generate at most.")
    var maxTokens: Int = 128

    @Option(help: "Stop when this text appears (repeatable).")
    var stop: [String] = []

    @Option(help: "A system message (with --chat).")
    var system: String?

    @Flag(help: "Print timing figures to standard error at the end.")
    var verbose = false

    @Argument(help: "The prompt.")
    var prompt: String

    func run() throws {
        let model = try LocalModel(path: try ModelResolver.resolve(options.model), threads: options.threads,
                                   cacheType: try options.cacheType())
        if chat, let warning = model.chatTemplate.warning { printError("quill: note: \(warning)\n") }
        if let warning = model.tokenizer.warning { printError("quill: warning: \(warning)\n") }
        var generation = GenerationOptions()
        generation.sampling.temperature = temp
        generation.sampling.topK = topK
        generation.sampling.topP = topP
        generation.sampling.minP = minP
        generation.sampling.repetitionPenalty = repeatPenalty
        generation.sampling.seed = seed
        generation.maxTokens = maxTokens
        generation.stop = stop
        let onPiece: (GeneratedPiece) -> Bool = { piece in
            FileHandle.standardOutput.write(piece.text.data(using: .utf8)!)
            return true
        }
        let result: GenerationResult
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: prompt))
            result = try model.generate(chat: messages, options: generation, onPiece: onPiece)
        } else {
            result = try model.generate(prompt: prompt, options: generation, onPiece: onPiece)
        }
        print("")
        if verbose {
            let n = result.tokens.count
            printError(String(format: "quill: load %.0f ms, prompt %d tokens in %.0f ms (%.1f t/s), generated %d tokens in %.0f ms (%.1f t/s), KV cache %.1f MiB, finish: %@\n",
                              model.loadSeconds * 1000, result.promptTokens, result.promptSeconds * 1000,
                              Double(result.promptTokens) / max(result.promptSeconds, 1e-9), n, result.generationSeconds * 1000,
                              Double(n) / max(result.generationSeconds, 1e-9), Double(result.cacheBytes) / 1_048_576,
                              result.finishReason.rawValue))
        }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure prompt processing and generation speed, like llama-bench.")

    @OptionGroup var options: ModelOptions

    @Option(name: .short, help: "Prompt lengths to measure, comma-separated.")
    var p: String = "128,512"

    @Option(name: .short, help: "Tokens to generate.")
    var n: Int = 64

    @Option(name: .short, help: "Context depths to measure generation at, comma-separated: the -n tokens are generated after this many tokens of context (as llama-bench's -d).")
    var d: String = "0"

    @Option(name: .short, help: "Also measure generation for this many sequences decoded together (aggregate tokens/s).")
    var b: Int = 0

    @Option(name: .short, help: "Repetitions of each test (the mean and deviation are reported).")
    var r: Int = 3

    @Option(help: "Also measure time to first token of a request whose first N tokens another request already read (prefix caching), against one whose prefix is new.")
    var prefix: Int = 0

    @Flag(help: "Print one JSON object per test instead of a table.")
    var json = false

    func run() throws {
        func counts(_ list: String, _ flag: String) throws -> [Int] {
            try list.split(separator: ",").map { field -> Int in
                guard let v = Int(field), v >= 0 else { throw ValidationError("\(flag): '\(field)' is not a token count") }
                return v
            }
        }
        let prompts = try counts(p, "-p"), depths = try counts(d, "-d")
        let model = try LocalModel(path: try ModelResolver.resolve(options.model), threads: options.threads,
                                   cacheType: try options.cacheType())
        let transformer = model.transformer
        let c = transformer.config
        let file = transformer.file
        let sizeMB = Double(file.fileSize) / 1_048_576
        var results: [(test: String, rates: [Double])] = []
        // Tokens are arbitrary ids: speed does not depend on which tokens they are.
        let tokens = (0..<max(prompts.max() ?? 0, depths.max() ?? 0, 1)).map { ($0 * 7919 + 13) % c.vocabularySize }
        for length in prompts where length > 0 {
            var rates: [Double] = []
            for _ in 0..<(r + 1) {
                let state = transformer.makeState(contextLength: length)
                let start = MonotonicClock.now()
                try transformer.evaluate(Array(tokens.prefix(length)), state: state)
                rates.append(Double(length) / (MonotonicClock.now() - start))
            }
            results.append(("pp\(length)", Array(rates.dropFirst())))
        }
        for depth in depths where n > 0 {
            // The context (at least one token) is read untimed, then n tokens are decoded.
            let context = Array(tokens.prefix(max(depth, 1)))
            var rates: [Double] = []
            for _ in 0..<(r + 1) {
                let state = transformer.makeState(contextLength: context.count + n)
                try transformer.evaluate(context, state: state)
                let start = MonotonicClock.now()
                var token = 1
                for _ in 0..<n {
                    try transformer.evaluate([token], state: state)
                    token = TopK.indices(state.lastLogits, count: 1).first ?? 0  // none: a row of NaNs
                }
                rates.append(Double(n) / (MonotonicClock.now() - start))
            }
            results.append((depth > 0 ? "tg\(n)@d\(depth)" : "tg\(n)", Array(rates.dropFirst())))
        }
        if n > 0, b > 1 {
            var rates: [Double] = []
            for _ in 0..<(r + 1) {
                let states = (0..<b).map { _ in transformer.makeState(contextLength: n + 1) }
                for (i, state) in states.enumerated() { try transformer.evaluate([(i * 7919 + 13) % c.vocabularySize], state: state) }
                let start = MonotonicClock.now()
                for _ in 0..<n {
                    try transformer.evaluate(batch: states.map { (TopK.indices($0.lastLogits, count: 1).first ?? 0, $0) })
                }
                rates.append(Double(n * b) / (MonotonicClock.now() - start))
            }
            results.append(("tg\(n)x\(b)", Array(rates.dropFirst())))
        }
        var ttft: [(test: String, milliseconds: [Double])] = []
        if prefix > 0 {
            // Through the scheduler, as requests arrive: a new prefix, then the same prefix with
            // another question (16 tokens each). Each round uses prefixes no earlier round saw.
            var options = GenerationOptions()
            options.sampling = .greedy
            options.maxTokens = 1
            var uncached: [Double] = [], cached: [Double] = []
            for round in 0..<(r + 1) {
                func ids(_ count: Int, _ seed: Int) -> [Int] { (0..<count).map { ($0 * 7919 + seed * 104_729 + 13) % c.vocabularySize } }
                let shared = ids(prefix, 2 * round + 1)
                let first = try model.generate(tokens: shared + ids(16, 1000 + round), options: options) { _ in true }
                let second = try model.generate(tokens: shared + ids(16, 2000 + round), options: options) { _ in true }
                guard round > 0 else { continue }
                uncached.append(first.promptSeconds * 1000)
                cached.append(second.promptSeconds * 1000)
                if second.cachedPromptTokens < prefix {
                    throw ValidationError("the second request reused \(second.cachedPromptTokens) of \(prefix) prefix tokens")
                }
            }
            ttft = [("ttft\(prefix)+16", uncached), ("ttft\(prefix)+16_cached", cached)]
        }
        let name = "\(c.name) \(file.tensor(named: "blk.0.attn_q.weight")?.type.name ?? "")"
        if !json {
            print("| model | size | threads | test | t/s |")
            print("| --- | ---: | ---: | ---: | ---: |")
        }
        if json {
            print("{\"model\":\"\(name)\",\"test\":\"load\",\"milliseconds\":\(model.loadSeconds * 1000)}")
        } else {
            print(String(format: "| %@ | %.1f MiB | %d | load | %.0f ms |", name, sizeMB, transformer.pool.threadCount, model.loadSeconds * 1000))
        }
        for (test, rates) in results {
            let mean = rates.reduce(0, +) / Double(rates.count)
            let sd = (rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(rates.count - 1, 1))).squareRoot()
            if json {
                print("{\"model\":\"\(name)\",\"threads\":\(transformer.pool.threadCount),\"test\":\"\(test)\",\"tokens_per_second\":\(mean),\"stddev\":\(sd)}")
            } else {
                print(String(format: "| %@ | %.1f MiB | %d | %@ | %.2f ± %.2f |", name, sizeMB, transformer.pool.threadCount, test, mean, sd))
            }
        }
        for (test, times) in ttft {
            let mean = times.reduce(0, +) / Double(times.count)
            if json {
                print("{\"model\":\"\(name)\",\"threads\":\(transformer.pool.threadCount),\"test\":\"\(test)\",\"milliseconds\":\(mean)}")
            } else {
                print(String(format: "| %@ | %.1f MiB | %d | %@ | %.1f ms |", name, sizeMB, transformer.pool.threadCount, test, mean))
            }
        }
    }
}

/// A logit in a JSON line: the shortest text that reads back as the same float.
private func jsonNumber(_ v: Float) -> String {
    v.isFinite ? String(Double(v)) : "null"
}
