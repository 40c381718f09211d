import CQuillKernels
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work the pool runs on every one of its threads. The per-token loop hands its parallel
/// regions over as objects made once, because a closure costs an allocation per run: Swift
/// wraps it (`withoutActuallyEscaping`) to hand it to the workers, and a token has about six
/// such regions per layer.
protocol ThreadPoolJob: AnyObject {
    /// Does thread `thread`'s share of the current run (0 is the calling thread).
    func run(thread: Int)
}

/// A persistent pool of worker threads that run one job at a time on every thread, the
/// caller included: the per-token loop hands it a job per matrix product and waits.
///
/// Workers spin briefly between jobs (a token's products come microseconds apart) and then
/// sleep on a condition variable, so an idle engine costs no CPU.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// The current run's work. Set before `generation` is bumped and read by workers after
    /// they see the bump.
    private nonisolated(unsafe) var job: ThreadPoolJob?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private var workers: [Thread] = []
    private let exited = DispatchGroup()

    /// Spinning longer than this before sleeping (nanoseconds).
    static let spinNanoseconds: UInt64 = 2_000_000
    /// Waiting this long for the workers at the end of a run means one was kept from its core
    /// (the threads normally finish within microseconds of each other).
    static let contendedNanoseconds: UInt64 = 1_000_000
    /// A share of contended runs (of the recent ones) at which the pool backs off, in units of
    /// `contentionScore` (see `noteEnd`): a competing load keeps the worker from its core at most
    /// barriers, while a host that pauses a virtual core now and then delays a few runs in a
    /// thousand, in bursts (measured on a quiet 2-core VM: 0–30 of 30,000), which must not make
    /// the following runs serial.
    static let contendedShareToBackOff = 0.125
    /// How many runs stay on the calling thread after a back-off starts, doubling while
    /// contention keeps coming back (a competing load) up to `maximumSerialRuns`.
    static let minimumSerialRuns = 16
    static let maximumSerialRuns = 4_096
    /// Uncontended parallel runs after which a back-off starts again at `minimumSerialRuns`.
    static let quietRuns = 1_024
    /// Runs left to do on the calling thread alone, the next back-off, and the parallel runs
    /// since the last contention (only touched by the thread calling `run`).
    private nonisolated(unsafe) var serialRuns = 0
    private nonisolated(unsafe) var backoff = ThreadPool.minimumSerialRuns
    private nonisolated(unsafe) var runsSinceContention = 0
    /// Decaying count of recent contended runs: each parallel run scales it by 31/32 and a
    /// contended one adds 256, so a steady share f of contended runs holds it near 8192·f.
    private nonisolated(unsafe) var contentionScore = 0

    /// A pool using `threads` threads in all (the caller counts as one). Default: every core.
    public init(threads: Int? = nil) {
        threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for index in 1..<threadCount {
            exited.enter()
            let thread = Thread { [unowned self] in
                self.workerLoop(index)
                self.exited.leave()
            }
            thread.name = "quill-engine-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
            workers.append(thread)
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        exited.wait()
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wake.deallocate()
    }

    /// Runs `job.run(thread:)` once on each of the pool's threads and returns when all are
    /// done. Allocates nothing.
    func run(_ job: ThreadPoolJob) {
        if threadCount == 1 { job.run(thread: 0); return }
        if serialRuns > 0 {
            serialRuns -= 1
            for index in 0..<threadCount { job.run(thread: index) }
            return
        }
        self.job = job
        dispatch { job.run(thread: 0) }
        self.job = nil
    }

    /// Runs `body(threadIndex)` once on each of the pool's threads and returns when all are
    /// done. Handing the closure over allocates (see `ThreadPoolJob`).
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in run(ClosureJob(body)) }
    }

    /// A closure as a job, for the runs that are not per token.
    private final class ClosureJob: ThreadPoolJob {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
        func run(thread: Int) { body(thread) }
    }

    /// Starts the workers on the published job, runs `share0` (the calling thread's share) and
    /// waits for them.
    ///
    /// On a machine busy with other work, a worker can wait a whole time slice for a core
    /// while this thread spins at the barrier, and a forward pass has hundreds of barriers:
    /// measured 25× slower than serial. When runs whose end waited that long become a large
    /// share of the recent ones, the next runs do every thread's share on the calling thread,
    /// one after another (`serialRuns`), then try the workers again (`noteEnd`; a few runs at
    /// first, up to thousands under a steady load).
    @inline(__always)
    private func dispatch(_ share0: () -> Void) {
        pending.store(threadCount - 1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }
        let start = Self.nanoseconds()
        share0()
        // When the machine is oversubscribed a worker may be waiting for this core: after
        // a short spin, yield it instead of burning the worker's time slice.
        var spins = 0
        var waitStart: UInt64 = 0
        while pending.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 4096 {
                if waitStart == 0 { waitStart = Self.nanoseconds() }
                sched_yield()
            } else {
                quill_cpu_relax()
            }
        }
        // Contended: the wait outlasted both the threshold and this thread's own share, so
        // the run took over twice what it should. (A long prompt's run may lag a millisecond
        // behind a page fault or a paused virtual core at little cost; serial runs cost half.)
        if waitStart != 0 {
            let waited = Self.nanoseconds() - waitStart
            noteEnd(contended: waited > max(Self.contendedNanoseconds, waitStart - start))
        } else {
            noteEnd(contended: false)
        }
    }

    /// Counts a parallel run's end; backs off to serial runs when contended runs have become a
    /// large share of the recent ones.
    private func noteEnd(contended: Bool) {
        contentionScore -= contentionScore >> 5
        if !contended {
            runsSinceContention += 1
            return
        }
        contentionScore += 256
        if Double(contentionScore) >= Self.contendedShareToBackOff * 8192 { noteContention() }
    }

    /// Backs off to serial runs: briefly at first, for longer and longer while a competing load
    /// persists.
    private func noteContention() {
        if runsSinceContention >= Self.quietRuns { backoff = Self.minimumSerialRuns }
        serialRuns = backoff
        backoff = min(backoff * 2, Self.maximumSerialRuns)
        runsSinceContention = 0
    }

    /// Splits `0..<count` into one contiguous range per thread and runs `body` on each.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count == 0 { return }
        if min(threadCount, count) == 1 { body(0..<count); return }
        run { index in
            let range = share(of: count, thread: index)
            if !range.isEmpty { body(range) }
        }
    }

    /// Thread `thread`'s contiguous part of `0..<count` when it is split evenly (as
    /// `parallelFor` splits it); empty for threads beyond `count`.
    public func share(of count: Int, thread: Int) -> Range<Int> {
        let n = min(threadCount, count)
        guard thread < n else { return 0..<0 }
        return count * thread / n ..< count * (thread + 1) / n
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var spinStart: UInt64 = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 1023 == 0 {
                    let now = Self.nanoseconds()
                    if spinStart == 0 { spinStart = now } else if now - spinStart > Self.spinNanoseconds {
                        sleep(until: seen)
                        spinStart = 0
                    } else if spins > 65536 {
                        sched_yield()
                    }
                }
                quill_cpu_relax()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            job?.run(thread: index)
            pending.subtract(1, ordering: .releasing)
        }
    }

    private func sleep(until seen: Int) {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(wake, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }

    private static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
