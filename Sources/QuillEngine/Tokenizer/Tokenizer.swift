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
    /// Byte-level BPE: the token spelling each byte's alphabet code point, by byte (-1: none).
    private let byteSymbols: [Int32]

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
            merges = Self.merges(file[GGUFKey.merges]?.array ?? [], vocabulary.table)
            byteSymbols = ByteLevel.encoder.map { vocabulary.id(of: String($0)).map(Int32.init) ?? -1 }
            addSpacePrefix = false
        case "llama":
            model = .sentencePiece
            preTokenizer = nil
            warning = nil
            merges = [:]
            byteSymbols = []
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
            case .sentencePiece: Self.unescapeSpaces(piece, into: &out)
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

    /// A SentencePiece piece's bytes with each U+2581 (E2 96 81) turned back into a space, as
    /// llama.cpp replaces them: bytes, not characters, so a following combining mark does not
    /// hide one.
    private static func unescapeSpaces(_ piece: String, into out: inout [UInt8]) {
        var piece = piece
        piece.withUTF8 { utf8 in
            out.reserveCapacity(utf8.count)
            var i = 0
            while i < utf8.count {
                if utf8[i] == 0xE2, i + 2 < utf8.count, utf8[i + 1] == 0x96, utf8[i + 2] == 0x81 {
                    out.append(0x20)
                    i += 3
                } else {
                    out.append(utf8[i])
                    i += 1
                }
            }
        }
    }

    /// Byte-level BPE merges from the file's "left right" list, by rank: (left id, right id)
    /// packed → (rank, merged id). As llama.cpp splits them: at the first space after the
    /// first byte; entries whose parts or whose join are not tokens are skipped.
    private static func merges(_ list: [GGUFValue], _ table: TokenTable) -> [Int64: (rank: Int32, merged: Int32)] {
        var merges: [Int64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(list.count)
        var joined: [UInt8] = []
        for (rank, entry) in list.enumerated() {
            guard var text = entry.string else { continue }
            text.withUTF8 { utf8 in
                guard utf8.count > 2, let space = utf8[1...].firstIndex(of: 0x20) else { return }
                let left = UnsafeBufferPointer(rebasing: utf8[..<space]), right = UnsafeBufferPointer(rebasing: utf8[(space + 1)...])
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: left)
                joined.append(contentsOf: right)
                guard let l = table.id(of: left), let r = table.id(of: right), let m = table.id(of: joined) else { return }
                let key = Int64(l) << 32 | Int64(r)
                if merges[key] == nil { merges[key] = (Int32(rank), Int32(m)) }
            }
        }
        return merges
    }

    func encodeBPE(_ text: String, into ids: inout [Int]) {
        var merger = PairMerger()
        for word in preTokenizer!.split(text) {
            merger.reset()
            // Bytes whose code point is not a token are left out, so their neighbours meet.
            for byte in word.utf8 where byteSymbols[Int(byte)] >= 0 {
                merger.append(start: 0, length: 1, id: Int(byteSymbols[Int(byte)]))
            }
            merger.merge { left, right in
                merges[Int64(left.id) << 32 | Int64(right.id)].map { (-Double($0.rank), $0.merged) }
            }
            merger.forEachSymbol { ids.append(Int($0.id)) }
        }
    }

    func encodeSentencePiece(_ text: String, into ids: inout [Int]) {
        // Spaces are spelled U+2581; each character starts as a symbol of its UTF-8 bytes.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for b in text.utf8 {
            if b == 0x20 {
                bytes.append(0xE2)
                bytes.append(0x96)
                bytes.append(0x81)
            } else {
                bytes.append(b)
            }
        }
        let table = vocabulary.table, scores = vocabulary.scores
        var merger = PairMerger()
        bytes.withUnsafeBufferPointer { text in
            func piece(_ start: Int32, _ length: Int32) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: text[Int(start)..<Int(start + length)])
            }
            var i = 0
            while i < text.count {
                var n = 1
                while i + n < text.count, text[i + n] & 0xC0 == 0x80 { n += 1 }
                merger.append(start: i, length: n, id: table.id(of: piece(Int32(i), Int32(n))) ?? -1)
                i += n
            }
            // Join the adjacent pair whose joined text is the highest-scoring token.
            merger.merge { left, right in
                table.id(of: piece(left.start, left.length + right.length)).map { (Double(scores[$0]), Int32($0)) }
            }
            merger.forEachSymbol { symbol in
                if symbol.id >= 0 { ids.append(Int(symbol.id)); return }
                for b in piece(symbol.start, symbol.length) {
                    if let id = byteTokens[Int(b)] ?? vocabulary.unknown { ids.append(id) }
                }
            }
        }
    }
}
