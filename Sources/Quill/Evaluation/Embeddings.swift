import Foundation
import QuillEngine
import QuillLanguage
import QuillLLM

/// Text embeddings for evaluation, from the local core: the final hidden states of a GGUF
/// model, mean-pooled over the input's tokens and scaled to unit length
/// (`Transformer.embedding(of:)`, checked against llama.cpp's `--pooling mean`). The same text
/// is embedded once per evaluation (expected answers repeat across a matrix).
final class Embeddings: @unchecked Sendable {
    let model: LocalLanguageModel
    private let cache = Locked([String: [Float]]())

    init(_ model: any LanguageModel) throws {
        guard let local = model as? LocalLanguageModel else {
            throw QuillError.value("embeddings come from the local core: \(model.name) is a hosted model",
                                   hint: "use model(\"local\") or model(\"local:path/to/model.gguf\")")
        }
        self.model = local
    }

    func vector(_ text: String) throws -> [Float] {
        if let v = cache.withLock({ $0[text] }) { return v }
        // An empty text still has a meaning to compare (nothing was said): embed a space.
        var tokens = try model.tokenize(text.isEmpty ? " " : text)
        let limit = model.model.transformer.config.contextLength
        if tokens.count > limit { tokens = Array(tokens.prefix(limit)) }
        let v = try model.model.transformer.embedding(of: tokens)
        cache.withLock { $0[text] = v }
        return v
    }

    /// The cosine of the angle between two vectors (their dot product over their lengths).
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return .nan }
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot())
    }
}
