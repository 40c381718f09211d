/// What a script may touch outside the VM. The `quill` command grants everything to its user's
/// scripts unless told otherwise (`--sandbox`, `--allow-read DIR`, ...); an embedding host (and
/// the fuzz tests) can withhold any of it. A denied operation is a `PermissionError` naming the
/// capability, never a silent success.
///
/// File capabilities can also be confined to directories: see `FileAccess` and `VM.checkRead`.
public struct Capabilities: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `read_file`, `read_lines`, `list_dir`, `exists`, `dataset(path)`, and `import` of local
    /// files; confined by `VM.fileAccess.readableRoots`.
    public static let readFiles = Capabilities(rawValue: 1 << 0)
    /// `write_file`, `report.save`; confined by `VM.fileAccess.writableRoots`.
    public static let writeFiles = Capabilities(rawValue: 1 << 1)
    /// `env`.
    public static let environment = Capabilities(rawValue: 1 << 2)
    /// `input`.
    public static let standardInput = Capabilities(rawValue: 1 << 3)
    /// `time.sleep`.
    public static let sleep = Capabilities(rawValue: 1 << 4)
    /// Hosted models (`model("openai:...")`) and pulling a local model that is not downloaded.
    public static let network = Capabilities(rawValue: 1 << 5)
    /// `process.run`: starting other programs, which can do anything the user can, so a host
    /// that grants it grants everything else in effect.
    public static let subprocess = Capabilities(rawValue: 1 << 6)
    /// `time.now`, `time.ms`, `time.clock`: reading the clock, withheld where runs must be
    /// reproducible or must not measure timing.
    public static let clock = Capabilities(rawValue: 1 << 7)

    public static let all: Capabilities = [.readFiles, .writeFiles, .environment, .standardInput, .sleep,
                                           .network, .subprocess, .clock]
    public static let none: Capabilities = []

    /// The capability's name in messages ("read files").
    public var name: String {
        switch self {
        case .readFiles: return "read files"
        case .writeFiles: return "write files"
        case .environment: return "environment"
        case .standardInput: return "standard input"
        case .sleep: return "sleep"
        case .network: return "network"
        case .subprocess: return "subprocess"
        case .clock: return "clock"
        default: return "capability"
        }
    }

    /// The PermissionError for attempting `operation` without this capability, for natives
    /// that check it themselves (opening a model decides late whether it needs the network).
    public func denial(for operation: String) -> QuillError {
        QuillError("PermissionError", "\(operation) is not permitted: this runtime does not grant '\(name)'",
                   hint: Capabilities.permissionHint)
    }
}

extension Capabilities {
    /// Where a denied script's user can look: the `quill` flags, or the host's configuration.
    static let permissionHint = "the host decides what scripts may do: `quill run` takes --allow-read DIR, --allow-write DIR, "
        + "--allow-net, --allow-env, --allow-run and --allow-clock; an embedding host sets VM.capabilities"
}

extension VM {
    /// Throws a PermissionError unless the runtime grants `capability`; `operation` names what
    /// was attempted ("read_file()", "import of a file").
    public func require(_ capability: Capabilities, for operation: String) throws {
        guard capabilities.contains(capability) else { throw capability.denial(for: operation) }
    }
}
