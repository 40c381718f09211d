import Foundation
import Synchronization
import XCTest
@testable import QuillEngine

/// The pool's contention guard: runs go serial when a worker keeps arriving late, and stay
/// parallel when a long run's worker lags a little. Workers are slowed with sleeps so each
/// run's lateness is known; what is asserted is where `body(1)` ran, never a duration.
final class ThreadPoolTests: XCTestCase {
    /// Runs `runs` rounds and counts those whose share 1 ran on the calling thread.
    private func serialRounds(_ pool: ThreadPool, runs: Int, share0: useconds_t, share1: useconds_t) -> Int {
        let caller = pthread_self()
        let serial = Mutex(0)
        for _ in 0..<runs {
            pool.run { index in
                if index == 0 {
                    if share0 > 0 { usleep(share0) }
                } else {
                    usleep(share1)
                    if pthread_equal(pthread_self(), caller) != 0 { serial.withLock { $0 += 1 } }
                }
            }
        }
        return serial.withLock { $0 }
    }

    func testAWorkerLateAtEveryRunMakesTheRunsSerial() {
        let pool = ThreadPool(threads: 2)
        // Share 1 takes 4 ms against nothing on the caller: every parallel run is contended.
        let serial = serialRounds(pool, runs: 60, share0: 0, share1: 4_000)
        XCTAssertGreaterThan(serial, 20, "a steadily late worker should put most runs on the calling thread")
    }

    func testAWorkerLaggingLessThanItsRunStaysParallel() {
        let pool = ThreadPool(threads: 2)
        // Shares of 6 and 7.5 ms: the caller waits 1.5 ms (over the 1 ms threshold) on a run of
        // 6 ms of its own, which is a lag, not a lost core.
        let serial = serialRounds(pool, runs: 40, share0: 6_000, share1: 7_500)
        XCTAssertEqual(serial, 0, "a long run's small lag should not make runs serial")
    }
}
