import Foundation

/// A byte trie of a vocabulary's tokens, built once per tokenizer, for computing the mask of
/// tokens a grammar allows in one walk.
///
/// Control, unknown and unused tokens (no text) and end-of-generation tokens are left out;
/// a matcher allows end-of-generation exactly when its text is complete. Nodes are stored in
/// depth-first order in flat arrays, each with the index just past its subtree, so a walk is
/// a single forward pass that can skip a rejected subtree in one step. SmolLM2's 49,152
/// tokens make about 100,000 nodes (under 2 MB with the tokens' bytes).
public final class TokenTrie: Sendable {
    /// The number of token ids (the mask's length).
    public let vocabularySize: Int
    /// Ids that end a generation.
    public let endOfGeneration: Set<Int>

    /// Node `i`: the byte on the edge into it, its depth (1 for children of the root), the
    /// index after its subtree, and the tokens that end at it (`tokenIDs[tokenStarts[i]..<tokenStarts[i+1]]`).
    let nodeBytes: [UInt8]
    let nodeDepths: [UInt16]
    let subtreeEnds: [Int32]
    let tokenStarts: [Int32]
    let tokenIDs: [Int32]
    /// The longest token, in bytes.
    let maxDepth: Int
    /// Every token's bytes (empty for tokens left out), for `bytes(of:)`.
    private let byteStore: [UInt8]
    private let byteOffsets: [Int32]

    /// The trie of a model's vocabulary.
    public convenience init(tokenizer: Tokenizer) {
        let vocabulary = tokenizer.vocabulary
        let tokens: [[UInt8]] = (0..<vocabulary.count).map { id in
            switch vocabulary.kinds[id] {
            case .control, .unknown, .unused: return []
            default: return vocabulary.endOfGeneration.contains(id) ? [] : tokenizer.bytes(of: id)
            }
        }
        self.init(tokens: tokens, endOfGeneration: vocabulary.endOfGeneration)
    }

    /// The trie of a vocabulary given as each token's bytes (index = id). Tokens with no
    /// bytes and those in `endOfGeneration` are never allowed as text.
    public init(tokens: [[UInt8]], endOfGeneration: Set<Int> = []) {
        vocabularySize = tokens.count
        self.endOfGeneration = endOfGeneration
        var store: [UInt8] = []
        var offsets: [Int32] = [0]
        for (id, bytes) in tokens.enumerated() {
            if !endOfGeneration.contains(id) { store.append(contentsOf: bytes) }
            offsets.append(Int32(store.count))
        }
        byteStore = store
        byteOffsets = offsets

        // The tokens with text in byte order, compared in place in the flat store (comparing the
        // arrays themselves retained two per comparison: a tenth of building Gemma 3's trie).
        let order: [Int] = store.withUnsafeBufferPointer { store in
            offsets.withUnsafeBufferPointer { offsets in
                tokens.indices.filter { offsets[$0 + 1] > offsets[$0] }.sorted { a, b in
                    let (na, nb) = (Int(offsets[a + 1] - offsets[a]), Int(offsets[b + 1] - offsets[b]))
                    let order = memcmp(store.baseAddress! + Int(offsets[a]), store.baseAddress! + Int(offsets[b]), min(na, nb))
                    return order != 0 ? order < 0 : na < nb
                }
            }
        }
        var bytes: [UInt8] = [], depths: [UInt16] = [], ends: [Int32] = [], starts: [Int32] = [], ids: [Int32] = []
        // The nodes along the previous token's bytes; sorted order means each new token shares
        // a prefix of that path and adds its remaining bytes as new nodes after it.
        var path: [Int] = []
        var previous: [UInt8] = []
        for id in order {
            let token = tokens[id]
            var shared = 0
            while shared < min(token.count, previous.count), token[shared] == previous[shared] { shared += 1 }
            while path.count > shared { ends[path.removeLast()] = Int32(bytes.count) }
            for depth in shared..<token.count {
                path.append(bytes.count)
                bytes.append(token[depth])
                depths.append(UInt16(depth + 1))
                ends.append(0)
                starts.append(Int32(ids.count))
            }
            // Tokens arrive in node order, so each node's tokens are one contiguous run.
            ids.append(Int32(id))
            previous = token
        }
        while let node = path.popLast() { ends[node] = Int32(bytes.count) }
        starts.append(Int32(ids.count))
        nodeBytes = bytes
        nodeDepths = depths
        subtreeEnds = ends
        tokenStarts = starts
        tokenIDs = ids
        maxDepth = order.map { tokens[$0].count }.max() ?? 0
    }

    /// How many nodes the trie has.
    public var nodeCount: Int { nodeBytes.count }

    /// The bytes of token `id` as the trie holds them (empty for tokens that are not text).
    public func bytes(of id: Int) -> ArraySlice<UInt8> {
        guard id >= 0, id < vocabularySize else { return [] }
        return byteStore[Int(byteOffsets[id])..<Int(byteOffsets[id + 1])]
    }
}
