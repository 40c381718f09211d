import QuillLanguage

/// A Swift function scripts can call: a name, parameters (named, with optional defaults) and a
/// body, synchronous or `async`. The VM checks the call's shape (too many, missing, unknown or
/// repeated arguments are `ArgumentError`s naming the function) before the body runs; the
/// body reads converted arguments from `HostArguments`, whose typed getters raise `TypeError`s
/// naming the argument.
public struct HostFunction: Sendable {
    /// A synchronous body: runs on the runtime's thread.
    public typealias Body = @Sendable (HostArguments) throws -> QuillValue
    /// An `async` body: the script waits for it, interruptibly.
    public typealias AsyncBody = @Sendable (HostArguments) async throws -> QuillValue

    enum Implementation: Sendable {
        case sync(Body)
        case async(AsyncBody)
    }

    /// The name scripts use.
    public let name: String
    /// The parameters, in order.
    public let parameters: [HostParameter]
    let implementation: Implementation

    /// A function with a synchronous body.
    public init(_ name: String, parameters: [HostParameter] = [], _ body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        implementation = .sync(body)
    }

    /// A function with an `async` body.
    public init(_ name: String, parameters: [HostParameter] = [], _ body: @escaping AsyncBody) {
        self.name = name
        self.parameters = parameters
        implementation = .async(body)
    }
}

/// A parameter of a host function: `"sku"` (required) or `HostParameter("limit", default: 10)`.
/// Required parameters must come before optional ones.
public struct HostParameter: Sendable, ExpressibleByStringLiteral {
    /// The name scripts use.
    public let name: String
    /// The value used when a call leaves the argument out; nil makes the parameter required.
    public let defaultValue: QuillValue?

    /// A parameter, required unless it has a default.
    public init(_ name: String, default defaultValue: QuillValue? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }

    /// A required parameter: `"sku"`.
    public init(stringLiteral name: String) { self.init(name) }
}

/// The arguments of one call to a host function, by parameter name, already converted to
/// `QuillValue`s (defaults filled in).
public struct HostArguments: Sendable {
    /// The function being called, for error messages.
    public let function: String
    private let names: [String]
    private let values: [QuillValue]

    init(function: String, names: [String], values: [QuillValue]) {
        self.function = function
        self.names = names
        self.values = values
    }

    /// The argument for parameter `name` (`.nil` when an optional one was not given).
    public subscript(name: String) -> QuillValue {
        guard let i = names.firstIndex(of: name) else { return .nil }
        return values[i]
    }

    /// The argument as a `String`, or a `TypeError` naming it.
    public func string(_ name: String) throws -> String {
        guard case .string(let s) = self[name] else { throw mismatch(name, "a string") }
        return s
    }

    /// The argument as an `Int` (a float with an integral value is accepted), or a `TypeError`.
    public func int(_ name: String) throws -> Int {
        guard let i = self[name].intValue else { throw mismatch(name, "an int") }
        return i
    }

    /// The argument as a `Double` (from an int or a float), or a `TypeError`.
    public func double(_ name: String) throws -> Double {
        guard let d = self[name].doubleValue else { throw mismatch(name, "a number") }
        return d
    }

    /// The argument as a `Bool`, or a `TypeError`.
    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = self[name] else { throw mismatch(name, "a bool") }
        return b
    }

    /// The argument as a list, or a `TypeError`.
    public func list(_ name: String) throws -> [QuillValue] {
        guard case .list(let l) = self[name] else { throw mismatch(name, "a list") }
        return l
    }

    /// The argument as a map, or a `TypeError`.
    public func map(_ name: String) throws -> QuillMap {
        guard case .map(let m) = self[name] else { throw mismatch(name, "a map") }
        return m
    }

    /// Converts the argument to a `Decodable` type; a mismatch is a `TypeError` naming the
    /// argument and the field.
    public func decode<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        do {
            return try self[name].decode(as: T.self)
        } catch let error as DecodingError {
            throw QuillError.type("\(function)() argument '\(name)' does not fit \(T.self): \(Self.describe(error))")
        }
    }

    private func mismatch(_ name: String, _ expected: String) -> QuillError {
        QuillError.type("\(function)() argument '\(name)' must be \(expected), not \(self[name].typeName)")
    }

    private static func describe(_ error: DecodingError) -> String {
        let (path, text): ([CodingKey], String)
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): (path, text) = (c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c): (path, text) = (c.codingPath + [key], "missing")
        @unknown default: return "\(error)"
        }
        let field = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return field.isEmpty ? text : "\(field.hasPrefix(".") ? String(field.dropFirst()) : field): \(text)"
    }
}
