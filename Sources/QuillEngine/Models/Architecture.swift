/// What sets one decoder architecture apart, as data over the shared blocks of `Transformer`
/// (norms, attention, rope, gated feed-forward), in the spirit of llama.cpp's per-architecture
/// graph builders. Adding a llama-like architecture is adding a value here; a new kind of
/// block is a new field here plus the step that reads it in `Transformer.forward`. Optional
/// tensors every architecture may have (q/k/v biases, a separate output matrix) are used when
/// the file has them.
public struct Architecture: Sendable, Equatable {
    public enum RopeMode: Sendable, Equatable {
        /// Rotates adjacent pairs (x[2i], x[2i+1]) — llama.
        case normal
        /// Rotates the halves (x[i], x[i + d/2]) — GPT-NeoX, Qwen2, Gemma.
        case neox
    }

    /// The gated feed-forward's activation: `down(act(gate(x)) * up(x))`.
    public enum Activation: Sendable, Equatable {
        /// x · sigmoid(x) (SwiGLU).
        case silu
        /// GELU with the tanh approximation (GeGLU).
        case geluTanh
    }

    /// Which layers attend over a sliding window instead of the whole context.
    public enum WindowPattern: Sendable, Equatable {
        /// Every layer attends over everything.
        case none
        /// In each run of `period` layers the last is global and the others use the window
        /// (Gemma 3: period 6, so layers 5, 11, 17 … are global).
        case lastOfEvery(period: Int)

        func isWindowed(layer: Int) -> Bool {
            switch self {
            case .none: false
            case .lastOfEvery(let period): layer % period < period - 1
            }
        }
    }

    /// `general.architecture` as written in GGUF files.
    public let name: String
    public let ropeMode: RopeMode
    public let activation: Activation
    /// The token embeddings are multiplied by sqrt(embedding length) (Gemma).
    public let scalesEmbedding: Bool
    /// Each query and key head is RMS-normalized before rope (`attn_q_norm`, `attn_k_norm`).
    public let normalizesQKHeads: Bool
    /// The attention and feed-forward outputs are RMS-normalized before they join the
    /// residual stream (`post_attention_norm`, `post_ffw_norm`).
    public let normalizesBlockOutputs: Bool
    public let windowPattern: WindowPattern
    /// The rope base of the windowed layers, when the file stores only the global one.
    public let windowedRopeBase: Float?

    public static let llama = Architecture(
        name: "llama", ropeMode: .normal, activation: .silu, scalesEmbedding: false, normalizesQKHeads: false,
        normalizesBlockOutputs: false, windowPattern: .none, windowedRopeBase: nil)

    public static let qwen2 = Architecture(
        name: "qwen2", ropeMode: .neox, activation: .silu, scalesEmbedding: false, normalizesQKHeads: false,
        normalizesBlockOutputs: false, windowPattern: .none, windowedRopeBase: nil)

    /// Gemma 3's converter already adds Gemma's "+1" to every norm weight, so plain RMSNorm
    /// applies; the windowed layers' rope base (10,000) is a constant of the architecture
    /// that the files do not store.
    public static let gemma3 = Architecture(
        name: "gemma3", ropeMode: .neox, activation: .geluTanh, scalesEmbedding: true, normalizesQKHeads: true,
        normalizesBlockOutputs: true, windowPattern: .lastOfEvery(period: 6),
        windowedRopeBase: 10_000)

    /// Every architecture the engine runs, in the order error messages list them.
    public static let all: [Architecture] = [.llama, .qwen2, .gemma3]

    public static func named(_ name: String) -> Architecture? { all.first { $0.name == name } }
}
