import Foundation
import QuillLanguage
import QuillLLM

/// The handlers scripts register with `on(kind, fn)`.
///
/// Script code may only run on a Quill thread holding the interpreter lock, while events are
/// published on the tasks that run requests. So a call's events are queued to the thread that
/// made the call (see `ModelCall`) and the handlers run there, in order, between the pieces of
/// the call — and a handler that fails is reported and the call goes on.
final class ScriptHooks: @unchecked Sendable {
    private struct Hook {
        let id: Int
        let kind: CallEvent.Kind
        let function: Value
    }

    private let lock = NSLock()
    private var hooks: [Hook] = []
    private var nextID = 1
    /// Failures reported so far: the first few are shown in full, then a batch whose handler
    /// fails on every item does not bury the output.
    private var failures = 0
    static let shownFailures = 5
    /// Where a failed handler is reported.
    let report: @Sendable (String) -> Void

    init(report: @escaping @Sendable (String) -> Void) {
        self.report = report
    }

    func add(_ kind: CallEvent.Kind, _ function: Value) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let id = nextID
        nextID += 1
        hooks.append(Hook(id: id, kind: kind, function: function))
        return id
    }

    func remove(_ id: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let i = hooks.firstIndex(where: { $0.id == id }) else { return false }
        hooks.remove(at: i)
        return true
    }

    func wants(_ kind: CallEvent.Kind) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return hooks.contains { $0.kind == kind }
    }

    var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return hooks.isEmpty
    }

    /// The context for a call made by `vm`: its batch's span and budgets, and — when scripts
    /// have handlers — an observer that queues the call's events with `push` for `deliver`.
    func context(for vm: VM, push: @escaping @Sendable (CallEvent) -> Void) -> CallContext {
        let scopes = vm.batchScopes.compactMap { $0 as? BatchScope }
        var context = CallContext(parentSpan: scopes.last?.span, limits: scopes.compactMap(\.limit))
        let observers = scopes.compactMap(\.observe)
        let hooked = !isEmpty
        if hooked { context.wantsTokens = wants(.token) }
        if hooked || !observers.isEmpty {
            context.observe = { [weak self] event in
                for observe in observers { observe(event) }
                if hooked, self?.wants(event.kind) == true { push(event) }
            }
        }
        return context
    }

    /// Runs the handlers of an event on the calling Quill thread (holding the lock).
    func deliver(_ event: CallEvent, vm: VM) {
        lock.lock()
        let targets = hooks.filter { $0.kind == event.kind }.map(\.function)
        lock.unlock()
        guard !targets.isEmpty else { return }
        let value = JSONBridge.value(event.json)
        for function in targets {
            do {
                _ = try vm.call(function, value)
            } catch {
                // Interrupted, not failed: the caller raises the interrupt.
                if vm.interruption.isRaised { return }
                lock.lock()
                failures += 1
                let count = failures
                lock.unlock()
                if count <= Self.shownFailures {
                    let rendered = DiagnosticRenderer.render(RuntimeError(vm.errorObject(for: error)), color: false)
                    report("quill: a handler of on(\"\(event.kind.rawValue)\") failed; the call goes on:\n" + rendered)
                }
                if count == Self.shownFailures {
                    report("quill: further failures of on(...) handlers are not shown\n")
                }
            }
        }
    }
}

/// What `batch` makes for each batch when the LLM built-ins are installed: a span its calls
/// belong to, and the budget given with `batch(…, budget: usd)`. `evaluate` makes one per row
/// with an observer that adds up the row's calls.
final class BatchScope {
    let span: String
    let limit: SpendLimit?
    /// Sees every event of the calls made inside the scope, nested scopes included.
    let observe: (@Sendable (CallEvent) -> Void)?

    init(limit: SpendLimit?, prefix: String = "batch", observe: (@Sendable (CallEvent) -> Void)? = nil) {
        span = prefix + "-" + CallEvent.newID()
        self.limit = limit
        self.observe = observe
    }
}
