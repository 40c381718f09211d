import CQuillKernels

/// Selection of the largest entries of a logit row without sorting the whole vocabulary.
public enum TopK {
    /// Indices of the `count` largest values, largest first (ties: lower index first; NaNs
    /// skipped), in one pass over the row (`quill_top_k_f32`).
    public static func indices(_ values: UnsafeBufferPointer<Float>, count: Int) -> [Int] {
        let k = min(count, values.count)
        guard k > 0, let base = values.baseAddress else { return [] }
        var top = [Float](repeating: 0, count: k), ids = [Int32](repeating: 0, count: k)
        let found = Int(quill_top_k_f32(base, Int64(values.count), Int64(k), &top, &ids))
        return ids[..<found].map(Int.init)
    }
}
