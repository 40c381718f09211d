import Foundation
import QuillEngine

/// The prices a runtime charges calls at: the table generated from LiteLLM's price map
/// (`stdlib/pricing.json`, compiled in as `PricingTable`), with overrides and additions from
/// scripts (`set_price`) and Swift (`set`).
///
/// Lookup for a model spec, first match wins:
/// 1. a price set for exactly that spec;
/// 2. local models (`local`, `local:NAME`) and Ollama (local compute by definition): a price
///    set for `local` (or `ollama`) as a whole, else free;
/// 3. the table's entry for the spec (`openai:gpt-4o-mini`, `anthropic:claude-…`);
/// 4. otherwise unknown (nil): costs are reported as unknown, never as 0.
public final class PriceBook: @unchecked Sendable {
    /// The table and its date; nil means the built-in one, parsed on first use (so a runtime
    /// that never prices a call never parses it).
    private let file: (table: [String: ModelPrice], generated: String)?
    private let overrides = Locked<[String: ModelPrice]>([:])

    private static let builtInTable: (table: [String: ModelPrice], generated: String) = {
        do {
            return try parse(PricingTable.json, name: "the built-in price table")
        } catch {
            preconditionFailure("the built-in price table does not parse (regenerate it with scripts/update-pricing.py): \(error)")
        }
    }()

    private var table: [String: ModelPrice] { file?.table ?? Self.builtInTable.table }

    /// The date the table was generated, from the file.
    public var generated: String { file?.generated ?? Self.builtInTable.generated }

    /// The built-in table.
    public init() {
        file = nil
    }

    /// The prices of another file in the same format (a newer `pricing.json`); a file that
    /// cannot be read is an error naming it.
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LLMError.invalidParameter(name: "pricing", message: "cannot read the price file '\(file)'")
        }
        self.file = try Self.parse(String(decoding: data, as: UTF8.self), name: file)
    }

    /// The built-in table (with no overrides yet).
    public static func builtIn() -> PriceBook { PriceBook() }

    /// Sets (or replaces) the price of a spec: `openai:my-fine-tune`, `local`, `local:smollm2`.
    public func set(_ spec: String, _ price: ModelPrice) {
        overrides.withLock { $0[spec] = price }
    }

    /// The price of a model spec, or nil when none is known.
    public func price(for spec: String) -> ModelPrice? {
        if let p = overrides.withLock({ $0[spec] }) { return p }
        let provider = CallEvent.provider(of: spec)
        if provider == "local" || provider == "ollama" {
            return overrides.withLock { $0[provider] } ?? table[spec] ?? .free
        }
        return table[spec]
    }

    /// How many models the table prices.
    public var count: Int { table.count }

    /// The specs with a price, in the table or set since (`openai:gpt-4o-mini`, ...), sorted.
    public var specs: [String] { Set(table.keys).union(overrides.value.keys).sorted() }

    /// Reads the `pricing.json` format: `{"generated": …, "models": {"provider:model": {"input":
    /// "0.15", "output": "0.6", "cache_read": …, "cache_write": …, "max_input_tokens": …}}}`,
    /// prices as decimal strings in dollars per million tokens.
    static func parse(_ text: String, name: String) throws -> ([String: ModelPrice], String) {
        func bad(_ why: String) -> LLMError { .invalidParameter(name: "pricing", message: "\(name): \(why)") }
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw bad("not JSON: \(error)") }
        guard case .object(let models)? = json["models"] else { throw bad("no \"models\" object") }
        var table: [String: ModelPrice] = [:]
        for (key, entry) in models {
            func decimal(_ field: String) throws -> Decimal? {
                switch entry[field] {
                case nil, .null?: return nil
                case .string(let s)?:
                    guard let d = Money.parse(s) else { throw bad("\(key).\(field): '\(s)' is not a decimal number") }
                    return d
                case let v?:
                    guard let n = v.numberValue else { throw bad("\(key).\(field): expected a decimal string") }
                    return Money.decimal(n)
                }
            }
            func int(_ field: String) -> Int? { entry[field]?.numberValue.map { Int($0) } }
            guard let input = try decimal("input"), let output = try decimal("output") else { continue }
            table[key] = ModelPrice(input: input, output: output, cacheRead: try decimal("cache_read"),
                                    cacheWrite: try decimal("cache_write"), inputAbove200k: try decimal("input_above_200k"),
                                    outputAbove200k: try decimal("output_above_200k"),
                                    maxInputTokens: int("max_input_tokens"), maxOutputTokens: int("max_output_tokens"))
        }
        return (table, json["generated"]?.stringValue ?? "unknown")
    }
}
