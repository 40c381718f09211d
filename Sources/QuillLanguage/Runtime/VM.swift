#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A call in progress: the closure, where it is in its code, and where its registers start.
struct CallFrame {
    /// Not retained: the callee value stays in the caller's register `base - 1` for the whole
    /// call, which keeps the closure alive and saves a retain/release pair per call.
    unowned(unsafe) var closure: Closure
    var pc: Int
    /// Index of register 0 in the VM stack; the callee value sits at `base - 1`.
    var base: Int
    /// Bit i set: parameter i was passed (so its default is skipped).
    var given: UInt64
    /// Set on the first frame of a nested `run`: returning from it leaves that `run`.
    var exitsRun: Bool
}

/// An active `try`: where to go and where to put the error.
struct Handler {
    var frameIndex: Int
    var catchPC: Int
    /// Absolute stack index of the catch register; upvalues at or above it are closed on unwind.
    var errorSlot: Int
}

/// The Quill virtual machine: a register machine that runs compiled functions.
///
/// A VM is single-threaded: use each instance from one thread at a time. Separate VMs share
/// nothing mutable and may run on different threads. The one exception is `batch`, which runs
/// task VMs on worker threads that share this VM's objects under one interpreter lock (see
/// `VM+Tasks.swift`); natives that block call `waiting` to let the other tasks run meanwhile.
public final class VM {
    /// Where `print` writes. Defaults to standard output.
    public var output: (String) -> Void = { s in
        fputs(s, stdout)
    }
    /// What scripts may touch outside the VM (files, environment, stdin, sleep, network, programs, clock).
    @exclusivity(unchecked) public var capabilities: Capabilities = .all
    /// The directories the file capabilities are confined to (default: anywhere); see `checkRead`.
    @exclusivity(unchecked) public var fileAccess = FileAccess.anywhere
    /// The script's command-line arguments (`args` in scripts).
    public var scriptArguments: [String] = []
    /// Resolves and loads `import`ed modules.
    @exclusivity(unchecked) public var moduleLoader: ModuleLoader
    /// If set, the VM stops with a LimitError after this many instructions (used by fuzzing and sandboxes).
    public var instructionLimit: Int? {
        didSet { remainingSteps = instructionLimit ?? Int.max }
    }
    /// If set, an approximate cap in bytes on the strings, lists and maps scripts hold: an
    /// operation that would pass it raises a MemoryError instead of allocating (see
    /// `MemoryMeter` for what counts and how). Shared with `batch` tasks. Nil, the default,
    /// costs one nil check where a string, list or map is made or grown.
    public var memoryLimit: Int? {
        get { memoryMeter?.limit }
        set { memoryMeter = MemoryMeter.updated(memoryMeter, limit: newValue) }
    }
    /// Counts the bytes `memoryLimit` covers; nil without a limit.
    @exclusivity(unchecked) var memoryMeter: MemoryMeter?
    /// The random generator behind `random`; seeded from the clock unless `random.seed(n)` is called.
    @exclusivity(unchecked) public var random = SplitMix64(seed: clock_gettime_nsec_np_portable())
    /// `str(n)` for small ints, made once per VM (as CPython keeps small ints and one-character
    /// strings): converting loop counters to text then allocates nothing.
    @exclusivity(unchecked) var smallIntStrings: [Value] = []

    /// The string for an int, shared for small ones.
    @inline(__always) public func string(for i: Int) -> Value {
        guard i >= -16 && i < 1024 else { return .str(String(i)) }
        if smallIntStrings.isEmpty { smallIntStrings = (-16..<1024).map { .str(String($0)) } }
        return smallIntStrings[i + 16]
    }

    /// How many `run` loops are active on the Swift stack (natives calling back into Quill).
    @exclusivity(unchecked) var runDepth = 0
    @exclusivity(unchecked) var builtinTable: [String: Value]?
    let maxRunDepth = 180

    /// Set while this VM takes part in a `batch` (as its caller or as one of its tasks): the lock
    /// its family's threads share. Nil otherwise, and then `waiting` just runs its body.
    @exclusivity(unchecked) var interpreterLock: InterpreterLock?
    /// For a task VM: the stack trace of the `batch` call that started it, appended to the traces
    /// of its errors so they read like those of a sequential call.
    @exclusivity(unchecked) var outerTrace: [TraceEntry] = []
    /// For a task VM: the VMs whose `batch` calls it runs in, outermost first (they are
    /// suspended until it finishes). Empty for a root VM.
    @exclusivity(unchecked) var ancestors: [ObjectIdentifier] = []
    /// For a task VM: called under the lock when the task is about to wait, so its `batch` can
    /// start another worker to run meanwhile.
    @exclusivity(unchecked) var willWait: (() -> Void)?
    /// How many `batch` calls enclose this VM's code (0 for a root VM).
    var batchDepth: Int { ancestors.count }
    /// Where `batch` draws its progress line; nil means standard error (tests capture it here).
    @exclusivity(unchecked) var progressOutput: ((String) -> Void)?
    /// Keeps the results of `batch(…, checkpoint: "name")` across runs; without one such a
    /// batch is an error rather than a checkpoint that silently does nothing.
    @exclusivity(unchecked) public var checkpointStore: CheckpointStore?
    /// Turns `batch(…, budget: x)`'s argument into a scope object the host understands (a
    /// spend limit); without it, `budget:` is an error.
    @exclusivity(unchecked) public var makeBatchScope: ((Value) throws -> AnyObject)?
    /// The scopes of the `batch` calls this VM's code runs in, outermost first: host natives
    /// read them (a model call charges every enclosing batch's budget).
    @exclusivity(unchecked) public internal(set) var batchScopes: [AnyObject] = []
    /// Stops this VM and its `batch` tasks on request (see `Interruption`); shared with tasks.
    public var interruption: Interruption {
        get { interruptionStorage }
        set {
            interruptionStorage.unregister(self)
            interruptionStorage = newValue
            newValue.register(self)
        }
    }
    @exclusivity(unchecked) private var interruptionStorage = Interruption()

    /// The state the dispatch loop touches on every call and return. It lives behind a raw
    /// pointer rather than in stored properties because Swift checks exclusive access to a
    /// class's stored properties at run time, and those checks cost more than the work itself.
    struct HotState {
        /// The register stack and the call stack, in raw memory reserved once (they never move)
        /// so the loop pays no bounds checks.
        let stack: UnsafeMutablePointer<Value>
        /// How many registers are initialized; more are initialized as calls need them.
        var stackCapacity: Int
        let frames: UnsafeMutablePointer<CallFrame>
        var frameCount = 0
        var handlers: [Handler] = []
        /// Open upvalues sorted by stack index, innermost last.
        var openUpvalues: [Upvalue] = []
        /// Top of the used stack for the current native call (registers above it are free).
        var nativeTop = 0
        var remainingSteps = Int.max
        var maxCallDepth = 10_000
        /// Stack index of the innermost open upvalue, or -1: lets `return` skip closing cheaply.
        var upvalueTop = -1
        /// Frame index of the innermost `try` handler, or -1: lets `return` skip dropping cheaply.
        var handlerTop = -1
    }

    /// Refreshes the cached tops after `openUpvalues` or `handlers` changed.
    @inline(__always) func syncTops() {
        hot.pointee.upvalueTop = hot.pointee.openUpvalues.last?.stackIndex ?? -1
        hot.pointee.handlerTop = hot.pointee.handlers.last?.frameIndex ?? -1
    }
    let hot: UnsafeMutablePointer<HotState>

    var stack: UnsafeMutablePointer<Value> {
        @inline(__always) get { hot.pointee.stack }
    }
    var stackCapacity: Int {
        @inline(__always) get { hot.pointee.stackCapacity }
        @inline(__always) set { hot.pointee.stackCapacity = newValue }
    }
    var frames: UnsafeMutablePointer<CallFrame> {
        @inline(__always) get { hot.pointee.frames }
    }
    var frameCount: Int {
        @inline(__always) get { hot.pointee.frameCount }
        @inline(__always) set { hot.pointee.frameCount = newValue }
    }
    var handlers: [Handler] {
        @inline(__always) get { hot.pointee.handlers }
        @inline(__always) _modify { yield &hot.pointee.handlers }
    }
    var openUpvalues: [Upvalue] {
        @inline(__always) get { hot.pointee.openUpvalues }
        @inline(__always) _modify { yield &hot.pointee.openUpvalues }
    }
    var nativeTop: Int {
        @inline(__always) get { hot.pointee.nativeTop }
        @inline(__always) set { hot.pointee.nativeTop = newValue }
    }
    var remainingSteps: Int {
        @inline(__always) get { hot.pointee.remainingSteps }
        @inline(__always) set { hot.pointee.remainingSteps = newValue }
    }
    /// Maximum depth of nested Quill calls before a StackOverflowError.
    public var maxCallDepth: Int {
        get { hot.pointee.maxCallDepth }
        set { hot.pointee.maxCallDepth = newValue }
    }

    /// Registers reserved for the stack: 4M (64 MB of address space, touched only as used).
    static let stackLimit = 1 << 22
    /// Frames reserved for the call stack (40 MB of address space, touched only as used).
    static let frameLimit = 1 << 20

    public init(moduleLoader: ModuleLoader = ModuleLoader()) {
        self.moduleLoader = moduleLoader
        // Both stacks are reserved once at their full size and never move: natives hold
        // pointers into the register stack (their arguments) while calling back into Quill,
        // and the dispatch loops of outer calls hold pointers into both.
        let stack = Self.reserve(Value.self, count: Self.stackLimit)
        stack.initialize(repeating: .nil, count: 1024)
        hot = .allocate(capacity: 1)
        hot.initialize(to: HotState(stack: stack, stackCapacity: 1024,
                                    frames: Self.reserve(CallFrame.self, count: Self.frameLimit)))
        interruptionStorage.register(self)
    }

    deinit {
        interruptionStorage.unregister(self)
        frames.deinitialize(count: frameCount)
        Self.release(frames, count: Self.frameLimit)
        stack.deinitialize(count: stackCapacity)
        Self.release(stack, count: Self.stackLimit)
        hot.deinitialize(count: 1)
        hot.deallocate()
    }

    /// Address space for `count` elements from the kernel; pages become memory when touched.
    static func reserve<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = count * MemoryLayout<T>.stride
        guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              raw != MAP_FAILED else {
            fatalError("Quill VM: cannot reserve \(bytes) bytes of address space for its stacks")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    static func release<T>(_ pointer: UnsafeMutablePointer<T>, count: Int) {
        munmap(UnsafeMutableRawPointer(pointer), count * MemoryLayout<T>.stride)
    }

    /// Makes sure registers below `top` exist (are initialized), or throws a StackOverflowError.
    @inline(__always) func ensureStack(_ top: Int) throws {
        if top > stackCapacity { try extendStack(top) }
    }

    func extendStack(_ top: Int) throws {
        guard top <= Self.stackLimit else {
            throw QuillError("StackOverflowError", "stack overflow: more than \(Self.stackLimit) registers in use",
                             hint: "look for unbounded recursion")
        }
        let capacity = min(Self.stackLimit, max(top, stackCapacity * 2))
        (stack + stackCapacity).initialize(repeating: .nil, count: capacity - stackCapacity)
        stackCapacity = capacity
    }

    @inline(__always) func pushFrame(_ frame: CallFrame) throws {
        if frameCount >= min(maxCallDepth, Self.frameLimit - 1) {
            throw QuillError("StackOverflowError", "stack overflow: more than \(maxCallDepth) nested calls",
                             hint: "look for recursion without a base case")
        }
        (frames + frameCount).initialize(to: frame)
        frameCount += 1
    }

    /// Finds or makes the upvalue for a stack slot.
    func capture(_ index: Int) -> Upvalue {
        var i = openUpvalues.count - 1
        while i >= 0 {
            let u = openUpvalues[i]
            if u.stackIndex == index { return u }
            if u.stackIndex < index { break }
            i -= 1
        }
        let u = Upvalue(stack: stack, index: index)
        openUpvalues.insert(u, at: i + 1)
        syncTops()
        return u
    }

    /// Closes every open upvalue at or above a stack index.
    @inline(__always) func closeUpvalues(from index: Int) {
        while let last = openUpvalues.last, last.stackIndex >= index {
            last.close()
            openUpvalues.removeLast()
        }
        syncTops()
    }

    // MARK: - Running code

    /// Runs a module's compiled top-level code and returns the value of its last expression statement (or nil).
    public func run(_ main: FunctionProto) throws -> Value {
        let closure = Closure(proto: main, upvalues: [])
        return try call(.function(closure), [])
    }

    /// Calls any callable value with positional arguments.
    public func call(_ callee: Value, _ arguments: [Value]) throws -> Value {
        try callNamed(callee, arguments, names: [])
    }

    /// Calls a callable with one argument (the common case for `map`, `filter` and hooks).
    public func call(_ callee: Value, _ a: Value) throws -> Value {
        let base = nativeTop
        try ensureStack(base + 2)
        stack[base] = callee
        stack[base + 1] = a
        return try callAt(base, argc: 1, names: [])
    }

    /// Calls a callable with two arguments (`reduce`, comparators).
    public func call(_ callee: Value, _ a: Value, _ b: Value) throws -> Value {
        let base = nativeTop
        try ensureStack(base + 3)
        stack[base] = callee
        stack[base + 1] = a
        stack[base + 2] = b
        return try callAt(base, argc: 2, names: [])
    }

    /// Calls with positional arguments followed by named ones (`names` name the trailing arguments).
    public func callNamed(_ callee: Value, _ arguments: [Value], names: [String]) throws -> Value {
        let base = nativeTop
        try ensureStack(base + 1 + arguments.count)
        stack[base] = callee
        for (i, a) in arguments.enumerated() { stack[base + 1 + i] = a }
        return try callAt(base, argc: arguments.count, names: names)
    }

    /// Calls the value at `stack[base]` with arguments above it, from Swift.
    func callAt(_ base: Int, argc: Int, names: [String]) throws -> Value {
        let savedTop = nativeTop
        defer {
            nativeTop = savedTop
        }
        switch stack[base] {
        case .native(let f):
            nativeTop = base + 1 + argc
            return try callNative(f, receiver: f.receiver, at: base, argc: argc, names: names)
        case .function(let closure):
            guard runDepth < maxRunDepth else {
                throw QuillError("StackOverflowError", "stack overflow: calls between built-ins and Quill functions nested more than \(maxRunDepth) deep")
            }
            let entry = frameCount
            try enter(closure, base: base, argc: argc, names: names, exitsRun: true)
            runDepth += 1
            defer { runDepth -= 1 }
            do {
                return try execute(entryFrame: entry)
            } catch {
                // The callee, its arguments and its frames are dead; leaving the outermost
                // run, so is every register.
                let top = memoryMeter == nil ? 0 : entry == 0 ? stackCapacity : registerTop()
                unwindFrames(to: entry)
                if memoryMeter != nil { releaseRegisters(from: base, to: top) }
                throw error
            }
        default:
            throw QuillError.type("\(stack[base].typeName) is not callable")
        }
    }

    /// Pops frames down to `count`, closing their upvalues (after an error left them behind).
    func unwindFrames(to count: Int) {
        guard frameCount > count else { return }
        closeUpvalues(from: frames[count].base - 1)
        (frames + count).deinitialize(count: frameCount - count)
        frameCount = count
        dropHandlers(aboveOrAt: count)
    }
}

/// A small, fast, seedable generator (SplitMix64) so `random.seed(n)` reproduces runs exactly.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Nanoseconds from a monotonic clock.
func clock_gettime_nsec_np_portable() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
