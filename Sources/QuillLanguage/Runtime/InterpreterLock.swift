#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock that lets exactly one thread of a VM family (a VM and the task VMs of its `batch`
/// calls) run Quill code at a time, as CPython's global interpreter lock does.
///
/// A thread holds it whenever it runs Quill code and lets go only around a blocking wait
/// (`VM.waiting`) and when its work is done, so code between two waits runs atomically and the
/// objects the tasks share (lists, maps, module globals, call-site caches, the module cache) are
/// never touched by two threads at once. The mutex behind it orders memory: whatever one
/// thread wrote before releasing, the next one to acquire sees.
///
/// Waiters get the lock in the order they asked for it (a ticket lock), so a task whose model
/// request returned first resumes first, and a task coming back from a wait cannot be starved
/// by one that releases and re-acquires in a loop.
final class InterpreterLock: @unchecked Sendable {
    private let monitor = Monitor()
    /// The next ticket to hand out, and the ticket whose holder may run. Guarded by `monitor`.
    private var nextTicket = 0
    private var serving = 0

    /// Blocks until this thread holds the lock.
    func acquire() {
        monitor.lock()
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket { monitor.wait() }
        monitor.unlock()
    }

    /// Passes the lock to the next waiter. Only the holder may call it.
    func release() {
        monitor.lock()
        serving += 1
        monitor.broadcast()
        monitor.unlock()
    }
}

/// A POSIX mutex with a condition variable: the one primitive the lock and `batch` are built on.
///
/// Both live in allocated memory because POSIX forbids moving them once initialized.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the mutex.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Releases the mutex until another thread broadcasts (or spuriously); re-acquires it before
    /// returning. Callers re-check their condition in a loop.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Like `wait()`, but returns after `seconds` at the latest.
    func wait(seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int(now.tv_nsec) + Int(seconds * 1e9)
        var deadline = timespec(tv_sec: now.tv_sec + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
        pthread_cond_timedwait(condition, mutex, &deadline)
    }

    /// Wakes every waiting thread.
    func broadcast() { pthread_cond_broadcast(condition) }
}
