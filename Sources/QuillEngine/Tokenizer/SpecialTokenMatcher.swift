/// Finds special-token text in a string, longest token first, and cuts the string into
/// plain-text fragments and those tokens.
struct SpecialTokenMatcher: Sendable {
    enum Fragment: Equatable {
        case text(String)
        case token(Int)
    }

    /// Candidates by their first byte, each list longest first.
    private let byFirstByte: [[(piece: [UInt8], id: Int)]]
    private let isEmpty: Bool

    init(_ tokens: [(piece: [UInt8], id: Int)]) {
        var table = [[(piece: [UInt8], id: Int)]](repeating: [], count: 256)
        for t in tokens { table[Int(t.piece[0])].append(t) }
        byFirstByte = table
        isEmpty = tokens.isEmpty
    }

    func partition(_ text: String) -> [Fragment] {
        if isEmpty || text.isEmpty { return text.isEmpty ? [] : [.text(text)] }
        let bytes = Array(text.utf8)
        var fragments: [Fragment] = []
        var textStart = 0, i = 0
        while i < bytes.count {
            var matched: (piece: [UInt8], id: Int)? = nil
            for candidate in byFirstByte[Int(bytes[i])] where candidate.piece.count <= bytes.count - i {
                if bytes[i..<(i + candidate.piece.count)].elementsEqual(candidate.piece) {
                    matched = candidate
                    break
                }
            }
            if let m = matched {
                if textStart < i { fragments.append(.text(String(decoding: bytes[textStart..<i], as: UTF8.self))) }
                fragments.append(.token(m.id))
                i += m.piece.count
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < bytes.count { fragments.append(.text(String(decoding: bytes[textStart...], as: UTF8.self))) }
        return fragments
    }
}
