import Foundation

/// The one thread a `Runtime`'s VM runs on: jobs run in order, one at a time, on a large stack
/// (parsing deep nesting and callbacks from built-ins into Quill use the Swift stack; Quill's
/// own depth limits then end runaway recursion with errors long before the stack does). A
/// dedicated thread, rather than Swift concurrency's pool, because a script may block its
/// thread for as long as it runs, and 100 runtimes must not starve the host's tasks.
final class RuntimeThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var closed = false
    /// Set when the system refused a thread: jobs then run on whoever submits them.
    private var inline = false

    init(stackSize: Int) {
        inline = startThread(stackSize: stackSize, detached: true, { [self] in loop() }) == nil
    }

    /// Queues `job`; it runs after the jobs queued before it.
    func submit(_ job: @escaping () -> Void) {
        if inline {
            condition.lock()
            defer { condition.unlock() }
            job()
            return
        }
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the queued jobs have run.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !closed { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
