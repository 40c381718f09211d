import Foundation

extension CallEvent {
    /// A new call id: 16 random hex digits (unique enough within a run store, short to read).
    public static func newID() -> String {
        let n = UInt64.random(in: 0...UInt64.max)
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The provider of a model spec: the part before the first colon for hosted providers,
    /// `local` for the bundled core.
    public static func provider(of spec: String) -> String {
        let scheme = spec.split(separator: ":", maxSplits: 1).first.map(String.init)?.lowercased() ?? ""
        return ModelSpec.Provider(rawValue: scheme)?.rawValue ?? "local"
    }

    /// The hash of an input: the same messages (or text) give the same hash in any run.
    public static func promptHash(_ input: LLMInput) -> String {
        switch input {
        case .text(let t): return String(StableHash.hex128("text\u{0}" + t).prefix(16))
        case .messages(let m):
            return String(StableHash.hex128(m.map { $0.role + "\u{0}" + $0.content }.joined(separator: "\u{1}")).prefix(16))
        }
    }

    /// A short class of failure, for metrics labels and trace attributes: `http_429`,
    /// `timeout`, `unreachable`, `invalid_output`, `budget_exceeded`, `cancelled`, ….
    public static func errorType(of error: Error) -> String {
        switch error {
        case is CancellationError: return "cancelled"
        case is BudgetExceeded: return "budget_exceeded"
        case let e as LLMError:
            switch e {
            case .http(_, let status, _, _): return "http_\(status)"
            case .unreachable(_, let m): return m.contains("timed out") || m.contains("no reply") ? "timeout" : "unreachable"
            case .invalidOutput: return "invalid_output"
            case .invalidParameter, .invalidConstraint, .invalidSpec: return "invalid_request"
            case .missingKey: return "missing_key"
            case .rateLimit: return "rate_limit"
            case .allFailed: return "all_failed"
            case .unavailable: return "unavailable"
            case .provider: return "provider_error"
            }
        default: return "error"
        }
    }
}
