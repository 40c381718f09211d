/// The KV caches of recently finished prompts, kept so that a new prompt sharing their start
/// (a system prompt, few-shot examples, an evaluation template) copies those positions
/// instead of computing them again — what hosted APIs call prompt caching.
///
/// Keys and values at a position depend only on the tokens up to it, so a copied prefix is
/// exactly what evaluating it would have stored. Entries are evicted least recently used
/// first, when there are more than `capacity` or their filled caches take more than
/// `byteBudget`; an entry that a newer one extends is dropped.
struct PrefixCache {
    struct Entry {
        let tokens: [Int]
        let state: InferenceState
    }

    /// Finished sequences kept at most.
    let capacity: Int
    /// Bytes of filled KV cache kept at most.
    let byteBudget: Int
    /// Most recently used last.
    private(set) var entries: [Entry] = []

    init(capacity: Int, byteBudget: Int) {
        self.capacity = max(0, capacity)
        self.byteBudget = byteBudget
    }

    /// Keeps a finished sequence's cache for `tokens` (the positions its cache holds).
    mutating func insert(tokens: [Int], state: InferenceState) {
        guard capacity > 0, !tokens.isEmpty else { return }
        // An entry whose tokens this one extends (or equals) is no longer needed, unless it can
        // lend shorter prefixes than this one (a checkpoint taken before a ring moved on).
        entries.removeAll {
            $0.tokens.count <= tokens.count && tokens.starts(with: $0.tokens)
                && state.lendable.lowerBound <= $0.state.lendable.lowerBound
        }
        entries.append(Entry(tokens: tokens, state: state))
        var bytes = entries.reduce(0) { $0 + $1.state.filledCacheBytes }
        while let oldest = entries.first, entries.count > capacity || bytes > byteBudget {
            bytes -= oldest.state.filledCacheBytes
            entries.removeFirst()
        }
    }

    /// The entry sharing the longest start with `prompt` (at most `limit` tokens) and how many
    /// tokens it shares; the entry becomes the most recently used.
    mutating func longestMatch(for prompt: [Int], limit: Int) -> (state: InferenceState, count: Int)? {
        var best = 0, index = -1
        for (i, entry) in entries.enumerated() {
            // An entry's tokens are exactly the positions its cache holds.
            let n = Self.sharedCount(entry.tokens, prompt, limit: limit)
            // A sliding-window ring may no longer hold the window behind that start.
            if n > best, entry.state.canLend(prefix: n) { best = n; index = i }
        }
        guard index >= 0 else { return nil }
        let entry = entries.remove(at: index)
        entries.append(entry)
        return (entry.state, best)
    }

    /// How many leading tokens `a` and `b` share, up to `limit`.
    static func sharedCount(_ a: [Int], _ b: [Int], limit: Int) -> Int {
        let limit = min(limit, a.count, b.count)
        var n = 0
        while n < limit, a[n] == b[n] { n += 1 }
        return n
    }
}
