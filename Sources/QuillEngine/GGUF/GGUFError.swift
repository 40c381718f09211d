/// A malformed or unsupported GGUF file: where in the file, which field, what was expected.
public struct GGUFError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Byte offset in the file where the problem was found.
    public var offset: Int
    /// The field being read, e.g. `tensor 'blk.0.attn_q.weight' offset` or `metadata key #3`.
    public var field: String
    public var expected: String
    public var found: String

    public init(offset: Int, field: String, expected: String, found: String) {
        self.offset = offset
        self.field = field
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "GGUF error at byte \(offset), \(field): expected \(expected), found \(found)"
    }
}

/// A file that is a valid GGUF but asks for something the engine does not do.
public struct ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
