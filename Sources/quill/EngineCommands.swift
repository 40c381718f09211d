import ArgumentParser
import Foundation
import QuillEngine

/// Options every engine command shares: which model, how many threads.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "A model name (smollm2, …), a GGUF path, or an http(s) URL. Default: smollm2.")
    var model: String = ModelCatalog.defaultModelName

    @Option(name: .shortAndLong, help: "Threads for inference (default: every core).")
    var threads: Int?

    /// Maps the model file, fetching a catalog model on first use.
    func openFile() throws -> GGUFFile {
        try GGUFFile(path: try ModelResolver.resolve(model))
    }

    func loadTransformer(exactF32: Bool = false) throws -> Transformer {
        try Transformer(file: try openFile(), threads: threads, exactF32: exactF32)
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
            let items = best.map { "[\($0),\(JSONNumber.format(logits[$0]))]" }.joined(separator: ",")
            out += "{\"pos\":\(position),\"top\":[\(items)]}\n"
        }
        FileHandle.standardOutput.write(out.data(using: .utf8)!)
    }
}
