import Foundation
import QuillEngine

/// The error object a provider sends, in any of the shapes seen: OpenAI's and Anthropic's
/// `{"error": {"message", "type", "code"}}`, Ollama's `{"error": "text"}`, and a top-level
/// `message` or `detail` (vLLM, FastAPI servers). One reading serves a non-2xx body
/// (`HTTPStatusError`) and an error sent inside a stream that had started well.
public struct ProviderErrorBody: Sendable, Equatable {
    public var message: String?
    /// `error.type`: `insufficient_quota`, `server_error`, `rate_limit_error`, `overloaded_error`.
    public var type: String?
    /// OpenAI's `error.code`: `rate_limit_exceeded`, `insufficient_quota`, `model_not_found`.
    public var code: String?

    /// Reads a JSON object; nil when it carries no error.
    public init?(_ json: JSONValue) {
        let error = json["error"]
        if let text = error?.stringValue {
            message = text
        } else if let error, case .object = error {
            message = error["message"]?.stringValue
            type = error["type"]?.stringValue
            switch error["code"] {
            case .string(let s)?: code = s
            case .int(let i)?: code = String(i)
            default: code = nil
            }
        } else if let text = json["message"]?.stringValue ?? json["detail"]?.stringValue {
            message = text
        } else {
            return nil
        }
    }

    /// Reads a body; nil when it is not JSON or carries no error.
    public init?(_ body: Data) {
        guard !body.isEmpty, let json = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else { return nil }
        self.init(json)
    }

    /// "message (type)", for an error raised from a stream.
    public var summary: String {
        let text = message ?? "(no message)"
        return (type ?? code).map { "\(text) (\($0))" } ?? text
    }
}
