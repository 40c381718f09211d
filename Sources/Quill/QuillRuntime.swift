import Foundation
@_exported import QuillLanguage
@_exported import QuillLLM

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedding API: one Quill runtime with its own globals, modules and output.
///
/// ```swift
/// let quill = QuillRuntime()
/// quill.output = { print($0, terminator: "") }
/// try quill.run(source: "print(1 + 2)", name: "demo")
/// ```
/// A runtime is used from one thread at a time; separate runtimes are independent.
public final class QuillRuntime {
    public struct Configuration {
        /// Arguments the script sees as `args`.
        public var arguments: [String] = []
        /// Directories searched by `import "name"` before the standard library.
        public var modulePaths: [String]? = nil
        /// Stop scripts after this many loop iterations and calls (nil: no limit).
        public var stepLimit: Int? = nil
        /// Opens `model(spec)`'s models (local store, pulling on first use).
        public var models = ModelFactory()
        /// Where `cache: true` responses are kept (default `$QUILL_HOME/cache/responses`).
        public var responseCache = ResponseCache()
        /// Sees, prices and limits every model call: subscribe to `monitor.bus` to observe
        /// events, set prices on `monitor.prices`, budgets with `monitor.setLimit`.
        public var monitor = CallMonitor()
        /// Keeps `batch(…, checkpoint:)` results across runs (`quill run`: the run store).
        public var checkpoints: CheckpointStore? = nil
        /// Keeps the script's finished evaluations and hands each to a recorder (`quill run`:
        /// the run store); thresholds set here override the script's (`quill eval --threshold`).
        public var evaluations = EvaluationLog()
        /// Where problems that do not stop the script are reported (a failing `on(...)` handler).
        public var report: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
        public init() {}
    }

    public let vm: VM
    /// The runtime's call monitor (the configuration's): events, prices, totals, budgets.
    public let monitor: CallMonitor
    /// The evaluations the script has finished, in order (`evaluate`, and each cell of
    /// `evaluate_matrix`).
    public var evaluations: [EvalReport] { evaluationLog.reports }
    private let evaluationLog: EvaluationLog
    /// Model calls print their text as it is generated unless told `stream: false` (the REPL).
    public var streamsModelOutput: Bool {
        get { streaming.value }
        set { streaming.value = newValue }
    }
    /// Shared with the built-ins, which may outlive this object (they live in the VM).
    private let streaming = Locked(false)

    public init(configuration: Configuration = Configuration()) {
        vm = VM(moduleLoader: ModuleLoader(searchPaths: configuration.modulePaths))
        vm.scriptArguments = configuration.arguments
        vm.instructionLimit = configuration.stepLimit
        vm.checkpointStore = configuration.checkpoints
        monitor = configuration.monitor
        evaluationLog = configuration.evaluations
        let streaming = self.streaming
        let hooks = ScriptHooks(report: configuration.report)
        LLMLibrary.install(into: vm, factory: configuration.models, cache: configuration.responseCache,
                           monitor: configuration.monitor, hooks: hooks, streamsByDefault: { streaming.value })
        MonitoringLibrary.install(into: vm, monitor: configuration.monitor, hooks: hooks)
        EvaluationLibrary.install(into: vm, factory: configuration.models, log: configuration.evaluations)
    }

    /// Where `print` writes.
    public var output: (String) -> Void {
        get { vm.output }
        set { vm.output = newValue }
    }

    /// Parses, compiles and runs a script; returns its module (top-level bindings).
    @discardableResult
    public func run(source: String, name: String = "<script>") throws -> Module {
        try vm.run(source: source, name: name)
    }

    /// Reads and runs a script file.
    @discardableResult
    public func run(file path: String) throws -> Module {
        let source = try FileIO.readText(path)
        return try vm.run(source: source, name: path)
    }

    /// Checks a script for compile errors without running it.
    public func check(source: String, name: String) throws {
        let file = SourceFile(name: name, text: source)
        _ = try vm.compile(file, into: Module(name: name, file: file))
    }

    /// Registers a Swift function callable from scripts as a global.
    public func register(_ name: String, parameters: [String] = [], required: Int? = nil,
                         _ body: @escaping NativeFunction.Body) {
        vm.defineGlobal(name, .native(NativeFunction(name, parameters, required: required, body: body)))
    }

    /// Calls a Quill function value from Swift.
    public func call(_ function: Value, _ arguments: [Value]) throws -> Value {
        try vm.call(function, arguments)
    }
}

/// Runs a closure on a thread with a large stack, so deeply nested scripts reach Quill's own
/// depth limits (clear errors) long before the host's stack runs out.
public func withLargeStack<T>(bytes: Int = 512 << 20, _ body: @escaping () -> T) -> T {
    var result: T?
    guard let thread = startThread(stackSize: bytes, detached: false, { result = body() }) else { return body() }
    pthread_join(thread, nil)
    return result!
}

/// Starts `body` on a new thread with a `stackSize`-byte stack (joinable unless `detached`);
/// nil when the system refuses a thread.
func startThread(stackSize: Int, detached: Bool, _ body: @escaping () -> Void) -> pthread_t? {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(ThreadWork(body)).toOpaque()
    let started = pthread_create(&thread, &attributes, { raw in
        Unmanaged<ThreadWork>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, context)
    guard started == 0 else {
        Unmanaged<ThreadWork>.fromOpaque(context).release()
        return nil
    }
    return thread
}

private final class ThreadWork: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
