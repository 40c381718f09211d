import Foundation

/// Where call events go: any number of observers, each for some kinds of event, added and
/// removed at any time from any thread.
///
/// Observers run on the thread that publishes (a request's task), in the order they were
/// added, and must be quick and thread-safe; one that throws is reported through `onFailure`
/// and the call it observes goes on. Publishing checks `wants(kind)` first, so events nobody
/// listens for (a `token` per generated piece) cost nothing to produce.
public final class EventBus: @unchecked Sendable {
    public typealias Observer = @Sendable (CallEvent) throws -> Void

    /// What `subscribe` returns; pass it to `unsubscribe` to stop.
    public struct Subscription: Hashable, Sendable {
        public let id: Int
    }

    private struct Entry {
        let id: Int
        let kinds: Set<CallEvent.Kind>?
        let observer: Observer
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var nextID = 1
    /// Kinds someone listens for, read without taking the lock on every token.
    private var listened = Set<CallEvent.Kind>()
    /// Called with an observer's error and the event it failed on.
    public let onFailure: @Sendable (Error, CallEvent) -> Void

    public init(onFailure: @escaping @Sendable (Error, CallEvent) -> Void = EventBus.reportToStandardError) {
        self.onFailure = onFailure
    }

    public static let reportToStandardError: @Sendable (Error, CallEvent) -> Void = { error, event in
        FileHandle.standardError.write(Data("quill: an observer of '\(event.kind.rawValue)' events failed: \(error)\n".utf8))
    }

    /// Adds an observer for the given kinds (nil: every kind).
    @discardableResult
    public func subscribe(_ kinds: Set<CallEvent.Kind>? = nil, _ observer: @escaping Observer) -> Subscription {
        lock.lock()
        defer { lock.unlock() }
        let id = nextID
        nextID += 1
        entries.append(Entry(id: id, kinds: kinds, observer: observer))
        listened.formUnion(kinds ?? Set(CallEvent.Kind.allCases))
        return Subscription(id: id)
    }

    /// Removes an observer; returns false when it was not subscribed (already removed).
    @discardableResult
    public func unsubscribe(_ subscription: Subscription) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let i = entries.firstIndex(where: { $0.id == subscription.id }) else { return false }
        entries.remove(at: i)
        listened = entries.reduce(into: Set()) { $0.formUnion($1.kinds ?? Set(CallEvent.Kind.allCases)) }
        return true
    }

    /// Whether any observer listens for this kind of event.
    public func wants(_ kind: CallEvent.Kind) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return listened.contains(kind)
    }

    /// Delivers an event to every observer of its kind.
    public func publish(_ event: CallEvent) {
        lock.lock()
        let targets = entries.filter { $0.kinds?.contains(event.kind) ?? true }
        lock.unlock()
        for target in targets {
            do {
                try target.observer(event)
            } catch {
                onFailure(error, event)
            }
        }
    }
}
