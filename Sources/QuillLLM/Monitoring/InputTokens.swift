/// Input token counts before a request is sent.
///
/// The local core counts exactly (its own tokenizer and chat template). Hosted providers do
/// not publish their tokenizers for offline use, so for them there are two numbers: a bound
/// that can never be below the true count — one token per UTF-8 byte, the most a byte-level
/// BPE can produce, plus a generous allowance for each message's role markers — used where
/// being low would overspend (budgets); and an estimate, about four bytes a token, for
/// reports (`estimate`, `--dry-run`), marked as not exact.
enum InputTokens {
    /// Tokens allowed for each message's role markers and separators, and for the reply's priming.
    static let perMessage = 16

    /// The exact count when the model can count, else the upper bound.
    static func atMost(_ input: LLMInput, model: any LanguageModel) -> (tokens: Int, exact: Bool) {
        if let n = try? model.countTokens(input) { return (n, true) }
        return (bound(input), false)
    }

    /// The exact count when the model can count, else the estimate.
    static func about(_ input: LLMInput, model: any LanguageModel) -> (tokens: Int, exact: Bool) {
        if let n = try? model.countTokens(input) { return (n, true) }
        return (estimate(input), false)
    }

    static func bound(_ input: LLMInput) -> Int {
        switch input {
        case .text(let t): return t.utf8.count + perMessage
        case .messages(let m): return m.reduce(perMessage) { $0 + $1.content.utf8.count + $1.role.utf8.count + perMessage }
        }
    }

    static func estimate(_ input: LLMInput) -> Int {
        switch input {
        case .text(let t): return (t.utf8.count + 3) / 4
        case .messages(let m): return m.reduce(3) { $0 + ($1.content.utf8.count + 3) / 4 + 4 }
        }
    }
}
