/// The weights of a decoder (llama, qwen2, gemma3), found by their GGUF tensor names and checked
/// against the hyperparameters. Shapes are written (rows, columns): a weight maps
/// `columns` inputs to `rows` outputs.
struct TransformerWeights: @unchecked Sendable {
    struct Layer {
        var attentionNorm: UnsafePointer<Float>   // (d)
        var wq: WeightMatrix                      // (n_heads * head_dim, d)
        var wk: WeightMatrix                      // (n_kv_heads * head_dim, d)
        var wv: WeightMatrix                      // (n_kv_heads * head_dim, d)
        var wo: WeightMatrix                      // (d, n_heads * head_dim)
        var bq: UnsafePointer<Float>?             // (n_heads * head_dim), qwen2
        var bk: UnsafePointer<Float>?             // (n_kv_heads * head_dim), qwen2
        var bv: UnsafePointer<Float>?             // (n_kv_heads * head_dim), qwen2
        var qNorm: UnsafePointer<Float>?          // (head_dim), per head, gemma3
        var kNorm: UnsafePointer<Float>?          // (head_dim), per head, gemma3
        var postAttentionNorm: UnsafePointer<Float>? // (d), gemma3
        var ffnNorm: UnsafePointer<Float>         // (d)
        var gate: WeightMatrix                    // (ffn, d)
        var up: WeightMatrix                      // (ffn, d)
        var down: WeightMatrix                    // (d, ffn)
        var postFFNNorm: UnsafePointer<Float>?    // (d), gemma3
    }

    var tokenEmbedding: WeightMatrix              // (vocab, d)
    var layers: [Layer]
    var outputNorm: UnsafePointer<Float>          // (d)
    var output: WeightMatrix                      // (vocab, d), the embedding when tied

    /// f32 copies owned by these weights (the exact-f32 path, or F16 norm vectors).
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    /// Finds and checks every tensor. With `dequantizeAll`, every matrix is converted to f32
    /// (the exact path used to compare against llama.cpp's F32 run).
    init(file: GGUFFile, config c: ModelConfig, dequantizeAll: Bool) throws {
        var owned: [UnsafeMutableBufferPointer<Float>] = []
        func info(_ name: String) throws -> TensorInfo {
            guard let t = file.tensor(named: name) else {
                throw ModelError("'\(file.path)': tensor '\(name)' is missing (is this a \(c.architecture.name) model?)")
            }
            guard t.type.isSupported else {
                throw ModelError("'\(file.path)': tensor '\(name)' has type \(t.type.name), which is not supported (supported: \(GGMLType.supported.map(\.name).joined(separator: ", ")))")
            }
            return t
        }
        func f32Copy(_ t: TensorInfo) -> UnsafeMutableBufferPointer<Float> {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: t.elementCount)
            Dequantize.row(t.type, file.data(of: t), into: buffer.baseAddress!, count: t.elementCount)
            owned.append(buffer)
            return buffer
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            let t = try info(name)
            guard t.shape.count == 2, t.shape[0] == columns, t.shape[1] == rows else {
                throw ModelError("'\(file.path)': tensor '\(name)' has shape \(t.shape), expected [\(columns), \(rows)]")
            }
            if dequantizeAll && t.type != .f32 {
                return WeightMatrix(name: name, type: .f32, rows: rows, columns: columns, data: UnsafeRawPointer(f32Copy(t).baseAddress!))
            }
            return WeightMatrix(name: name, type: t.type, rows: rows, columns: columns, data: file.data(of: t))
        }
        func vector(_ name: String, count: Int) throws -> UnsafePointer<Float> {
            let t = try info(name)
            guard t.elementCount == count, t.shape.count == 1 else {
                throw ModelError("'\(file.path)': tensor '\(name)' has shape \(t.shape), expected [\(count)]")
            }
            if t.type == .f32 { return file.data(of: t).assumingMemoryBound(to: Float.self) }
            return UnsafePointer(f32Copy(t).baseAddress!)
        }
        func optionalVector(_ name: String, count: Int) throws -> UnsafePointer<Float>? {
            file.tensor(named: name) == nil ? nil : try vector(name, count: count)
        }

        func vector(_ name: String, count: Int, if required: Bool) throws -> UnsafePointer<Float>? {
            required ? try vector(name, count: count) : nil
        }

        let d = c.embeddingLength, q = c.headCount * c.headDimension, kv = c.headCountKV * c.headDimension
        let arch = c.architecture
        let embedding = try matrix("token_embd.weight", rows: c.vocabularySize, columns: d)
        tokenEmbedding = embedding
        layers = try (0..<c.layerCount).map { i in
            let p = "blk.\(i)."
            return Layer(
                attentionNorm: try vector(p + "attn_norm.weight", count: d),
                wq: try matrix(p + "attn_q.weight", rows: q, columns: d),
                wk: try matrix(p + "attn_k.weight", rows: kv, columns: d),
                wv: try matrix(p + "attn_v.weight", rows: kv, columns: d),
                wo: try matrix(p + "attn_output.weight", rows: d, columns: q),
                bq: try optionalVector(p + "attn_q.bias", count: q),
                bk: try optionalVector(p + "attn_k.bias", count: kv),
                bv: try optionalVector(p + "attn_v.bias", count: kv),
                qNorm: try vector(p + "attn_q_norm.weight", count: c.headDimension, if: arch.normalizesQKHeads),
                kNorm: try vector(p + "attn_k_norm.weight", count: c.headDimension, if: arch.normalizesQKHeads),
                postAttentionNorm: try vector(p + "post_attention_norm.weight", count: d, if: arch.normalizesBlockOutputs),
                ffnNorm: try vector(p + "ffn_norm.weight", count: d),
                gate: try matrix(p + "ffn_gate.weight", rows: c.feedForwardLength, columns: d),
                up: try matrix(p + "ffn_up.weight", rows: c.feedForwardLength, columns: d),
                down: try matrix(p + "ffn_down.weight", rows: d, columns: c.feedForwardLength),
                postFFNNorm: try vector(p + "post_ffw_norm.weight", count: d, if: arch.normalizesBlockOutputs))
        }
        outputNorm = try vector("output_norm.weight", count: d)
        output = file.tensor(named: "output.weight") == nil
            ? embedding
            : try matrix("output.weight", rows: c.vocabularySize, columns: d)
        self.owned = owned
    }

    /// Frees the f32 copies; called once by the owning transformer.
    func release() {
        for buffer in owned { buffer.deallocate() }
    }

    /// Every matrix, for sizing scratch buffers.
    var matrices: [WeightMatrix] {
        [tokenEmbedding, output] + layers.flatMap { [$0.wq, $0.wk, $0.wv, $0.wo, $0.gate, $0.up, $0.down] }
    }
}
