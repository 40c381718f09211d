import Foundation

/// Writes call events to a file as JSON Lines (`quill run --log-events FILE`): one event per
/// line, as `CallEvent.json` shows it, appended and flushed as each happens, so the file is
/// complete up to the moment a process dies. `token` events are left out unless asked for
/// (one line per generated piece is rarely wanted in a log).
public final class EventLog: @unchecked Sendable {
    public let path: String
    private let handle: FileHandle
    private let lock = NSLock()
    private var subscription: EventBus.Subscription?
    private weak var bus: EventBus?

    /// Opens (creating or appending to) the log file.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw LLMError.invalidParameter(name: "log-events", message: "cannot create '\(path)'; check the folder exists and is writable")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw LLMError.invalidParameter(name: "log-events", message: "cannot open '\(path)' for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Starts logging the events published on `bus`.
    public func attach(to bus: EventBus, tokens: Bool = false) {
        self.bus = bus
        let kinds = Set(CallEvent.Kind.allCases.filter { tokens || $0 != .token })
        subscription = bus.subscribe(kinds) { [weak self] in self?.write($0) }
    }

    func write(_ event: CallEvent) {
        let line = Data((event.json.serialized + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        handle.write(line)
    }

    /// Stops logging and closes the file.
    public func close() {
        if let subscription { bus?.unsubscribe(subscription) }
        subscription = nil
        lock.lock()
        defer { lock.unlock() }
        try? handle.close()
    }
}
