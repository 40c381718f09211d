import Foundation

/// Text to token ids and back, built from a GGUF file's tokenizer metadata.
///
/// Two models: byte-level BPE (`tokenizer.ggml.model = gpt2`, with a pre-tokenizer chosen by
/// `tokenizer.ggml.pre`) and SentencePiece-style (`llama`: score-driven merges with byte
/// fallback). Special-token text is matched first, as llama.cpp does, so `<|im_start|>`
/// in a prompt becomes its one control token.
public final class Tokenizer: @unchecked Sendable {
    public enum Model: Sendable, Equatable {
        case bytePairEncoding(PreTokenizer.Style)
        case sentencePiece
    }

    public let vocabulary: Vocabulary
    public let model: Model
    /// `tokenizer.ggml.pre`, as named by the file.
    public let preTokenizerName: String?
    /// Set when the file names a pre-tokenizer the engine does not know (gpt2's split is used).
    public let warning: String?
    let addSpacePrefix: Bool
    /// Byte-level BPE merges: (left id, right id) packed → (rank, merged id).
    private let merges: [Int64: (rank: Int32, merged: Int32)]
    private let preTokenizer: PreTokenizer?
    private let specialsParsed: SpecialTokenMatcher
    private let specialsUnparsed: SpecialTokenMatcher
    /// SentencePiece byte-fallback tokens `<0xXX>`, by byte.
    private let byteTokens: [Int?]

    public init(file: GGUFFile) throws {
        let vocabulary = try Vocabulary(file: file)
        self.vocabulary = vocabulary
        let kind = file[GGUFKey.tokenizerModel]?.string ?? "gpt2"
        preTokenizerName = file[GGUFKey.tokenizerPre]?.string
        switch kind {
        case "gpt2":
            let (style, known) = PreTokenizer.style(forPre: preTokenizerName)
            model = .bytePairEncoding(style)
            preTokenizer = PreTokenizer(style: style)
            warning = known ? nil : "unknown pre-tokenizer '\(preTokenizerName ?? "")'; using gpt2's split (tokens may differ from llama.cpp)"
            var merges: [Int64: (rank: Int32, merged: Int32)] = [:]
            let list = file[GGUFKey.merges]?.array ?? []
            merges.reserveCapacity(list.count)
            for (rank, entry) in list.enumerated() {
                guard let text = entry.string, let space = text.firstIndex(of: " ") else { continue }
                let left = String(text[..<space]), right = String(text[text.index(after: space)...])
                guard let l = vocabulary.id(of: left), let r = vocabulary.id(of: right),
                      let m = vocabulary.id(of: left + right) else { continue }
                let key = Int64(l) << 32 | Int64(r)
                if merges[key] == nil { merges[key] = (Int32(rank), Int32(m)) }
            }
            self.merges = merges
            addSpacePrefix = false
        case "llama":
            model = .sentencePiece
            preTokenizer = nil
            warning = nil
            merges = [:]
            addSpacePrefix = file[GGUFKey.addSpacePrefix]?.int.map { $0 != 0 } ?? true
        default:
            throw ModelError("tokenizer model '\(kind)' is not supported (supported: gpt2 byte-level BPE, llama SentencePiece)")
        }
        specialsParsed = SpecialTokenMatcher(vocabulary.specialTokens(parseSpecial: true))
        specialsUnparsed = SpecialTokenMatcher(vocabulary.specialTokens(parseSpecial: false))
        byteTokens = (0..<256).map { vocabulary.id(of: String(format: "<0x%02X>", $0)) }
    }

    /// Token ids for `text`. `addSpecial` adds BOS/EOS as the file asks; `parseSpecial`
    /// turns control-token text such as `<|im_start|>` into those tokens.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int] {
        var ids: [Int] = []
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bos { ids.append(bos) }
        var previousWasSpecial = true
        for fragment in (parseSpecial ? specialsParsed : specialsUnparsed).partition(text) {
            switch fragment {
            case .token(let id):
                ids.append(id)
                previousWasSpecial = true
            case .text(let s):
                switch model {
                case .bytePairEncoding: encodeBPE(s, into: &ids)
                case .sentencePiece:
                    encodeSentencePiece(addSpacePrefix && previousWasSpecial ? " " + s : s, into: &ids)
                }
                previousWasSpecial = false
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eos { ids.append(eos) }
        return ids
    }

    /// The bytes token `id` stands for. Control tokens are empty unless `renderSpecial`.
    public func bytes(of id: Int, renderSpecial: Bool = false) -> [UInt8] {
        guard id >= 0, id < vocabulary.count else { return [] }
        let piece = vocabulary.pieces[id]
        switch vocabulary.kinds[id] {
        case .control, .unknown, .unused:
            return renderSpecial ? Array(piece.utf8) : []
        case .userDefined:
            return Array(piece.utf8)
        case .byte:
            if piece.count == 6, piece.hasPrefix("<0x"), let b = UInt8(piece.dropFirst(3).prefix(2), radix: 16) { return [b] }
            return Array(piece.utf8)
        case .normal, .undefined:
            var out: [UInt8] = []
            switch model {
            case .bytePairEncoding: ByteLevel.decode(piece, into: &out)
            case .sentencePiece: out = Array(piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
            return out
        }
    }

    /// The text of a token sequence (invalid UTF-8 is repaired).
    public func decode(_ ids: [Int], renderSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes.append(contentsOf: self.bytes(of: id, renderSpecial: renderSpecial)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func encodeBPE(_ text: String, into ids: inout [Int]) {
        for word in preTokenizer!.split(text) {
            var symbols: [Int] = []
            for scalar in ByteLevel.encode(word.utf8).unicodeScalars {
                if let id = vocabulary.id(of: String(scalar)) { symbols.append(id) }
            }
            while symbols.count > 1 {
                var best = -1
                var bestRank = Int32.max, bestMerged: Int32 = 0
                for i in 0..<(symbols.count - 1) {
                    if let m = merges[Int64(symbols[i]) << 32 | Int64(symbols[i + 1])], m.rank < bestRank {
                        best = i
                        bestRank = m.rank
                        bestMerged = m.merged
                    }
                }
                if best < 0 { break }
                symbols[best] = Int(bestMerged)
                symbols.remove(at: best + 1)
            }
            ids.append(contentsOf: symbols)
        }
    }

    private func encodeSentencePiece(_ text: String, into ids: inout [Int]) {
        // Symbols are byte strings, compared exactly (see `Vocabulary.ids`).
        var symbols: [[UInt8]] = text.replacingOccurrences(of: " ", with: "\u{2581}").unicodeScalars.map { Array(String($0).utf8) }
        // Merge the adjacent pair whose joined text is the highest-scoring token; leftmost on ties.
        while symbols.count > 1 {
            var best = -1
            var bestScore = -Float.infinity
            for i in 0..<(symbols.count - 1) {
                if let id = vocabulary.id(ofBytes: symbols[i] + symbols[i + 1]), vocabulary.scores[id] > bestScore {
                    best = i
                    bestScore = vocabulary.scores[id]
                }
            }
            if best < 0 { break }
            symbols[best] += symbols[best + 1]
            symbols.remove(at: best + 1)
        }
        for s in symbols {
            if let id = vocabulary.id(ofBytes: s) {
                ids.append(id)
            } else {
                for b in s {
                    if let id = byteTokens[Int(b)] ?? vocabulary.unknown { ids.append(id) }
                }
            }
        }
    }
}
