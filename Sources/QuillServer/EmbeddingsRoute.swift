import Foundation
import Hummingbird
import QuillEngine

/// `POST /v1/embeddings`: OpenAI's embeddings over a local model — each input's final hidden
/// states, mean-pooled and scaled to unit length (`Transformer.embedding(of:)`).
///
/// `encoding_format` is `float` (a JSON array) or `base64` (the vector's little-endian float32
/// bytes, which the official SDK asks for by default and decodes itself).
struct EmbeddingsRoute {
    let state: ServerState

    /// Inputs per request at most (OpenAI's limit).
    static let maxInputs = 2048

    func handle(_ request: Request) async throws -> Response {
        let body = try await RequestFields.read(request, limit: state.configuration.maxBodyBytes)
        let modelID = try body.requiredString("model", "name a served model (GET /v1/models lists them)")
        let format = try body.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError.invalidField("encoding_format", "must be float or base64, got '\(format)'")
        }
        let entry = try state.registry.resolve(modelID)
        let transformer = entry.engine.transformer
        if let dimensions = try body.int("dimensions", in: 1...1_000_000), dimensions != transformer.config.embeddingLength {
            throw APIError.invalidField("dimensions", "the model '\(entry.id)' makes vectors of \(transformer.config.embeddingLength) dimensions; drop 'dimensions' or set it to that")
        }
        let inputs = try Self.inputs(body, tokenizer: entry.engine.tokenizer, vocabularySize: transformer.config.vocabularySize)
        let context = transformer.config.contextLength
        for (i, tokens) in inputs.enumerated() where tokens.count > context {
            throw APIError(.badRequest, "'input\(inputs.count > 1 ? "[\(i)]" : "")' takes \(tokens.count) tokens; the model '\(entry.id)' reads at most \(context): shorten it",
                           param: "input", code: "context_length_exceeded")
        }

        let started = MonotonicClock.now()
        // The forward passes block their thread (and wait for the model's generation passes to
        // take turns), so they run off the server's event loops.
        let vectors: [[Float]] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try inputs.map { try transformer.embedding(of: $0) } })
            }
        }
        let tokens = inputs.reduce(0) { $0 + $1.count }
        let labels: ServerMetrics.Labels = [("gen_ai_operation_name", "embeddings"), ("gen_ai_request_model", entry.id)]
        state.metrics.increment(ServerMetrics.tokenUsage, labels + [("gen_ai_token_type", "input")], by: Double(tokens))
        state.metrics.observe(ServerMetrics.operationDuration, labels, MonotonicClock.now() - started)

        let data: [JSONValue] = vectors.enumerated().map { index, vector in
            .object([("object", .string("embedding")), ("index", .int(index)),
                     ("embedding", format == "base64" ? .string(Self.base64(vector)) : .array(vector.map { Self.number($0) }))])
        }
        return .json(.object([
            ("object", .string("list")), ("data", .array(data)), ("model", .string(entry.id)),
            ("usage", .object([("prompt_tokens", .int(tokens)), ("total_tokens", .int(tokens))])),
        ]))
    }

    /// The token sequences to embed: `input` is a string, a list of strings, a list of token
    /// ids, or a list of such lists. Text is tokenized as written (special-token text stays text).
    static func inputs(_ body: RequestFields, tokenizer: Tokenizer, vocabularySize: Int) throws -> [[Int]] {
        func encode(_ text: String, _ field: String) throws -> [Int] {
            guard !text.isEmpty else { throw APIError.invalidField(field, "must not be empty") }
            return tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        }
        func ids(_ items: [JSONValue], _ field: String) throws -> [Int] {
            guard !items.isEmpty else { throw APIError.invalidField(field, "must not be empty") }
            return try items.enumerated().map { i, item in
                guard case .int(let id) = item, (0..<vocabularySize).contains(id) else {
                    throw APIError.invalidField("\(field)[\(i)]", "must be a token id from 0 to \(vocabularySize - 1), got \(RequestFields.kind(of: item))")
                }
                return id
            }
        }
        switch body["input"] {
        case nil:
            throw APIError.missingField("input", "give the text to embed (a string or a list of strings)")
        case .string(let s)?:
            return [try encode(s, "input")]
        case .array(let items)?:
            guard !items.isEmpty else { throw APIError.invalidField("input", "must hold at least one input") }
            guard items.count <= maxInputs else {
                throw APIError.invalidField("input", "at most \(maxInputs) inputs per request, got \(items.count)")
            }
            if case .int = items[0] { return [try ids(items, "input")] }
            return try items.enumerated().map { i, item in
                switch item {
                case .string(let s): return try encode(s, "input[\(i)]")
                case .array(let inner): return try ids(inner, "input[\(i)]")
                default: throw APIError.invalidField("input[\(i)]", "must be a string, got \(RequestFields.kind(of: item))")
                }
            }
        case let other?:
            throw body.wrongType("input", "a string or a list of strings", other)
        }
    }

    /// The vector's float32 values, little-endian, in base64.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// A float as JSON in its own shortest form (a Double's expansion would double the size).
    static func number(_ value: Float) -> JSONValue {
        .double(Double("\(value)") ?? Double(value))
    }
}
