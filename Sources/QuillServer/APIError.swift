import Foundation
import HTTPTypes
import Hummingbird
import QuillEngine

/// Which API a request speaks, which decides the shape of its errors.
enum APIFlavor: Sendable {
    /// `{"error":{"message","type","param","code"}}`
    case openAI
    /// `{"type":"error","error":{"type","message"},"request_id"}`
    case anthropic

    /// The flavor of a request path: the Anthropic endpoint, or everything else.
    init(path: String) {
        self = path.hasPrefix("/v1/messages") ? .anthropic : .openAI
    }
}

/// An error a client gets back: an HTTP status and a message naming what was wrong and what to
/// do. It is rendered in one place (`body(flavor:requestID:)`) in the shape of the API the
/// request used, so every endpoint reports errors the way its SDK expects.
struct APIError: Error, Equatable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    /// The request field at fault (OpenAI's `param`), when there is one.
    var param: String?
    /// OpenAI's machine-readable `code` (`model_not_found`, `invalid_api_key`, …).
    var code: String?

    init(_ status: HTTPResponse.Status, _ message: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.param = param
        self.code = code
    }

    var description: String { "\(status.code) \(message)" }

    /// A 400 for a request field: names the field and says what it must be.
    static func invalidField(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "'\(field)': \(message)", param: field, code: "invalid_value")
    }

    /// A 400 for a required field that is missing.
    static func missingField(_ field: String, _ what: String) -> APIError {
        APIError(.badRequest, "'\(field)' is required: \(what)", param: field, code: "missing_required_parameter")
    }

    /// OpenAI's error `type` for a status: OpenAI itself reports bad keys and unknown models as
    /// `invalid_request_error` too, with the detail in `code`.
    var openAIType: String {
        switch status.code {
        case 429: return "rate_limit_exceeded"
        case 500...: return "server_error"
        default: return "invalid_request_error"
        }
    }

    /// Anthropic's error `type` for a status.
    var anthropicType: String {
        switch status.code {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 529, 503: return "overloaded_error"
        case 500...: return "api_error"
        default: return "invalid_request_error"
        }
    }

    /// The error object as the API's clients expect it.
    func body(flavor: APIFlavor, requestID: String) -> JSONValue {
        switch flavor {
        case .openAI:
            return .object([("error", .object([
                ("message", .string(message)), ("type", .string(openAIType)),
                ("param", param.map(JSONValue.string) ?? .null), ("code", code.map(JSONValue.string) ?? .null),
            ]))])
        case .anthropic:
            return .object([
                ("type", .string("error")),
                ("error", .object([("type", .string(anthropicType)), ("message", .string(message))])),
                ("request_id", .string(requestID)),
            ])
        }
    }

    /// The complete HTTP response for this error.
    func response(flavor: APIFlavor, requestID: String) -> Response {
        var response = Response.json(body(flavor: flavor, requestID: requestID), status: status)
        if flavor == .anthropic { response.headers[.requestID] = requestID }
        if status == .unauthorized, flavor == .openAI { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

extension HTTPField.Name {
    /// Anthropic's request id header, which its SDK reads into errors.
    static let requestID = HTTPField.Name("request-id")!
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized)))
    }
}

/// Random ids for responses (`chatcmpl-…`, `msg_…`): 24 hex digits after the prefix.
enum ResponseID {
    static func make(_ prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return prefix + (0..<3).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &rng)) }.joined()
    }

    /// Seconds since 1970, as the APIs' `created` fields.
    static var now: Int { Int(Date().timeIntervalSince1970) }
}
