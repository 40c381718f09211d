import Foundation

/// An attribute value in the OTLP JSON encoding: an object with exactly one of `stringValue`,
/// `intValue`, `doubleValue`, `boolValue` or `arrayValue`.
enum OTLPValue: Encodable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([OTLPValue])

    private enum CodingKeys: String, CodingKey {
        case stringValue, intValue, doubleValue, boolValue, arrayValue
    }

    private enum ArrayKeys: String, CodingKey { case values }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .string(let s): try c.encode(s, forKey: .stringValue)
        // int64 is a string in OTLP JSON: JSON numbers lose precision past 2^53.
        case .int(let n): try c.encode(String(n), forKey: .intValue)
        case .double(let d): try c.encode(d, forKey: .doubleValue)
        case .bool(let b): try c.encode(b, forKey: .boolValue)
        case .array(let values):
            var nested = c.nestedContainer(keyedBy: ArrayKeys.self, forKey: .arrayValue)
            try nested.encode(values, forKey: .values)
        }
    }
}

/// One `{"key", "value"}` attribute.
struct OTLPAttribute: Encodable, Equatable {
    var key: String
    var value: OTLPValue
}

/// A list of attributes being built, which leaves out values that are unknown or that JSON
/// cannot carry (an infinite or NaN double would make the encoder fail the whole batch).
struct OTLPAttributes {
    private(set) var list: [OTLPAttribute] = []

    mutating func add(_ key: String, _ value: String?) {
        if let value { list.append(OTLPAttribute(key: key, value: .string(value))) }
    }

    mutating func add(_ key: String, _ value: Int?) {
        if let value { list.append(OTLPAttribute(key: key, value: .int(value))) }
    }

    mutating func add(_ key: String, _ value: Double?) {
        if let value, value.isFinite { list.append(OTLPAttribute(key: key, value: .double(value))) }
    }

    mutating func add(_ key: String, _ value: Bool) {
        list.append(OTLPAttribute(key: key, value: .bool(value)))
    }

    mutating func add(_ key: String, _ values: [String]?) {
        if let values { list.append(OTLPAttribute(key: key, value: .array(values.map { .string($0) }))) }
    }
}

/// One span in the OTLP JSON encoding (field names as the protobuf JSON mapping spells them).
struct OTLPSpan: Encodable {
    /// `SpanKind`: the run's root is internal work, each model call a client request.
    enum Kind: Int, Encodable {
        case `internal` = 1
        case client = 3
    }

    /// `Status`; `code` 1 is OK, 2 is ERROR (0, unset, is expressed by leaving the status out).
    struct Status: Encodable {
        var code: Int
        var message: String?

        static let ok = Status(code: 1)
        static func error(_ message: String?) -> Status { Status(code: 2, message: message) }
    }

    var traceId: String
    var spanId: String
    var parentSpanId: String?
    var name: String
    var kind: Kind
    var startTimeUnixNano: String
    var endTimeUnixNano: String
    var attributes: [OTLPAttribute]
    var status: Status?

    init(traceId: String, spanId: String, parentSpanId: String?, name: String, kind: Kind,
         start: Double, end: Double, attributes: [OTLPAttribute], status: Status?) {
        self.traceId = traceId
        self.spanId = spanId
        self.parentSpanId = parentSpanId
        self.name = name
        self.kind = kind
        startTimeUnixNano = Self.nanoseconds(start)
        endTimeUnixNano = Self.nanoseconds(max(start, end))
        self.attributes = attributes
        self.status = status
    }

    /// Seconds since 1970 as the decimal string of nanoseconds OTLP JSON uses for fixed64.
    static func nanoseconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0" }
        // Whole seconds and the fraction apart: `seconds * 1e9` is past 2^53, where a double
        // cannot hold every nanosecond (0.25 s would come out as 0.249999872).
        let whole = seconds.rounded(.down)
        return String(UInt64(whole) * 1_000_000_000 + UInt64(((seconds - whole) * 1e9).rounded()))
    }

    /// Whether `id` is a valid span id (8 bytes, hex, lowercase, not all zero); the collector
    /// rejects the whole request for one bad id.
    static func isSpanID(_ id: String) -> Bool {
        id.utf8.count == 16 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            && id.utf8.contains { $0 != 48 }
    }

    /// A random span id.
    static func newSpanID() -> String {
        var id = randomHex(bytes: 8)
        while !isSpanID(id) { id = randomHex(bytes: 8) }
        return id
    }

    /// A random trace id (16 bytes, not all zero).
    static func newTraceID() -> String {
        newSpanID() + randomHex(bytes: 8)
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let b = UInt8.random(in: 0...255, using: &generator)
            return String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }.joined()
    }
}

/// The body of an OTLP/HTTP trace export: one resource (this process), one scope (Quill).
struct OTLPExportRequest: Encodable {
    struct ResourceSpans: Encodable {
        var resource: Resource
        var scopeSpans: [ScopeSpans]
    }

    struct Resource: Encodable {
        var attributes: [OTLPAttribute]
    }

    struct ScopeSpans: Encodable {
        var scope: Scope
        var spans: [OTLPSpan]
    }

    struct Scope: Encodable {
        var name: String
        var version: String
    }

    var resourceSpans: [ResourceSpans]

    init(resource: [OTLPAttribute], scope: Scope, spans: [OTLPSpan]) {
        resourceSpans = [ResourceSpans(resource: Resource(attributes: resource),
                                       scopeSpans: [ScopeSpans(scope: scope, spans: spans)])]
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// How many spans a successful reply says the collector rejected, and why: OTLP's
    /// `partialSuccess` (`rejectedSpans` is an int64, so a string in JSON; some send a number).
    static func rejectedSpans(in reply: Data) -> (count: Int, message: String?) {
        guard !reply.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any],
              let partial = object["partialSuccess"] as? [String: Any] else { return (0, nil) }
        let count: Int
        switch partial["rejectedSpans"] {
        case let s as String: count = Int(s) ?? 0
        case let n as NSNumber: count = n.intValue
        default: count = 0
        }
        let message = (partial["errorMessage"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return (count, message)
    }
}
