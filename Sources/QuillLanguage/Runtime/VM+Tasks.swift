/// Task VMs and the interpreter lock: how `batch` runs Quill functions on several threads.
///
/// The model, in the manner of CPython's global interpreter lock but cooperative:
///
/// - A `batch` call runs its function on worker threads, each with a **task VM**: its own
///   register stack, call frames, `try` handlers and step counter, sharing everything else with
///   the VM that called `batch` — modules and their globals, every list, map and object the
///   function can reach, the module loader, capabilities, output, `args` and the built-ins
///   (including globals the host added with `defineGlobal`).
/// - The caller and its tasks form a **family** with one `InterpreterLock`, made by the outermost
///   `batch` and dropped when it returns. Exactly one thread of a family runs Quill code at a time.
/// - A thread lets go of the lock only inside `waiting` (around a blocking call: a model request,
///   an HTTP call, `time.sleep`) and when its work is done. So the Quill code between two waits
///   runs atomically: tasks may read and change shared lists and maps without data races, and
///   a switch to another task happens only where a native waits.
/// - Closures work in any VM of the family: a closure refers to its module's globals directly
///   (`proto.module.slots`), and its captured variables through upvalues that point either into
///   the stack of the VM that made them (which never moves, and whose frame is suspended in
///   `batch` until every task is done) or into their own cells once closed.
/// - Inline caches, the module cache and lazily built string data are only touched while the
///   lock is held; Swift's reference counting is atomic, so values may be retained from any thread.
extension VM {
    /// Runs `body`, a blocking wait, with the interpreter lock released so that other tasks of a
    /// running `batch` can execute Quill code meanwhile; takes the lock back before returning.
    ///
    /// Host functions that block — a model request, an HTTP call, waiting for a process — should
    /// wrap the blocking part in it, so that `batch(items, fn, concurrency: 8)` really has eight
    /// requests in flight at once:
    ///
    /// ```swift
    /// vm.defineGlobal("fetch", .native(NativeFunction("fetch", ["url"]) { args in
    ///     let url = try args.string(0)                 // read the arguments first,
    ///     let body = try args.vm.waiting { try http.get(url) }   // wait without the lock,
    ///     return .str(body)                            // and make Quill values after.
    /// }))
    /// ```
    ///
    /// While `body` runs, other threads are running Quill code, so `body` must not touch Quill
    /// state: no contents of `Value`s (lists, maps, objects), no calls into the VM. Read what it
    /// needs into Swift values before, and build the Quill result after. `body` runs on the
    /// calling thread — in a `batch`, the task's worker thread — so eight tasks waiting means
    /// eight threads blocked in their requests at once. Outside a `batch` no other Quill code can
    /// run, and `waiting` simply calls `body`.
    @discardableResult
    public func waiting<T>(_ body: () throws -> T) rethrows -> T {
        guard let lock = interpreterLock else { return try body() }
        willWait?()
        lock.release()
        defer { lock.acquire() }
        return try body()
    }

    /// A new VM for one worker of a `batch` run by this VM: its own stacks, frames, handlers and
    /// step counter; sharing this VM's module loader, capabilities and file access, output, script arguments,
    /// built-ins, step, memory and call-depth limits, and its interpreter lock. Its random generator
    /// is derived from this VM's, so seeded runs stay reproducible (`batch` reseeds it per item).
    ///
    /// Call it holding the lock (on the thread running this VM's code), after the lock is set.
    func makeTask() -> VM {
        let task = VM(moduleLoader: moduleLoader)
        task.output = output
        task.progressOutput = progressOutput
        task.capabilities = capabilities
        task.fileAccess = fileAccess
        task.scriptArguments = scriptArguments
        task.builtinTable = builtins
        task.instructionLimit = instructionLimit
        task.memoryMeter = memoryMeter
        task.maxCallDepth = maxCallDepth
        task.checkpointStore = checkpointStore
        task.makeBatchScope = makeBatchScope
        task.batchScopes = batchScopes
        // Derived without advancing this VM's generator: tasks may be made at any moment of a
        // batch, and the script's own draws must not depend on how many were.
        var fork = random
        task.random = SplitMix64(seed: fork.next() ^ UInt64(ancestors.count + 1))
        task.interpreterLock = interpreterLock
        task.interruption = interruption
        task.ancestors = ancestors + [ObjectIdentifier(self)]
        task.outerTrace = currentTrace()
        return task
    }
}
