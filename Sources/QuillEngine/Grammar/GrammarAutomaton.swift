import Synchronization

/// The matching machinery behind `GrammarMatcher`: llama.cpp-style pushdown stacks, and sets
/// of them as the states of a byte automaton built lazily while text and token tries walk it.
///
/// A stack is a list of grammar positions: the element to match next on top, return
/// positions below. The text so far is matched by a set of stacks (one per way the grammar can
/// have read it). Such a set, together with the unfinished bytes of a UTF-8 character, is a
/// state; the state after a byte is computed once and kept in a 256-wide row, so walking a
/// vocabulary trie costs one table lookup per trie node once the rows are warm.
final class GrammarAutomaton: Sendable {
    let initialState: Int32
    let initialFlags: StateFlags
    private let tables: Mutex<AutomatonTables>

    init(rules: GrammarRules) {
        var t = AutomatonTables(rules: rules)
        initialState = t.startState()
        initialFlags = t.flags(of: initialState)
        tables = Mutex(t)
    }

    /// The state after `bytes`, or nil when the grammar rejects them.
    func step(_ state: Int32, over bytes: some Collection<UInt8>) -> (state: Int32, flags: StateFlags)? {
        tables.withLock { t -> (state: Int32, flags: StateFlags)? in
            var s = state
            for byte in bytes {
                s = t.next(s, byte)
                if s == AutomatonTables.dead { return nil }
            }
            return (s, t.flags(of: s))
        }
    }

    /// How many bytes of `bytes` the grammar takes before rejecting one.
    func acceptedPrefix(_ state: Int32, of bytes: some Collection<UInt8>) -> Int {
        tables.withLock { t in
            var s = state, count = 0
            for byte in bytes {
                s = t.next(s, byte)
                if s == AutomatonTables.dead { break }
                count += 1
            }
            return count
        }
    }

    /// Marks in `mask` every trie token whose bytes the grammar takes from `state`.
    ///
    /// The trie's nodes are in depth-first order with each node's subtree end, so the walk is
    /// one pass over flat arrays: a node whose byte is rejected skips its whole subtree.
    func markAllowed(from state: Int32, trie: TokenTrie, into mask: inout [Bool]) {
        tables.withLock { t in
            var stateAt = [Int32](repeating: AutomatonTables.dead, count: trie.maxDepth + 1)
            stateAt[0] = state
            let count = trie.nodeBytes.count
            var i = 0
            while i < count {
                let depth = Int(trie.nodeDepths[i])
                let s = t.next(stateAt[depth - 1], trie.nodeBytes[i])
                if s == AutomatonTables.dead {
                    i = Int(trie.subtreeEnds[i])
                    continue
                }
                stateAt[depth] = s
                var k = Int(trie.tokenStarts[i])
                let end = Int(trie.tokenStarts[i + 1])
                while k < end {
                    mask[Int(trie.tokenIDs[k])] = true
                    k += 1
                }
                i += 1
            }
        }
    }

    /// Sizes of the automaton built so far (tests and diagnostics).
    var statistics: (stacks: Int, states: Int, rows: Int) {
        tables.withLock { t in (t.stackTops.count, t.stateStacks.count, t.rowCount) }
    }
}

/// What can happen after the text a state stands for.
struct StateFlags: Equatable, Sendable {
    /// The text is a whole sentence of the grammar.
    var isComplete: Bool
    /// Some non-empty continuation is allowed.
    var canContinue: Bool
}

/// The automaton's tables; only touched under `GrammarAutomaton`'s lock.
struct AutomatonTables {
    static let dead: Int32 = -1
    static let unknown: Int32 = -2
    /// The id of the empty stack: the grammar has read a whole sentence.
    static let accepted: Int32 = 0
    /// Cached transition rows kept at most (1 KiB each, so 4 MiB per grammar); past it they
    /// are all dropped and rebuilt on demand, which costs about one cold mask. States and
    /// stacks are never dropped (matchers hold their ids); they stop growing once the
    /// positions a grammar's outputs pass through have all been seen.
    static let rowLimit = 4096
    /// The smallest code point each UTF-8 length may encode (shorter forms are overlong).
    private static let minimum: [UInt32] = [0, 0, 0x80, 0x800, 0x10000]

    let rules: GrammarRules

    /// Stack `i` is `stackTops[i]` (an element index) over stack `stackBelows[i]` (-1: nothing).
    private(set) var stackTops: [Int32] = [-1]
    private var stackBelows: [Int32] = [-1]
    /// The character class on top of each stack, -1 when the top is a return position.
    private var stackClasses: [Int32] = [-1]
    private var stackIDs: [Int64: Int32] = [:]
    /// For each stack whose top is a class: the stacks after that class has matched.
    private var afterMatch: [[Int32]?] = [nil]

    /// State `i` is a sorted set of stack ids and a pending UTF-8 character (`Partial` bits, 0: none).
    private(set) var stateStacks: [[Int32]] = []
    private var statePartials: [UInt32] = []
    private var stateIDs: [StateKey: Int32] = [:]
    /// Each state's row in `rows` (-1: none yet); a row holds the next state for each byte.
    private var rowOf: [Int32] = []
    private var rows: [Int32] = []
    private(set) var rowCount = 0

    private struct StateKey: Hashable {
        var stacks: [Int32]
        var partial: UInt32
    }

    init(rules: GrammarRules) { self.rules = rules }

    mutating func startState() -> Int32 {
        intern(expand(rules.ruleStarts[rules.root].map { ($0, -1) }), partial: 0)
    }

    func flags(of state: Int32) -> StateFlags {
        let stacks = stateStacks[Int(state)]
        let pending = statePartials[Int(state)] != 0
        // Stacks are sorted, so the accepted stack (id 0) comes first.
        return StateFlags(isComplete: !pending && stacks.first == Self.accepted,
                          canContinue: pending || (stacks.last ?? 0) != Self.accepted)
    }

    /// The state after `byte`, from the cached row when there is one.
    @inline(__always)
    mutating func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        var row = Int(rowOf[Int(state)])
        if row >= 0 {
            let cached = rows[row << 8 | Int(byte)]
            if cached != Self.unknown { return cached }
        } else {
            row = newRow(for: state)
        }
        let computed = transition(state, byte)
        rows[row << 8 | Int(byte)] = computed
        if byte < 0x80 && statePartials[Int(state)] == 0 { shareASCII(state, byte, row: row, next: computed) }
        return computed
    }

    /// Fills in the row for every ASCII byte that the same stacks take as `byte`: the next
    /// state depends only on which stacks match, so one computation serves them all (inside
    /// a JSON string that is one for ninety-odd characters).
    private mutating func shareASCII(_ state: Int32, _ byte: UInt8, row: Int, next: Int32) {
        var low: UInt64 = ~0, high: UInt64 = ~0
        for s in stateStacks[Int(state)] where s != Self.accepted {
            let cls = rules.classes[Int(stackClasses[Int(s)])]
            if cls.contains(UInt32(byte)) {
                low &= cls.asciiLow
                high &= cls.asciiHigh
            } else {
                low &= ~cls.asciiLow
                high &= ~cls.asciiHigh
            }
        }
        for (word, base) in [(low, 0), (high, 64)] {
            var bits = word
            while bits != 0 {
                rows[row << 8 | (base + bits.trailingZeroBitCount)] = next
                bits &= bits - 1
            }
        }
    }

    private mutating func newRow(for state: Int32) -> Int {
        if rowCount >= Self.rowLimit {
            for i in rowOf.indices { rowOf[i] = -1 }
            rows.removeAll(keepingCapacity: true)
            rowCount = 0
        }
        rows.append(contentsOf: repeatElement(Self.unknown, count: 256))
        rowOf[Int(state)] = Int32(rowCount)
        rowCount += 1
        return rowCount - 1
    }

    private mutating func transition(_ state: Int32, _ byte: UInt8) -> Int32 {
        let stacks = stateStacks[Int(state)]
        let bits = statePartials[Int(state)]
        if bits == 0 {
            switch byte {
            case 0..<0x80: return advance(stacks, codePoint: UInt32(byte))
            case 0xC2...0xDF: return pending(stacks, Partial(length: 2, remaining: 1, value: UInt32(byte & 0x1F)))
            case 0xE0...0xEF: return pending(stacks, Partial(length: 3, remaining: 2, value: UInt32(byte & 0x0F)))
            case 0xF0...0xF4: return pending(stacks, Partial(length: 4, remaining: 3, value: UInt32(byte & 0x07)))
            default: return Self.dead  // a continuation byte without a lead, or a byte UTF-8 never uses
            }
        }
        guard byte & 0xC0 == 0x80 else { return Self.dead }
        let partial = Partial(bits: bits)
        if partial.isWildcard {
            return partial.remaining == 1
                ? advance(stacks, codePoint: nil)
                : intern(stacks, partial: Partial.wildcard(remaining: partial.remaining - 1).bits)
        }
        let value = partial.value << 6 | UInt32(byte & 0x3F)
        if partial.remaining > 1 {
            return pending(stacks, Partial(length: partial.length, remaining: partial.remaining - 1, value: value))
        }
        guard value >= Self.minimum[partial.length], value <= CharClass.maxCodePoint,
              !(0xD800...0xDFFF).contains(value) else { return Self.dead }
        return advance(stacks, codePoint: value)
    }

    /// The state inside a multi-byte character: only stacks whose class could still match
    /// some completion of the bytes so far are kept.
    private mutating func pending(_ stacks: [Int32], _ partial: Partial) -> Int32 {
        let shift = UInt32(6 * partial.remaining)
        let rawLow = partial.value << shift, rawHigh = rawLow | (1 << shift - 1)
        let low = max(rawLow, Self.minimum[partial.length]), high = min(rawHigh, CharClass.maxCodePoint)
        guard low <= high, !(low >= 0xD800 && high <= 0xDFFF) else { return Self.dead }
        var kept: [Int32] = []
        var allCover = true
        for s in stacks where s != Self.accepted {
            let cls = rules.classes[Int(stackClasses[Int(s)])]
            guard cls.intersects(low, high) else { continue }
            kept.append(s)
            if !cls.covers(low, high) { allCover = false }
        }
        if kept.isEmpty { return Self.dead }
        // When every completion is a valid code point that every kept stack takes, the exact
        // bits no longer matter and one state stands for all of them; otherwise each lead byte
        // would make a state of its own at every position of a string.
        let unconstrained = low == rawLow && high == rawHigh && (high < 0xD800 || low > 0xDFFF)
        let bits = unconstrained && allCover ? Partial.wildcard(remaining: partial.remaining).bits : partial.bits
        return intern(kept, partial: bits)
    }

    /// The state after a whole code point (nil: any code point, every stack takes it).
    private mutating func advance(_ stacks: [Int32], codePoint: UInt32?) -> Int32 {
        var next: [Int32] = []
        for s in stacks where s != Self.accepted {
            if let c = codePoint, !rules.classes[Int(stackClasses[Int(s)])].contains(c) { continue }
            if afterMatch[Int(s)] == nil {
                afterMatch[Int(s)] = expand([(stackTops[Int(s)] + 1, stackBelows[Int(s)])])
            }
            next.append(contentsOf: afterMatch[Int(s)]!)
        }
        if next.isEmpty { return Self.dead }
        return intern(sortedUnique(next), partial: 0)
    }

    /// The stacks whose top is a character class (or the accepted stack) reachable from the
    /// given positions without reading anything: rule references are entered, finished
    /// alternatives return to the position below.
    private mutating func expand(_ seeds: [(position: Int32, below: Int32)]) -> [Int32] {
        var work = seeds
        var seen = Set<Int64>()
        var out: [Int32] = []
        while let (position, below) = work.popLast() {
            guard seen.insert(Int64(position) << 32 | Int64(UInt32(bitPattern: below))).inserted else { continue }
            switch rules.elements[Int(position)] {
            case .chars:
                out.append(stack(position, below))
            case .end:
                if below < 0 {
                    out.append(Self.accepted)
                } else {
                    work.append((stackTops[Int(below)], stackBelows[Int(below)]))
                }
            case .rule(let r):
                // A reference that ends its alternative returns straight to `below` (a tail
                // call), so repetition chains do not deepen the stack.
                let after = position + 1
                let frame = rules.elements[Int(after)] == .end ? below : stack(after, below)
                for start in rules.ruleStarts[Int(r)] { work.append((start, frame)) }
            }
        }
        return sortedUnique(out)
    }

    private mutating func stack(_ top: Int32, _ below: Int32) -> Int32 {
        let key = Int64(top) << 32 | Int64(UInt32(bitPattern: below))
        if let id = stackIDs[key] { return id }
        let id = Int32(stackTops.count)
        stackTops.append(top)
        stackBelows.append(below)
        if case .chars(let c) = rules.elements[Int(top)] { stackClasses.append(c) } else { stackClasses.append(-1) }
        afterMatch.append(nil)
        stackIDs[key] = id
        return id
    }

    private mutating func intern(_ stacks: [Int32], partial: UInt32) -> Int32 {
        let key = StateKey(stacks: stacks, partial: partial)
        if let id = stateIDs[key] { return id }
        let id = Int32(stateStacks.count)
        stateStacks.append(stacks)
        statePartials.append(partial)
        rowOf.append(-1)
        stateIDs[key] = id
        return id
    }

    private func sortedUnique(_ ids: [Int32]) -> [Int32] {
        var out = ids.sorted()
        var write = 0
        for i in out.indices where i == 0 || out[i] != out[i - 1] {
            out[write] = out[i]
            write += 1
        }
        out.removeLast(out.count - write)
        return out
    }
}

/// The unfinished bytes of a UTF-8 character, packed into a state key.
///
/// Exact: the value bits so far, the character's length and bytes still to come. Wildcard:
/// only the bytes still to come, when any completion is valid and taken by every stack.
private struct Partial {
    var length: Int
    var remaining: Int
    var value: UInt32
    var isWildcard = false

    init(length: Int, remaining: Int, value: UInt32) {
        self.length = length
        self.remaining = remaining
        self.value = value
    }

    init(bits: UInt32) {
        value = bits & 0x1F_FFFF
        remaining = Int(bits >> 21 & 3)
        length = Int(bits >> 23 & 7)
        isWildcard = bits >> 26 & 1 != 0
    }

    static func wildcard(remaining: Int) -> Partial {
        var p = Partial(length: 0, remaining: remaining, value: 0)
        p.isWildcard = true
        return p
    }

    /// Never 0 (`remaining` is at least 1), which stands for "no pending character".
    var bits: UInt32 {
        value | UInt32(remaining) << 21 | UInt32(length) << 23 | (isWildcard ? 1 << 26 : 0)
    }
}
