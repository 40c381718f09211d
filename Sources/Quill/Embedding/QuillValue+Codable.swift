import Foundation

/// JSON-shaped coding: nil ↔ null, lists ↔ arrays, maps ↔ objects (in order), numbers keep
/// int vs float where the format can tell. Host objects and references have no portable form
/// and fail to encode with an error naming their type.
extension QuillValue: Codable {
    /// Decodes JSON-shaped data (null, bools, numbers, strings, arrays, objects).
    public init(from decoder: Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [QuillValue] = []
            while !array.isAtEnd { items.append(try array.decode(QuillValue.self)) }
            self = .list(items)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var map = QuillMap()
            for key in object.allKeys { map[key.stringValue] = try object.decode(QuillValue.self, forKey: key) }
            self = .map(map)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .nil }
        else if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let i = try? single.decode(Int.self) { self = .int(i) }
        else if let d = try? single.decode(Double.self) { self = .double(d) }
        else if let s = try? single.decode(String.self) { self = .string(s) }
        else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "not a value Quill can hold")
        }
    }

    /// Encodes as JSON-shaped data; host objects and references throw `EncodingError.invalidValue`.
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .nil:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .list(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .map(let map):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in map { try c.encode(value, forKey: AnyKey(key)) }
        case .object, .reference:
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath,
                debugDescription: "a \(typeName) value has no portable form; convert it to a map or a string first"))
        }
    }

    /// Converts any `Encodable` Swift value (a struct, an array, a dictionary) to a Quill value,
    /// through its JSON form: structs become maps, arrays lists, optionals nil.
    public init<T: Encodable>(encoding value: T) throws {
        let data = try JSONEncoder().encode(value)
        // Quill's own JSON reader keeps the fields in the order the encoder wrote them.
        self = try QuillValue(bridging: JSON.decode(String(decoding: data, as: UTF8.self)))
    }

    /// Converts the value to a `Decodable` Swift type: `try result.decode(as: Product.self)`.
    /// A mismatch throws the `DecodingError` naming the field path.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }
}

/// A coding key for any string (map keys are data, not a fixed schema).
private struct AnyKey: CodingKey {
    let stringValue: String
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { return nil }
}
