import ArgumentParser
import Quill

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The flags of `quill run` and `quill eval` that withhold capabilities from a script someone
/// else wrote. Without any of them the user's own script keeps everything, as it always has;
/// `--sandbox` grants nothing, and each `--allow-*` flag grants one thing back and implies the
/// sandbox for the rest. The script file itself is read by the command, not the script, so it
/// needs no flag.
struct SandboxOptions: ParsableArguments {
    @Flag(name: .customLong("sandbox"), help: "Grant the script nothing outside the VM: no files, network, environment, programs, clock, standard input or sleep (--allow-* flags grant back).")
    var sandbox = false

    @Option(name: .customLong("allow-read"), help: ArgumentHelp("Let the script read files in DIR and below (repeatable); implies --sandbox for the rest.", valueName: "dir"))
    var allowRead: [String] = []

    @Option(name: .customLong("allow-write"), help: ArgumentHelp("Let the script write (and read) files in DIR and below (repeatable); implies --sandbox for the rest.", valueName: "dir"))
    var allowWrite: [String] = []

    @Flag(name: .customLong("allow-net"), help: "Let the script use the network: hosted models and pulling local models. Implies --sandbox for the rest.")
    var allowNet = false

    @Flag(name: .customLong("allow-env"), help: "Let the script read environment variables (env). Implies --sandbox for the rest.")
    var allowEnv = false

    @Flag(name: .customLong("allow-run"), help: "Let the script run programs (process.run), which can do anything you can. Implies --sandbox for the rest.")
    var allowRun = false

    @Flag(name: .customLong("allow-clock"), help: "Let the script read the clock (time.now, time.ms, time.clock). Implies --sandbox for the rest.")
    var allowClock = false

    @Flag(name: .customLong("allow-stdin"), help: "Let the script read standard input (input). Implies --sandbox for the rest.")
    var allowStdin = false

    @Flag(name: .customLong("allow-sleep"), help: "Let the script pause (time.sleep). Implies --sandbox for the rest.")
    var allowSleep = false

    /// What the script is granted.
    struct Grant {
        var capabilities: Capabilities
        var fileAccess: FileAccess

        func apply(to vm: VM) {
            vm.capabilities = capabilities
            vm.fileAccess = fileAccess
        }
    }

    func validate() throws { _ = try grant() }

    /// The grant the flags ask for, or nil when none was given (everything is granted).
    func grant() throws -> Grant? {
        let flags: [(Bool, Capabilities)] = [(!allowRead.isEmpty, .readFiles), (!allowWrite.isEmpty, .writeFiles),
                                             (allowNet, .network), (allowEnv, .environment), (allowRun, .subprocess),
                                             (allowClock, .clock), (allowStdin, .standardInput), (allowSleep, .sleep)]
        guard sandbox || flags.contains(where: \.0) else { return nil }
        var capabilities = Capabilities.none
        for (given, capability) in flags where given { capabilities.insert(capability) }
        return Grant(capabilities: capabilities,
                     fileAccess: FileAccess(readableRoots: try directories(allowRead, flag: "--allow-read"),
                                            writableRoots: try directories(allowWrite, flag: "--allow-write")))
    }

    /// The flag's directories, absolute with links resolved (so messages show where they
    /// are); each must exist, since a script cannot create one.
    private func directories(_ paths: [String], flag: String) throws -> [String] {
        try paths.map { path in
            guard FileIO.isDirectory(path), let resolved = FileAccess.resolve(path) else {
                throw ValidationError("\(flag) \(path): no such directory")
            }
            return resolved
        }
    }
}
