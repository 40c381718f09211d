import Synchronization

/// Compiled grammars by source, so asking for the same schema, regex or choice list twice
/// compiles once (and the second matcher starts with the first one's warm automaton).
///
/// Keys are the source spelled out: `"schema:" + schema.serialized`, `"regex:" + pattern`,
/// `"choices:" + JSON array`, `"gbnf:" + root + ":" + text`. The oldest entry is dropped
/// when the cache is full. Safe to use from several threads; two threads asking for the
/// same new grammar at once may both compile it, and one result is kept.
public final class GrammarCache: Sendable {
    /// A cache for the whole process.
    public static let shared = GrammarCache()

    public let capacity: Int
    private let entries = Mutex<(grammars: [String: Grammar], order: [String])>(([:], []))

    public init(capacity: Int = 64) { self.capacity = max(1, capacity) }

    /// The grammar stored under `key`, compiling it with `make` the first time.
    public func grammar(forKey key: String, make: () throws -> Grammar) throws -> Grammar {
        if let cached = entries.withLock({ $0.grammars[key] }) { return cached }
        let grammar = try make()
        return entries.withLock { state in
            if let raced = state.grammars[key] { return raced }
            if state.order.count >= capacity {
                state.grammars[state.order.removeFirst()] = nil
            }
            state.grammars[key] = grammar
            state.order.append(key)
            return grammar
        }
    }

    public func jsonSchema(_ schema: JSONValue) throws -> Grammar {
        try grammar(forKey: "schema:" + schema.serialized) { try Grammar.jsonSchema(schema) }
    }

    public func regex(_ pattern: String) throws -> Grammar {
        try grammar(forKey: "regex:" + pattern) { try Grammar.regex(pattern) }
    }

    public func choices(_ options: [String]) throws -> Grammar {
        try grammar(forKey: "choices:" + JSONValue.array(options.map(JSONValue.string)).serialized) { try Grammar.choices(options) }
    }

    public func gbnf(_ text: String, root: String = "root") throws -> Grammar {
        try grammar(forKey: "gbnf:" + root + ":" + text) { try Grammar(gbnf: text, root: root) }
    }

    /// How many grammars are stored.
    public var count: Int { entries.withLock { $0.grammars.count } }
}
