/// Selection of the largest entries of a logit row without sorting the whole vocabulary.
public enum TopK {
    /// Indices of the `count` largest values, largest first (ties: lower index first).
    public static func indices(_ values: UnsafeBufferPointer<Float>, count: Int) -> [Int] {
        let k = min(count, values.count)
        guard k > 0 else { return [] }
        // A small sorted window; a vocabulary of 50k–260k with k ≤ 100 makes this a single pass.
        var best: [(value: Float, index: Int)] = []
        best.reserveCapacity(k + 1)
        for (i, v) in values.enumerated() {
            if best.count == k, !(v > best[k - 1].value) { continue }
            var at = best.count
            while at > 0, v > best[at - 1].value { at -= 1 }
            best.insert((v, i), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.index)
    }
}
