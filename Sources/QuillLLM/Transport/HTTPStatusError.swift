import Foundation

/// A non-2xx response: its status, headers and (collected, at most 1 MB) body.
///
/// `description` says what the provider answered and what to do about it. It never shows the
/// headers: they are kept for retry decisions (`retry-after`, rate-limit counters), and a proxy
/// may echo request headers, credentials included.
public struct HTTPStatusError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// The response headers, names lowercased.
    public var headers: [String: String]
    public var body: Data
    /// How many attempts were made before giving up with this response.
    public var attempts: Int

    public init(status: Int, headers: [String: String] = [:], body: Data = Data(), attempts: Int = 1) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
        self.attempts = attempts
    }

    /// The error's message from the body (see `ProviderErrorBody` for the shapes read).
    public var message: String? { errorBody?.message }

    /// The error's type: OpenAI's `error.type` (`insufficient_quota`, `server_error`) or
    /// Anthropic's (`rate_limit_error`, `overloaded_error`).
    public var errorType: String? { errorBody?.type }

    /// OpenAI's `error.code` (`rate_limit_exceeded`, `insufficient_quota`, `model_not_found`).
    public var errorCode: String? { errorBody?.code }

    /// Whether the account is out of money rather than over a rate: OpenAI's
    /// `insufficient_quota`, or an error (Anthropic's) that names billing, credit or a spend
    /// limit. Waiting does not help, so such a response is never retried.
    public var isQuotaExhausted: Bool {
        if errorType == "insufficient_quota" || errorCode == "insufficient_quota" { return true }
        let text = [errorType, errorCode, message].compactMap { $0 }.joined(separator: " ").lowercased()
        return ["insufficient_quota", "exceeded your current quota", "billing", "credit balance", "credits",
                "spend limit", "spending limit", "spend cap", "usage limits"].contains { text.contains($0) }
    }

    public var description: String {
        var text = "the provider answered HTTP \(status)"
        if let type = errorType ?? errorCode { text += " (\(type))" }
        if let message, !message.isEmpty {
            text += ": " + Self.shortened(message)
        } else if !body.isEmpty {
            text += ": " + Self.shortened(String(decoding: body.prefix(400), as: UTF8.self))
        }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if let advice { text += "; " + advice }
        return text
    }

    /// What the user can do about this status.
    private var advice: String? {
        switch status {
        case 400, 422: return "the provider rejected the request: check the model's parameters"
        case 401: return "check the API key"
        case 402: return "check the account's billing"
        case 403: return "the API key has no access to this model or resource"
        case 404: return "check the model name and the base URL"
        case 408: return "the provider timed out waiting for the request: try again"
        case 413: return "the request is too large: shorten the prompt"
        case 429 where isQuotaExhausted: return "the account's quota or spend limit is used up: check its billing"
        case 429: return "rate limited: lower the concurrency or set a client-side rate limit"
        case 500...599: return "the provider failed or is overloaded: try again later"
        default: return nil
        }
    }

    private var errorBody: ProviderErrorBody? { ProviderErrorBody(body) }

    private static func shortened(_ text: String) -> String {
        var oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        // The advice follows after "; ", so a closing period would read as "details.;".
        if oneLine.hasSuffix(".") { oneLine.removeLast() }
        return oneLine.count > 300 ? String(oneLine.prefix(300)) + "…" : oneLine
    }
}
