import Foundation
import QuillLanguage

/// One call into a runtime (a `run`, `call` or `evaluate`) as seen from outside its thread:
/// whether it has finished, and the interrupts that stop it early — the host's Task being
/// cancelled, or the wall-clock limit passing.
///
/// An interrupt is delivered by driving the VM's step counter below zero, and that store can
/// race with the running thread's own decrement and be lost; so the job re-sends it every
/// 10 ms until the call ends. `finish` and each send hold the same lock, so no interrupt from
/// this job can land after it finished (and stop the runtime's next call); and a job still
/// queued behind another only records its reason, raised when it starts, so cancelling it never
/// stops the call that is running.
final class RuntimeJob: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false
    private var finished = false
    private var stopReason: QuillError?
    private let interruption: Interruption

    init(interruption: Interruption) { self.interruption = interruption }

    /// Why the job was stopped from outside, if it was.
    var reason: QuillError? { lock.withLock { stopReason } }

    /// Starts the wall-clock limit.
    func limit(to seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            stop(QuillError("TimeoutError", "the script ran longer than its time limit of \(Self.format(seconds))",
                            hint: "the host sets it (Runtime.Limits.timeout)"))
        }
    }

    /// Marks the job running (on the runtime's thread, before its code starts); false when it
    /// was stopped while it waited: then it is finished and must not run at all.
    func start() -> Bool {
        lock.withLock {
            guard stopReason == nil else {
                finished = true
                return false
            }
            running = true
            return true
        }
    }

    /// Interrupts the job with `reason` (the first reason sticks), repeating until it ends.
    func stop(_ reason: QuillError) {
        let send: Bool = lock.withLock {
            guard !finished else { return false }
            if stopReason == nil { stopReason = reason }
            guard running else { return false }
            interruption.interrupt(stopReason!)
            return true
        }
        if send {
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.01) { [self] in stop(reason) }
        }
    }

    /// Marks the job done: no interrupt is sent after this returns.
    func finish() { lock.withLock { finished = true } }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : "\(seconds) s"
    }

    /// The error a host cancellation raises inside the script.
    static let cancelled = QuillError("CancellationError", "the host cancelled the script")
}
