/// One call of `batch`: hands the items out to worker threads, each running the function in its
/// own task VM, and collects the results in input order.
///
/// Threads and locks:
/// - The thread that called `batch` (the *caller*) holds the family's interpreter lock while it
///   sets up; it then releases it (inside `waiting`) until every worker is done, drawing the
///   progress line meanwhile, and takes it back to build the result.
/// - Each worker takes the lock, then repeatedly claims the next item and runs it, letting go of
///   the lock only where the function waits (see `VM.waiting`) and when no items are left.
/// - Workers start as they are needed: one at first, and another whenever a task is about to
///   wait while items remain, up to `concurrency`. Calls that never wait so run on one thread,
///   with no handoffs, and calls that wait soon have `concurrency` requests in flight.
/// - Everything below marked "under the lock" is touched only by a thread holding the
///   interpreter lock; the counters the caller reads while it waits are guarded by `monitor`.
final class BatchRun: @unchecked Sendable {
    let vm: VM
    let items: BatchItems
    let function: Value
    /// Whether the function is called as `fn(item, index)`.
    let passIndex: Bool
    let failFast: Bool
    /// The most workers to start: the concurrency, or the number of items if smaller.
    let maxWorkers: Int
    let checkpoint: BatchCheckpoint?
    /// The host's scope for this batch (its budget), added to its tasks' `batchScopes`.
    let scope: AnyObject?
    private var line: ProgressLine?

    // Under the lock.
    private var next = 0
    private var results: [Value] = []
    /// Set to stop claiming new items: after a failure with `fail_fast`, `exit()` or the step limit.
    private var stopping = false
    /// The first failure with `fail_fast`, re-raised when the running items are done.
    private var firstFailure: RuntimeError?
    /// An `exit()` or a step-limit error in any item: raised by the batch whatever `fail_fast` says.
    private var fatal: Error?
    /// Steps left for the whole batch when the VM has a step limit (each task counts its own and
    /// hands back what it used after every item).
    private var budget = Int.max
    private var seed: UInt64 = 0
    private var workers: [WorkerThread] = []
    /// True from starting a worker until it holds the lock: no second one is started meanwhile.
    private var starting = false

    // Under `monitor`.
    private let monitor = Monitor()
    private var done = 0
    private var startedWorkers = 0
    private var finishedWorkers = 0

    init(vm: VM, items: BatchItems, function: Value, passIndex: Bool, failFast: Bool, concurrency: Int,
         checkpoint: BatchCheckpoint? = nil, scope: AnyObject? = nil) {
        self.checkpoint = checkpoint
        self.scope = scope
        self.vm = vm
        self.items = items
        self.function = function
        self.passIndex = passIndex
        self.failFast = failFast
        maxWorkers = min(concurrency, items.count)
    }

    private var limited: Bool { vm.instructionLimit != nil }

    /// Runs every item and returns the results as a list.
    func run(progress: Bool?) throws -> Value {
        if items.count == 0 { return .list(ListObject()) }
        // The outermost batch of a family makes the lock; this thread, already running Quill
        // code, takes it first.
        let ownsLock = vm.interpreterLock == nil
        if ownsLock {
            let lock = InterpreterLock()
            lock.acquire()
            vm.interpreterLock = lock
        }
        defer {
            if ownsLock {
                vm.interpreterLock?.release()
                vm.interpreterLock = nil
            }
        }
        seed = vm.random.next()
        if limited { budget = vm.remainingSteps }
        results.reserveCapacity(min(items.count, 1 << 16))
        if ProgressLine.wanted(progress, nested: !ownsLock) {
            line = ProgressLine(total: items.count, write: vm.progressOutput)
        }

        try startWorker()
        // Drawn before letting the workers run, so the line always starts from 0.
        line?.update(done: 0)
        let finalCount = vm.waiting { waitForWorkers() }
        for worker in workers { worker.join() }
        line?.finish(done: finalCount)

        if limited { vm.remainingSteps = max(0, budget) }
        if let fatal { throw fatal }
        if let firstFailure { throw firstFailure }
        return .list(ListObject(results))
    }

    /// Starts one more worker with its own task VM. Under the lock.
    private func startWorker() throws {
        let task = vm.makeTask()
        if let scope { task.batchScopes.append(scope) }
        if let line { task.output = line.clearing(task.output) }
        task.willWait = { [unowned self] in self.taskWillWait() }
        // Counted before the thread exists, so the caller never sees all workers finished
        // while one is still to come.
        monitor.withLock { startedWorkers += 1 }
        starting = true
        do {
            workers.append(try WorkerThread { self.work(on: task) })
        } catch {
            monitor.withLock { startedWorkers -= 1 }
            starting = false
            throw error
        }
    }

    /// Called under the lock by a task about to wait: when items remain and no worker is on its
    /// way, start another, so that up to `maxWorkers` items can be in flight.
    private func taskWillWait() {
        guard !starting, !stopping, next < items.count, workers.count < maxWorkers else { return }
        // A worker that cannot start only means fewer items at once; those running finish the job.
        try? startWorker()
    }

    /// Blocks (without the interpreter lock) until every worker finished, redrawing the
    /// progress line; returns how many items were done. Workers start workers only while they
    /// run, so once all that started have finished, no more will.
    private func waitForWorkers() -> Int {
        monitor.lock()
        defer { monitor.unlock() }
        while finishedWorkers < startedWorkers {
            if let line {
                let finished = done
                monitor.unlock()
                line.update(done: finished)
                monitor.lock()
                if finishedWorkers < startedWorkers { monitor.wait(seconds: 0.1) }
            } else {
                monitor.wait()
            }
        }
        return done
    }

    /// A worker thread's life: take the lock, run items until none are left, give it back.
    private func work(on task: VM) {
        guard let lock = task.interpreterLock else { return }
        lock.acquire()
        starting = false
        while !stopping && next < items.count {
            let i = next
            next += 1
            results.append(.nil)
            runItem(i, on: task)
            monitor.withLock { done += 1 }
            monitor.broadcast()
        }
        lock.release()
        monitor.withLock { finishedWorkers += 1 }
        monitor.broadcast()
    }

    /// Runs the function on item `i` in `task` and stores its result or error. Under the lock.
    private func runItem(_ i: Int, on task: VM) {
        // Each item draws from its own generator, derived from the batch's seed and the item's
        // index, so `random` inside the function gives the same values whatever the scheduling.
        var fork = SplitMix64(seed: seed ^ (UInt64(i) &* 0xD1B5_4A32_D192_ED03))
        task.random = SplitMix64(seed: fork.next())
        let startBudget = budget
        if limited { task.remainingSteps = budget }
        do {
            // Every item counts a step, so a step limit also bounds batches of native functions.
            try task.countStep()
            let item = items[i]
            if let checkpoint, let saved = checkpoint.saved(i, item) {
                results[i] = saved
            } else {
                // Into a local first: the call may wait, and other workers append to `results`
                // meanwhile, so no access to it may span the call.
                let value = passIndex ? try task.call(function, item, .int(i)) : try task.call(function, item)
                try checkpoint?.save(i, item, result: value)
                results[i] = value
            }
        } catch let exit as ExitRequest {
            fatal = fatal ?? exit
            stopping = true
        } catch {
            let object = task.errorObject(for: error)
            results[i] = .error(object)
            if limited && object.kind == "LimitError" && task.remainingSteps <= 0 {
                fatal = fatal ?? RuntimeError(object)
                stopping = true
            } else if failFast && firstFailure == nil {
                firstFailure = RuntimeError(object)
                stopping = true
            }
        }
        if limited { budget -= startBudget - task.remainingSteps }
    }
}

/// What `batch` iterates: a snapshot of a list's items (so changing the list while the batch
/// runs does not disturb it), or a range read value by value without building a list.
enum BatchItems {
    case values([Value])
    case range(RangeObject)

    /// The items of `value`, or a TypeError naming the `items` argument.
    init(_ value: Value) throws {
        switch value {
        case .object(let r as RangeObject):
            self = .range(r)
        case .object(let o):
            guard let iterator = o.makeIterator() else { throw Self.notIterable(value) }
            var values: [Value] = []
            while let v = try iterator.next() { values.append(v) }
            self = .values(values)
        case .list, .map, .string:
            self = .values(try LibrarySupport.items(of: value, function: "batch", argument: "items"))
        default:
            throw Self.notIterable(value)
        }
    }

    static func notIterable(_ value: Value) -> QuillError {
        .type("batch() argument 'items' must be a list, range, map or string, not \(value.typeName)")
    }

    var count: Int {
        switch self {
        case .values(let v): return v.count
        case .range(let r): return r.count
        }
    }

    subscript(i: Int) -> Value {
        switch self {
        case .values(let v): return v[i]
        case .range(let r): return .int(r.element(i))
        }
    }
}
