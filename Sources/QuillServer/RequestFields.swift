import Hummingbird
import NIOCore
import QuillEngine

/// A JSON object from a request, read field by field with the checks every endpoint needs.
///
/// Each accessor returns nil for a field that is absent or `null` (SDKs send `null` for unset
/// options), and throws a 400 naming the field, the type it must have and the value it got.
/// Fields nobody asks for are ignored: the SDKs send many the server has no use for.
struct RequestFields {
    let members: [(key: String, value: JSONValue)]
    /// How the object is named in messages: empty for the body, `messages[2]` for a nested one.
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case .object(let members) = value else {
            throw path.isEmpty
                ? APIError(.badRequest, "the request body must be a JSON object, got \(RequestFields.kind(of: value))")
                : APIError.invalidField(path, "must be an object, got \(RequestFields.kind(of: value))")
        }
        self.members = members
        self.path = path
    }

    /// Reads a request body (at most `limit` bytes) and parses it as a JSON object.
    static func read(_ request: Request, limit: Int) async throws -> RequestFields {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.tooLarge(length, limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(nil, limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, "the request body is empty: send a JSON object with Content-Type: application/json")
        }
        let text = String(buffer: buffer)
        do {
            return try RequestFields(try JSONValue.parse(text), path: "")
        } catch let error as JSONParseError {
            throw APIError(.badRequest, "the request body is not valid JSON (\(error)); send a JSON object")
        }
    }

    /// The full name of a member, for messages (`messages[0].content`).
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of a member; nil when absent or null.
    subscript(key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    func requiredString(_ key: String, _ what: String) throws -> String {
        guard let s = try string(key) else { throw APIError.missingField(name(key), what) }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let b) = value else { throw wrongType(key, "true or false", value) }
        return b
    }

    /// An integer within `range` (a number with a zero fraction, such as `5.0`, counts).
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = self[key] else { return nil }
        let n: Int
        switch value {
        case .int(let i): n = i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: n = Int(d)
        default: throw wrongType(key, "an integer", value)
        }
        guard range.contains(n) else {
            throw APIError.invalidField(name(key), "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(n)")
        }
        return n
    }

    /// A number within `range`.
    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = self[key] else { return nil }
        guard let d = value.numberValue else { throw wrongType(key, "a number", value) }
        guard range.contains(d) else {
            throw APIError.invalidField(name(key), "must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), got \(Self.format(d))")
        }
        return d
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else { throw wrongType(key, "an array", value) }
        return items
    }

    func object(_ key: String) throws -> RequestFields? {
        guard let value = self[key] else { return nil }
        return try RequestFields(value, path: name(key))
    }

    /// Stop strings: a string or a list of at most `limit` strings (`stop`, `stop_sequences`).
    func stopStrings(_ key: String, limit: Int, allowSingle: Bool = true) throws -> [String]? {
        guard let value = self[key] else { return nil }
        switch value {
        case .string(let s) where allowSingle:
            guard !s.isEmpty else { throw APIError.invalidField(name(key), "must not be an empty string") }
            return [s]
        case .array(let items):
            guard items.count <= limit else {
                throw APIError.invalidField(name(key), "at most \(limit) stop strings are allowed, got \(items.count)")
            }
            return try items.enumerated().map { i, item in
                guard case .string(let s) = item, !s.isEmpty else {
                    throw APIError.invalidField("\(name(key))[\(i)]", "must be a non-empty string, got \(Self.kind(of: item))")
                }
                return s
            }
        default:
            throw wrongType(key, allowSingle ? "a string or an array of strings" : "an array of strings", value)
        }
    }

    func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> APIError {
        APIError.invalidField(name(key), "must be \(expected), got \(Self.kind(of: value))")
    }

    /// A short description of a JSON value for messages: `a string ("hot")`, `an array`.
    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "a boolean (\(b))"
        case .int(let i): return "a number (\(i))"
        case .double(let d): return "a number (\(format(d)))"
        case .string(let s): return "a string (\(JSONValue.string(s.count > 40 ? String(s.prefix(40)) + "…" : s).serialized))"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
    }
}

extension APIError {
    /// The 413 for a body over the limit.
    static func tooLarge(_ length: Int?, limit: Int) -> APIError {
        let size = length.map { "\($0) bytes" } ?? "more than \(limit) bytes"
        return APIError(.contentTooLarge, "the request body is \(size); this server accepts at most \(limit) bytes (quill serve --max-body-bytes)",
                        code: "request_too_large")
    }
}
