/// GPT-2's byte-level alphabet: every byte is spelled by a printable code point, so a BPE
/// vocabulary over these code points covers any byte sequence.
enum ByteLevel {
    /// The code point standing for each byte.
    static let encoder: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet code point stands for (indexed by code point, < 324).
    static let decoder: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in encoder.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// Spells UTF-8 bytes in the alphabet.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(encoder[Int(b)]) }
        return String(s)
    }

    /// The bytes a vocabulary piece spells; code points outside the alphabet pass through as UTF-8.
    static func decode(_ piece: String, into bytes: inout [UInt8]) {
        for scalar in piece.unicodeScalars {
            let v = Int(scalar.value)
            if v < decoder.count, decoder[v] >= 0 {
                bytes.append(UInt8(decoder[v]))
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
    }
}
