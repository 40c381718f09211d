import Foundation
import Synchronization

/// A request to stop what a VM family is running (Ctrl-C in the REPL, a host cancelling): the
/// script stops at its next loop iteration or call with an `Interrupted` error, and code that
/// waits (a model call) is woken and cancelled through `onInterrupt`.
///
/// The dispatch loop never reads the flag: `interrupt()` drives each registered VM's step
/// counter below zero, which sends its next counted step to the slow path (`countStep`), and
/// that checks the flag. So scripts pay nothing for being interruptible. The step counter is
/// owned by the running thread, so the store can race with its decrement and be lost; callers
/// that must be sure (the REPL's watcher) call `interrupt()` again until the work ends.
public final class Interruption: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    private let lock = NSLock()
    private var state = State()

    private struct State {
        /// What the interrupted code raises: `Interrupted`, or the host's reason (a timeout).
        var reason = Interruption.error
        /// Step counters of the VMs that run the family's code, by VM.
        var counters: [ObjectIdentifier: UnsafeMutablePointer<VM.HotState>] = [:]
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextHandler = 0
    }

    public init() {}

    /// Whether an interrupt is pending.
    public var isRaised: Bool { raised.load(ordering: .acquiring) }

    /// The error interrupted code raises (the reason given to the first `interrupt` since the
    /// last `clear`).
    public var error: QuillError { lock.withLock { state.reason } }

    /// Asks the running code to stop, raising `reason`; safe from any thread (not from a signal
    /// handler: set an atomic there and call this from a thread). While an interrupt is pending,
    /// later reasons do not replace the first.
    public func interrupt(_ reason: QuillError = Interruption.error) {
        lock.withLock { if !isRaised { state.reason = reason } }
        raised.store(true, ordering: .releasing)
        let (counters, handlers) = lock.withLock { (Array(state.counters.values), Array(state.handlers.values)) }
        for hot in counters { hot.pointee.remainingSteps = -1 }
        for handler in handlers { handler() }
    }

    /// Clears a handled interrupt, so the next piece of work runs normally.
    public func clear() { raised.store(false, ordering: .releasing) }

    /// Runs `handler` on every `interrupt()` until the returned token is removed: how code that
    /// blocks (waiting for a model) is woken.
    public func onInterrupt(_ handler: @escaping @Sendable () -> Void) -> Int {
        lock.withLock {
            state.nextHandler += 1
            state.handlers[state.nextHandler] = handler
            return state.nextHandler
        }
    }

    public func removeHandler(_ token: Int) {
        _ = lock.withLock { state.handlers.removeValue(forKey: token) }
    }

    func register(_ vm: VM) {
        let hot = vm.hot
        lock.withLock { state.counters[ObjectIdentifier(vm)] = hot }
    }

    func unregister(_ vm: VM) {
        _ = lock.withLock { state.counters.removeValue(forKey: ObjectIdentifier(vm)) }
    }

    /// The error an interrupted script stops with unless the host gave another reason.
    public static var error: QuillError { QuillError("Interrupted", "interrupted") }
}
