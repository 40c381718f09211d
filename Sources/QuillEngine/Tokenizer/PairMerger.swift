/// Greedy pair merging, the core of both tokenizer families: while some adjacent pair of
/// symbols can be joined, join the pair with the best priority, the leftmost on ties (BPE: the
/// lowest merge rank; SentencePiece: the highest-scoring joined token).
///
/// Rescanning every pair after each merge is O(n²) in the symbols, and a SentencePiece text
/// is one run of symbols (there is no pre-tokenizer), so a 12 kB prompt took 10 s. Here the
/// candidate pairs wait in a binary heap, as llama.cpp keeps them: a merge adds the two pairs
/// it creates, and a popped pair whose symbols have changed since is skipped, which gives the
/// same merges in the same order in O(n log n).
struct PairMerger {
    struct Symbol {
        /// Where the symbol's bytes start in the text being encoded.
        var start: Int32
        /// Its byte count; 0 once it has been merged into its left neighbour.
        var length: Int32
        /// Its token id, or -1 when its bytes are not a token.
        var id: Int32
        var previous: Int32
        var next: Int32
    }

    /// A pair that could be merged when it was found: `left` and `right` adjacent, `size`
    /// their byte count then. It is stale once either symbol has changed, and since symbols
    /// only grow or vanish, that is exactly when one is empty or the sizes no longer add up.
    private struct Candidate {
        var priority: Double
        var left: Int32
        var right: Int32
        var size: Int32
        var merged: Int32

        /// Heap order: higher priority first, then the leftmost.
        func precedes(_ other: Candidate) -> Bool {
            priority > other.priority || (priority == other.priority && left < other.left)
        }
    }

    private var symbols: [Symbol] = []
    private var heap: [Candidate] = []

    /// Empties the merger for the next word, keeping its storage.
    mutating func reset() {
        symbols.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
    }

    /// Adds a symbol after the last one.
    mutating func append(start: Int, length: Int, id: Int) {
        let index = Int32(symbols.count)
        if index > 0 { symbols[symbols.count - 1].next = index }
        symbols.append(Symbol(start: Int32(start), length: Int32(length), id: Int32(id), previous: index - 1, next: -1))
    }

    /// Merges until no pair can be: `pair` gives a pair's priority and merged token id, or nil
    /// when the two may not be joined.
    mutating func merge(_ pair: (Symbol, Symbol) -> (priority: Double, merged: Int32)?) {
        for i in symbols.indices.dropLast() { offer(i, i + 1, pair) }
        while let best = pop() {
            let left = symbols[Int(best.left)], right = symbols[Int(best.right)]
            if left.length == 0 || right.length == 0 || left.length + right.length != best.size { continue }
            symbols[Int(best.left)].length = best.size
            symbols[Int(best.left)].id = best.merged
            symbols[Int(best.left)].next = right.next
            symbols[Int(best.right)].length = 0
            if right.next >= 0 { symbols[Int(right.next)].previous = best.left }
            if left.previous >= 0 { offer(Int(left.previous), Int(best.left), pair) }
            if right.next >= 0 { offer(Int(best.left), Int(right.next), pair) }
        }
    }

    /// Calls `body` with each remaining symbol, left to right.
    func forEachSymbol(_ body: (Symbol) -> Void) {
        var i = symbols.isEmpty ? -1 : 0
        while i >= 0 {
            body(symbols[i])
            i = Int(symbols[i].next)
        }
    }

    private mutating func offer(_ left: Int, _ right: Int, _ pair: (Symbol, Symbol) -> (priority: Double, merged: Int32)?) {
        let l = symbols[left], r = symbols[right]
        guard let (priority, merged) = pair(l, r) else { return }
        push(Candidate(priority: priority, left: Int32(left), right: Int32(right), size: l.length + r.length, merged: merged))
    }

    private mutating func push(_ candidate: Candidate) {
        heap.append(candidate)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !heap[child].precedes(heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() -> Candidate? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, heap[left].precedes(heap[best]) { best = left }
            if right < heap.count, heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
