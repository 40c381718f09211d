/// Hashes that are the same in every process and on every machine (Swift's `Hasher` is
/// seeded per process): for file names and grouping keys, not for security.
enum StableHash {
    /// 128 bits, as 32 hex digits, from two FNV-1a-style passes with different offsets.
    static func hex128(_ key: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in key.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (b >> 29)
        }
        return padded(a) + padded(b)
    }

    private static func padded(_ n: UInt64) -> String {
        let s = String(n, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
