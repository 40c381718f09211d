/// A model's tokens as GGUF metadata lists them: piece text, kind, score, and the special ids.
public struct Vocabulary: Sendable {
    /// `tokenizer.ggml.token_type` values.
    public enum Kind: Int, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public let pieces: [String]
    public let kinds: [Kind]
    public let scores: [Float]
    /// Ids by their pieces' exact UTF-8 bytes.
    let table: TokenTable

    public let bos: Int?
    public let eos: Int?
    public let eot: Int?
    public let unknown: Int?
    public let addBOS: Bool
    public let addEOS: Bool
    /// Tokens that end a generation: EOS, EOT, EOM, and control tokens named like end markers.
    public let endOfGeneration: Set<Int>

    public var count: Int { pieces.count }

    init(file: GGUFFile) throws {
        guard let tokens = file[GGUFKey.tokens]?.array, !tokens.isEmpty else {
            throw ModelError("'\(file.path)' has no tokenizer (metadata key \(GGUFKey.tokens) is missing)")
        }
        pieces = tokens.map { $0.string ?? "" }
        let types = file[GGUFKey.tokenTypes]?.array?.map { Kind(rawValue: $0.int ?? 1) ?? .normal }
        kinds = types?.count == pieces.count ? types! : [Kind](repeating: .normal, count: pieces.count)
        let s = file[GGUFKey.scores]?.array?.map { Float($0.double ?? 0) }
        scores = s?.count == pieces.count ? s! : [Float](repeating: 0, count: pieces.count)
        table = TokenTable(pieces: pieces)

        let count = pieces.count
        func id(_ key: String) -> Int? {
            guard let v = file[key]?.int, v >= 0, v < count else { return nil }
            return v
        }
        bos = id(GGUFKey.bosID)
        eos = id(GGUFKey.eosID)
        eot = id(GGUFKey.eotID)
        unknown = id(GGUFKey.unknownID)
        let isSPM = file[GGUFKey.tokenizerModel]?.string == "llama"
        addBOS = file[GGUFKey.addBOS]?.int.map { $0 != 0 } ?? isSPM
        addEOS = file[GGUFKey.addEOS]?.int.map { $0 != 0 } ?? false
        var ends = Set([eos, eot, id(GGUFKey.eomID)].compactMap { $0 })
        let endNames: Set<String> = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "</s>", "<|end_of_text|>"]
        for (i, p) in pieces.enumerated() where kinds[i] == .control || kinds[i] == .userDefined {
            if endNames.contains(p) { ends.insert(i) }
        }
        endOfGeneration = ends
    }

    public func id(of piece: String) -> Int? { table.id(of: piece.utf8) }

    public func id(ofBytes piece: [UInt8]) -> Int? { table.id(of: piece) }

    /// Tokens matched in text before the model's own splitting: control and unknown tokens
    /// when special text is parsed, user-defined tokens always (llama.cpp's rule).
    func specialTokens(parseSpecial: Bool) -> [(piece: [UInt8], id: Int)] {
        var result: [(piece: [UInt8], id: Int)] = []
        for (i, kind) in kinds.enumerated() {
            let wanted = kind == .userDefined || (parseSpecial && (kind == .control || kind == .unknown))
            if wanted, !pieces[i].isEmpty { result.append((Array(pieces[i].utf8), i)) }
        }
        // Longest first, so `<|im_start|>` wins over any shorter token it contains.
        return result.sorted { $0.piece.count > $1.piece.count }
    }
}
