import Foundation
import QuillLanguage
import QuillLLM

/// A Quill runtime for a host program: its own globals, modules, limits, capabilities and
/// cost ledger, on its own thread.
///
/// ```swift
/// var configuration = Runtime.Configuration()
/// configuration.limits = .init(steps: 1_000_000, timeout: 5)
/// let runtime = Runtime(configuration)
/// let value = try await runtime.run(source: "let total = 1 + 2\ntotal * 10")   // .int(30)
/// ```
///
/// Every method is `async` and the type is `Sendable`: calls from any task are queued and run
/// one at a time, in order, on the runtime's thread. Separate runtimes share nothing mutable
/// and run in parallel; local models are loaded once per process and shared by all of them.
/// Cancelling the calling Task stops the script (mid-loop, mid-generation, mid-wait) and the
/// call throws `CancellationError`; other failures throw `ScriptError`.
public final class Runtime: Sendable {
    /// The runtime's call monitor: cost and token totals (`monitor.ledger`), prices, budgets.
    public let monitor: CallMonitor
    private let engine: Engine
    private let thread: RuntimeThread
    private let limits: Limits

    /// A runtime with its own thread, VM and call monitor.
    public init(_ configuration: Configuration = Configuration()) {
        limits = configuration.limits
        let engine = Engine(configuration)
        self.engine = engine
        monitor = engine.quill.monitor
        thread = RuntimeThread(stackSize: configuration.stackSize)
    }

    deinit { thread.close() }

    /// Runs source text. Top-level bindings persist in the runtime (later `run`, `call` and
    /// `evaluate` see them, as chunks share globals in Lua); returns the value of the last
    /// statement when it is an expression, else `.nil`.
    @discardableResult
    public func run(source: String, name: String = "<script>") async throws -> QuillValue {
        try await perform { try $0.execute(source, name: name) }
    }

    /// Reads a UTF-8 script file (the host reads it: no capability needed) and runs it.
    @discardableResult
    public func run(file path: String) async throws -> QuillValue {
        let source: String
        do { source = try FileIO.readText(path) } catch { throw ScriptError.from(error) }
        return try await run(source: source, name: path)
    }

    /// Evaluates an expression (or any source; the last expression's value is returned).
    public func evaluate(_ expression: String) async throws -> QuillValue {
        try await perform { try $0.execute(expression, name: "<evaluate>") }
    }

    /// Calls a function a script defined (or a built-in) by name, with positional and named
    /// arguments.
    public func call(_ function: String, args: [QuillValue] = [], named: KeyValuePairs<String, QuillValue> = [:]) async throws -> QuillValue {
        let named = Array(named)
        return try await perform { engine in
            try engine.call(engine.lookup(function), args: args, named: named)
        }
    }

    /// Calls a function value this runtime returned (a `.reference` from `run`, `evaluate` or
    /// an earlier `call`).
    public func call(_ function: QuillValue, args: [QuillValue] = [], named: KeyValuePairs<String, QuillValue> = [:]) async throws -> QuillValue {
        let named = Array(named)
        return try await perform { engine in
            try engine.call(function.vmValue(owner: engine.owner), args: args, named: named)
        }
    }

    /// Makes a Swift function callable from scripts as a global. Registered functions are
    /// seen by code run afterwards (names are resolved when a script is compiled).
    public func register(_ function: HostFunction) {
        thread.submit { [engine] in engine.define(function.name, .native(HostBridge.native(function))) }
    }

    /// Registers a synchronous Swift closure as the global function `name`.
    public func register(_ name: String, parameters: [HostParameter] = [], _ body: @escaping HostFunction.Body) {
        register(HostFunction(name, parameters: parameters, body))
    }

    /// Registers an `async` Swift closure as the global function `name`. While it runs, the
    /// script waits (other `batch` tasks go on); cancelling or timing out the call ends the wait.
    public func register(_ name: String, parameters: [HostParameter] = [], _ body: @escaping HostFunction.AsyncBody) {
        register(HostFunction(name, parameters: parameters, body))
    }

    /// Defines a global value: data, or a `HostObject` (`.object(catalogue)`). A reference
    /// from another runtime cannot be defined; that is reported to `diagnostics`.
    public func define(_ name: String, _ value: QuillValue) {
        thread.submit { [engine] in
            do {
                engine.define(name, try value.vmValue(owner: engine.owner))
            } catch {
                engine.report("quill: define(\"\(name)\"): \(error)\n")
            }
        }
    }

    /// What the host receives for a script's failure: `CancellationError` when the host's
    /// cancellation stopped it, else a `ScriptError`.
    private static func hostError(_ error: Error, _ job: RuntimeJob) -> Error {
        if job.reason == RuntimeJob.cancelled, (error as? RuntimeError)?.kind == RuntimeJob.cancelled.kind {
            return CancellationError()
        }
        return ScriptError.from(error)
    }

    /// Runs `work` on the runtime's thread with the per-call limits, mapping its outcome to
    /// the host's errors.
    private func perform(_ work: @escaping @Sendable (Engine) throws -> QuillValue) async throws -> QuillValue {
        try Task.checkCancellation()
        let job = RuntimeJob(interruption: engine.interruption)
        let limits = self.limits
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QuillValue, Error>) in
                thread.submit { [engine] in
                    engine.prepare()
                    // Only the host's cancellation can stop a call before it starts.
                    guard job.start() else { return continuation.resume(throwing: CancellationError()) }
                    if let timeout = limits.timeout { job.limit(to: timeout) }
                    let result = Result { try work(engine) }
                    job.finish()
                    continuation.resume(with: result.mapError { Self.hostError($0, job) })
                }
            }
        } onCancel: {
            job.stop(RuntimeJob.cancelled)
        }
    }
}
