import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Raw HTTP for the tests (URLSession, as curl would send it): status, headers and body.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (a test failure message if it is not one).
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw NSError(domain: "HTTPReply", code: 1, userInfo: [NSLocalizedDescriptionKey: "not a JSON object: \(text)"])
        }
        return object
    }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 300
        return URLSession(configuration: configuration)
    }()

    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)"] = "\(value)" }
        return HTTPReply(status: http.statusCode, headers: fields, body: data)
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await send("GET", url, headers: headers)
    }

    /// POSTs a JSON value (given as a Swift dictionary, or as raw text when `raw` is set).
    static func post(_ url: String, json: Any? = nil, raw: String? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
        var all = ["Content-Type": "application/json"]
        for (k, v) in headers { all[k] = v }
        let body = try raw.map { Data($0.utf8) } ?? json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send("POST", url, headers: all, body: body)
    }
}
