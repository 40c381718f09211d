/// The n-gram overlap of two token-id sequences for n = 1 up to some order: for each order, the sum over
/// distinct n-grams of the smaller of their counts in the two sequences — BLEU's clipped
/// matches and ROUGE-N's overlap, which are the same number.
///
/// Each n-gram gets an id of its own, made from its (n−1)-gram prefix's id and its last token
/// (ids of different orders never collide, since every new id is one more than the last), so an
/// n-gram is found by one pair of integers instead of by its tokens. The reference's n-grams are
/// counted; each hypothesis n-gram then takes one of those occurrences if any is left, which
/// sums to the minimum counts. A hypothesis n-gram whose prefix is not in the reference is not
/// in it either, so it is never looked up. One value is reused for many pairs.
struct NGramOverlap {
    /// (prefix id, last token id) packed in a key → n-gram id; open addressing, key 0 for an
    /// empty slot (token ids start from 1, so no key is 0).
    private var keys: [UInt64] = []
    private var values: [Int32] = []
    /// How many unused occurrences of each n-gram id the reference has.
    private var counts: [Int32] = []
    /// The id of the n-gram of the current order starting at each position; 0 for a hypothesis
    /// n-gram the reference does not have.
    private var hypothesisGrams: [Int32] = []
    private var referenceGrams: [Int32] = []

    /// Matches of orders 1 to `maxOrder` (element n − 1 for order n) between two sequences of
    /// token ids from 1 to `distinct`.
    mutating func matches(_ hypothesis: ArraySlice<Int32>, _ reference: ArraySlice<Int32>, distinct: Int,
                          maxOrder: Int) -> [Int] {
        var result = [Int](repeating: 0, count: maxOrder)
        let h = hypothesis.count, r = reference.count
        guard h > 0, r > 0, maxOrder > 0 else { return result }
        counts.removeAll(keepingCapacity: true)
        counts.append(contentsOf: repeatElement(0, count: distinct + 1 + (maxOrder - 1) * r))
        var capacity = 64
        while capacity < 2 * (maxOrder - 1) * r { capacity *= 2 }
        // Reuse the table unless it is too small, or so large (after a long pair) that
        // clearing it would cost more than the pair.
        if keys.count >= capacity, keys.count <= 4 * capacity {
            keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            keys = [UInt64](repeating: 0, count: capacity)
            values = [Int32](repeating: 0, count: capacity)
        }
        hypothesisGrams.removeAll(keepingCapacity: true)
        hypothesisGrams.append(contentsOf: hypothesis)
        referenceGrams.removeAll(keepingCapacity: true)
        referenceGrams.append(contentsOf: reference)
        var nextID = Int32(distinct + 1)

        for n in 1...maxOrder where n <= h && n <= r {
            if n > 1 {
                for i in 0...(r - n) {
                    referenceGrams[i] = insert(referenceGrams[i], reference[reference.startIndex + i + n - 1], nextID: &nextID)
                }
            }
            for i in 0...(r - n) { counts[Int(referenceGrams[i])] += 1 }
            var matched = 0
            for i in 0...(h - n) {
                var gram = hypothesisGrams[i]
                if n > 1, gram != 0 {
                    gram = find(gram, hypothesis[hypothesis.startIndex + i + n - 1])
                    hypothesisGrams[i] = gram
                }
                if gram != 0, counts[Int(gram)] > 0 {
                    counts[Int(gram)] -= 1
                    matched += 1
                }
            }
            result[n - 1] = matched
        }
        return result
    }

    /// The id of the n-gram `prefix` + `last`, given the next free id if it is new.
    private mutating func insert(_ prefix: Int32, _ last: Int32, nextID: inout Int32) -> Int32 {
        let (slot, found) = lookup(prefix, last)
        if found { return values[slot] }
        keys[slot] = Self.key(prefix, last)
        values[slot] = nextID
        nextID += 1
        return values[slot]
    }

    /// The id of the n-gram `prefix` + `last`, or 0 if the reference does not have it.
    private func find(_ prefix: Int32, _ last: Int32) -> Int32 {
        let (slot, found) = lookup(prefix, last)
        return found ? values[slot] : 0
    }

    /// The slot holding the n-gram, or the empty slot where it would go.
    private func lookup(_ prefix: Int32, _ last: Int32) -> (slot: Int, found: Bool) {
        let key = Self.key(prefix, last)
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 32) & mask
        while true {
            let k = keys[slot]
            if k == key { return (slot, true) }
            if k == 0 { return (slot, false) }
            slot = (slot + 1) & mask
        }
    }

    private static func key(_ prefix: Int32, _ last: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: prefix)) << 32 | UInt64(UInt32(bitPattern: last))
    }
}
