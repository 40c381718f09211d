import HTTPTypes
import Hummingbird
import NIOCore
import QuillEngine

/// Runs around every request: checks the API key, turns every error into the response shape of
/// the API the request used, and records the HTTP metrics.
///
/// Errors are rendered here and only here, so a route just throws (`APIError` for the client's
/// mistakes; anything else becomes a 500 that still says what failed). Nothing a client sends
/// gets past this without a well-formed response.
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: ServerState

    /// Paths open without a key: liveness checks and Prometheus scrapes carry no model data.
    static var openPaths: Set<String> { ["/health", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = MonotonicClock.now()
        let metrics = state.metrics
        metrics.add(ServerMetrics.inFlight, [], 1)
        let flavor = APIFlavor(path: request.uri.path)
        var response: Response
        do {
            try authenticate(request, flavor: flavor)
            response = try await next(request, context)
        } catch {
            response = Self.errorResponse(error, request: request, flavor: flavor)
        }
        // Unmatched paths are counted under one label, so scans cannot grow the series.
        let route = context.endpointPath ?? "unmatched"
        let labels: ServerMetrics.Labels = [("http_request_method", request.method.rawValue), ("http_route", route),
                                            ("http_response_status_code", String(response.status.code))]
        metrics.increment(ServerMetrics.httpRequests, labels)
        // Counted as done when the body's last byte is written: for a stream, its end.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer {
                metrics.observe(ServerMetrics.httpDuration, labels, MonotonicClock.now() - started)
                metrics.add(ServerMetrics.inFlight, [], -1)
            }
            try await body.write(writer)
        }
        return response
    }

    /// With an API key configured: OpenAI clients send `Authorization: Bearer KEY`; Anthropic
    /// clients send `x-api-key: KEY` (SDK 1.x) or the bearer token (SDK 2.x), so both are taken.
    func authenticate(_ request: Request, flavor: APIFlavor) throws {
        guard let key = state.configuration.apiKey, !Self.openPaths.contains(request.uri.path) else { return }
        var offered: String?
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { offered = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if offered == nil, flavor == .anthropic { offered = request.headers[.xAPIKey] }
        guard let offered else {
            let how = flavor == .anthropic ? "x-api-key: KEY or Authorization: Bearer KEY" : "Authorization: Bearer KEY"
            throw APIError(.unauthorized, "no API key: this server needs one; send \(how) with the key given to quill serve --api-key",
                           code: "invalid_api_key")
        }
        guard APIKey.matches(offered, key) else {
            throw APIError(.unauthorized, "incorrect API key; use the key given to quill serve --api-key (or QUILL_SERVE_API_KEY)",
                           code: "invalid_api_key")
        }
    }

    /// The response for any error a route threw.
    static func errorResponse(_ error: Error, request: Request, flavor: APIFlavor) -> Response {
        let requestID = ResponseID.make("req_")
        let apiError: APIError
        switch error {
        case let e as APIError:
            apiError = e
        case is NIOTooManyBytesError:
            apiError = APIError(.contentTooLarge, "the request body is too large (quill serve --max-body-bytes)", code: "request_too_large")
        case let e as HTTPError where e.status == .notFound:
            apiError = APIError(.notFound, "no endpoint \(request.method.rawValue) \(request.uri.path); this server has POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, POST /v1/messages, GET /v1/models, GET /health, GET /metrics",
                                code: "unknown_url")
        case let e as HTTPResponseError:
            apiError = APIError(e.status, "\(e)")
        default:
            apiError = APIError(.internalServerError, "internal error: \(error)", code: "server_error")
        }
        return apiError.response(flavor: flavor, requestID: requestID)
    }
}

/// API key checks.
enum APIKey {
    /// Compares keys without stopping at the first difference, so timing does not reveal a prefix.
    static func matches(_ offered: String, _ key: String) -> Bool {
        let x = Array(offered.utf8), y = Array(key.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<min(x.count, y.count) { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
