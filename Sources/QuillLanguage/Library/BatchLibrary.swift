/// The `batch` built-in: `batch(items, fn, concurrency: 4, fail_fast: false, progress: nil)` runs
/// `fn` over the items with up to `concurrency` calls in progress at once and returns their
/// results in input order.
///
/// - `fn(item)`, or `fn(item, index)` when its second parameter has no default.
/// - A failing item leaves its error value (what `catch e` would bind) in its slot; the others
///   are unaffected. With `fail_fast: true`, the first failure stops new items from starting,
///   and once the running ones are done it is raised again, with its own location and trace.
/// - `exit()` in an item, or running out of steps, ends the batch with that error either way.
/// - `progress`: nil draws a progress line on standard error when it is a terminal; true always,
///   false never. Output from `print` is unaffected.
/// - `checkpoint: "name"`: each finished item's result is saved by the host's `CheckpointStore`
///   as it finishes; a later run of the same batch takes saved results instead of calling `fn`
///   again (failed items are not saved, so they run again).
/// - `budget`: handed to the host (`VM.makeBatchScope`), which makes it a limit on what the
///   batch's calls may spend; the calls see it in `VM.batchScopes`.
///
/// The calls run on worker threads but only one runs Quill code at a time: a switch happens only
/// while a call waits (`time.sleep`, a model request; see `VM.waiting`), so the code between two
/// waits is atomic and may change shared lists and maps freely. See `VM+Tasks.swift`.
enum BatchLibrary {
    /// More threads than this would only queue for the interpreter lock.
    static let maxConcurrency = 256
    /// Batches inside batches (each level has its own threads) nest at most this deep.
    static let maxNesting = 8

    static var functions: [NativeFunction] {
        [
            NativeFunction("batch", ["items", "fn", "concurrency", "fail_fast", "progress", "checkpoint", "budget"], required: 2) { args in
                try batch(args)
            },
        ]
    }

    static func batch(_ args: Args) throws -> Value {
        let items = try BatchItems(args[0])
        let function = try args.callable(1)
        let concurrency = try args.int(2, default: 4)
        guard concurrency >= 1, concurrency <= maxConcurrency else {
            throw QuillError.value("batch() argument 'concurrency' must be between 1 and \(maxConcurrency), got \(concurrency)")
        }
        let failFast = try args.bool(3, default: false)
        let progress: Bool? = args[4].isNil ? nil : try args.bool(4, default: false)
        guard args.vm.batchDepth < maxNesting else {
            throw QuillError("StackOverflowError", "batch() calls nested more than \(maxNesting) deep",
                             hint: "look for a function that calls batch() on itself")
        }
        var checkpoint: BatchCheckpoint?
        if args.has(5) {
            let name = try args.string(5)
            guard let store = args.vm.checkpointStore else {
                throw QuillError.value("batch(checkpoint: \"\(name)\") needs a place to keep results, and this runtime has none",
                                       hint: "quill run keeps them in its run store; an embedding host sets VM.checkpointStore")
            }
            checkpoint = BatchCheckpoint(store: store, name: name)
        }
        var scope: AnyObject?
        if args.has(6) {
            guard let make = args.vm.makeBatchScope else {
                throw QuillError.value("batch(budget:) is not supported by this runtime", hint: "budgets come with the LLM built-ins (import Quill)")
            }
            scope = try make(args[6])
        }
        let run = BatchRun(vm: args.vm, items: items, function: function, passIndex: takesIndex(function),
                           failFast: failFast, concurrency: concurrency, checkpoint: checkpoint, scope: scope)
        return try run.run(progress: progress)
    }

    /// Whether `fn` is called with the index too: its second parameter must be given (has no
    /// default), so `fn(x, i)` gets it and `fn(x, scale: 2)` does not.
    static func takesIndex(_ function: Value) -> Bool {
        switch function {
        case .function(let closure):
            let proto = closure.proto
            return proto.parameters.count >= 2 && !proto.hasDefault[1]
        case .native(let f):
            return !f.variadic && f.required >= 2
        default:
            return false
        }
    }
}

extension VM {
    /// Runs `function` over `items` as `batch(items, function, concurrency:, progress:)` does,
    /// for hosts building on it (`evaluate`): results in input order, a failed item's error
    /// value in its slot, `exit()` and the step limit raised.
    public func batch(_ items: [Value], concurrency: Int, progress: Bool? = nil, _ function: Value) throws -> [Value] {
        guard case .list(let list) = try BatchRun(vm: self, items: .values(items), function: function,
                                                   passIndex: BatchLibrary.takesIndex(function), failFast: false,
                                                   concurrency: min(max(concurrency, 1), BatchLibrary.maxConcurrency))
            .run(progress: progress) else { return [] }
        return list.items
    }

    /// Runs `body` with `scope` as this VM's innermost batch scope: the host's scope for one
    /// piece of work (`evaluate` observes each row's calls through one).
    public func withBatchScope<T>(_ scope: AnyObject, _ body: () throws -> T) rethrows -> T {
        batchScopes.append(scope)
        defer { batchScopes.removeLast() }
        return try body()
    }
}
