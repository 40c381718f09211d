/// What a script may touch outside the VM. The `quill` command grants everything to its user's
/// scripts; an embedding host (and the fuzz tests) can withhold any of it. A denied operation is a
/// `PermissionError` naming the capability, never a silent success.
public struct Capabilities: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `read_file`, `read_lines`, `exists`, and `import` of local files.
    public static let readFiles = Capabilities(rawValue: 1 << 0)
    /// `write_file`.
    public static let writeFiles = Capabilities(rawValue: 1 << 1)
    /// `env`.
    public static let environment = Capabilities(rawValue: 1 << 2)
    /// `input`.
    public static let standardInput = Capabilities(rawValue: 1 << 3)
    /// `time.sleep`.
    public static let sleep = Capabilities(rawValue: 1 << 4)

    public static let all: Capabilities = [.readFiles, .writeFiles, .environment, .standardInput, .sleep]
    public static let none: Capabilities = []

    var name: String {
        switch self {
        case .readFiles: return "read files"
        case .writeFiles: return "write files"
        case .environment: return "environment"
        case .standardInput: return "standard input"
        case .sleep: return "sleep"
        default: return "capability"
        }
    }
}

extension VM {
    /// Throws a PermissionError unless the runtime grants `capability`; `operation` names what
    /// was attempted ("read_file()", "import of a file").
    public func require(_ capability: Capabilities, for operation: String) throws {
        guard capabilities.contains(capability) else {
            throw QuillError("PermissionError", "\(operation) is not permitted: this runtime does not grant '\(capability.name)'",
                             hint: "the host decides what scripts may do; see Capabilities in the embedding guide")
        }
    }
}
