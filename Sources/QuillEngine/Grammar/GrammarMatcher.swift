/// Where generated text stands in a grammar: which bytes may come next, whether it is done.
///
/// The matcher works on UTF-8 bytes, so a token may end inside a multi-byte character (the
/// unfinished character is part of the state and the next token must complete it) and may
/// run across several grammar elements and rules (`{"a` is one step). A matcher is a small
/// value: copy it to follow several sequences of the same grammar; the copies share the
/// grammar's automaton, which is safe across threads.
///
/// The generation loop asks `allows` for the sampled token and only computes the full mask
/// with `allowedTokens` when the draw is rejected.
public struct GrammarMatcher: Sendable {
    public let grammar: Grammar
    private var state: Int32
    private var flags: StateFlags
    /// Bytes accepted so far, for error positions.
    public private(set) var acceptedByteCount = 0

    public init(grammar: Grammar) {
        self.grammar = grammar
        state = grammar.automaton.initialState
        flags = grammar.automaton.initialFlags
    }

    /// The text so far is a whole sentence of the grammar (end of generation may come now).
    public var isComplete: Bool { flags.isComplete }

    /// Some non-empty continuation is allowed. When false, generation must stop.
    public var canContinue: Bool { flags.canContinue }

    /// Whether the text followed by `bytes` is still a prefix of some sentence.
    public func allows(_ bytes: some Collection<UInt8>) -> Bool {
        grammar.automaton.step(state, over: bytes) != nil
    }

    /// Appends `bytes` to the text; throws, leaving the matcher as it was, if the grammar does
    /// not allow them.
    public mutating func accept(_ bytes: some Collection<UInt8>) throws {
        guard let (next, nextFlags) = grammar.automaton.step(state, over: bytes) else {
            let taken = grammar.automaton.acceptedPrefix(state, of: bytes)
            let byte = bytes[bytes.index(bytes.startIndex, offsetBy: taken)]
            throw GrammarError(.input(offset: acceptedByteCount + taken),
                               "the grammar does not allow byte 0x\(String(byte, radix: 16, uppercase: true))\(Self.show(byte)) here")
        }
        state = next
        flags = nextFlags
        acceptedByteCount += bytes.count
    }

    /// Appends the UTF-8 of `text`.
    public mutating func accept(_ text: String) throws { try accept(Array(text.utf8)) }

    /// Whether token `id` of `trie`'s vocabulary may come next: its bytes when it is text,
    /// `isComplete` for end-of-generation tokens, never for other tokens without text.
    public func allows(token id: Int, in trie: TokenTrie) -> Bool {
        if trie.endOfGeneration.contains(id) { return isComplete }
        let bytes = trie.bytes(of: id)
        return !bytes.isEmpty && allows(bytes)
    }

    /// Sets `mask[id]` to whether each token of `trie`'s vocabulary may come next (resizing
    /// `mask` to the vocabulary). End-of-generation tokens are allowed exactly when the text
    /// is complete.
    public func allowedTokens(_ trie: TokenTrie, into mask: inout [Bool]) {
        if mask.count != trie.vocabularySize {
            mask = [Bool](repeating: false, count: trie.vocabularySize)
        } else {
            for i in mask.indices { mask[i] = false }
        }
        if canContinue { grammar.automaton.markAllowed(from: state, trie: trie, into: &mask) }
        for id in trie.endOfGeneration where id < mask.count { mask[id] = isComplete }
    }

    private static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? " ('\(Character(UnicodeScalar(byte)))')" : ""
    }
}
