import XCTest
@testable import QuillLanguage

/// `batch` from the host's side: host functions that wait really overlap, shared state survives
/// a stress run, `exit()` and the step limit end the batch, and the progress line.
/// (The language-level behaviour is covered by the scripts in Tests/scripts/concurrency.)
final class BatchTests: XCTestCase {
    /// Counts calls in progress at once, from any thread.
    final class InFlight: @unchecked Sendable {
        private let monitor = Monitor()
        private var current = 0
        private(set) var peak = 0
        private(set) var threads = Set<String>()

        func enter() {
            monitor.withLock {
                current += 1
                peak = max(peak, current)
                threads.insert("\(pthread_self())")
            }
        }
        func leave() { monitor.withLock { current -= 1 } }
    }

    /// A VM with a host function `slow(x)` that blocks for 20 ms, inside `waiting` or not.
    func makeVM(waits: Bool, counter: InFlight, output: @escaping (String) -> Void = { _ in }) -> VM {
        let vm = VM()
        vm.output = output
        vm.defineGlobal("slow", .native(NativeFunction("slow", ["x"]) { args in
            let x = try args.int(0)
            let block = {
                counter.enter()
                usleep(20_000)
                counter.leave()
            }
            if waits { args.vm.waiting(block) } else { block() }
            return .int(x * 2)
        }))
        return vm
    }

    func testHostFunctionsThatWaitRunConcurrentlyOnSeveralThreads() throws {
        let counter = InFlight()
        let vm = makeVM(waits: true, counter: counter)
        let module = try vm.run(source: "let r = batch(range(32), slow, concurrency: 8)", name: "wait")
        XCTAssertEqual(module["r"]?.description, "[" + (0..<32).map { String($0 * 2) }.joined(separator: ", ") + "]")
        XCTAssertEqual(counter.peak, 8, "eight requests in flight together")
        XCTAssertEqual(counter.threads.count, 8, "submitted from eight threads")
        // Outside a batch, `waiting` just runs its body and the lock is gone.
        XCTAssertNil(vm.interpreterLock)
        XCTAssertEqual(vm.waiting { 7 }, 7)
    }

    func testHostFunctionsThatDoNotWaitRunOneAtATime() throws {
        let counter = InFlight()
        let vm = makeVM(waits: false, counter: counter)
        try vm.run(source: "batch(range(6), slow, concurrency: 3)", name: "nowait")
        XCTAssertEqual(counter.peak, 1, "without waiting the interpreter lock is held throughout")
    }

    /// 200 items × concurrency 8, closures mutating a shared map and list with waits between
    /// the updates, several times over: no crash and exact counts.
    func testStressSharedMapAndList() throws {
        let source = """
        let seen = []
        let counts = {}
        var total = 0
        fn work(x, i) {
          let key = "k\\(x % 10)"
          counts[key] = (counts[key] ?? 0) + 1
          time.sleep(0)
          seen.push(i)
          let inner = [x, x + 1].map(fn(v) => v * 2)
          total += inner[0]
          if x % 50 == 7 { throw "item \\(x)" }
          return {item: x, doubled: inner}
        }
        let results = batch(range(200), work, concurrency: 8)
        let errors = results.filter(fn(r) => type(r) == "error")
        print(len(seen), len(counts), counts.values().reduce(fn(a, b) => a + b), total, len(errors))
        print(sorted(seen) == range(200).list(), results[199].doubled)
        """
        for round in 0..<5 {
            var out = ""
            let vm = VM()
            vm.output = { out += $0 }
            try vm.run(source: source, name: "stress")
            XCTAssertEqual(out, "200 10 200 39800 4\ntrue [398, 400]\n", "round \(round)")
        }
    }

    func testExitInsideATaskEndsTheBatch() {
        let vm = VM()
        var out = ""
        vm.output = { out += $0 }
        let source = "batch(range(10), fn(x) { if x == 3 { exit(4) } return x }, concurrency: 2)\nprint(\"after\")"
        XCTAssertThrowsError(try vm.run(source: source, name: "exit")) { error in
            XCTAssertEqual((error as? ExitRequest)?.status, 4)
        }
        XCTAssertEqual(out, "")
    }

    func testStepLimitCoversTheTasks() throws {
        // A runaway item ends the batch (and the script) with a LimitError.
        let vm = VM()
        vm.instructionLimit = 10_000
        XCTAssertThrowsError(try vm.run(source: "batch([1, 2], fn(x) { while true {} })", name: "limit")) { error in
            XCTAssertEqual((error as? RuntimeError)?.kind, "LimitError")
            XCTAssertEqual((error as? RuntimeError)?.message, "step limit of 10000 exceeded")
        }
        // The steps the tasks use count against the script's budget: 3 × 400 loop steps do not
        // fit in 1,000, even though each task alone would.
        let tight = VM()
        tight.instructionLimit = 1_000
        let source = "batch(range(3), fn(x) { for i in range(400) {} }, concurrency: 3)\nprint(1)"
        XCTAssertThrowsError(try tight.run(source: source, name: "budget")) { error in
            XCTAssertEqual((error as? RuntimeError)?.kind, "LimitError")
        }
        // Within the budget everything runs and the script carries on.
        let roomy = VM()
        roomy.instructionLimit = 100_000
        var out = ""
        roomy.output = { out += $0 }
        try roomy.run(source: "print(len(batch(range(100), fn(x) { for i in range(10) {} })))", name: "ok")
        XCTAssertEqual(out, "100\n")
    }

    func testTasksShareTheHostsGlobalsAndCapabilities() throws {
        let vm = VM()
        vm.capabilities = .none
        vm.scriptArguments = ["a1"]
        vm.defineGlobal("greeting", .str("hi"))
        var out = ""
        vm.output = { out += $0 }
        try vm.run(source: """
            let r = batch([1], fn(x) => [greeting, args[0]])
            print(r[0])
            print(batch([0.1], time.sleep)[0].kind)
            """, name: "shared")
        XCTAssertEqual(out, "[\"hi\", \"a1\"]\nPermissionError\n")
    }

    func testProgressLineGoesToItsOwnOutput() throws {
        let vm = VM()
        var out = "", progress = ""
        vm.output = { out += $0 }
        vm.progressOutput = { progress += $0 }
        try vm.run(source: "print(batch(range(5), fn(x) => x, progress: true))", name: "progress")
        XCTAssertEqual(out, "[0, 1, 2, 3, 4]\n")
        XCTAssertTrue(progress.hasPrefix("\r[----------] 0/5  -/s  ETA -\u{1B}[K"), progress)
        XCTAssertTrue(progress.hasSuffix("\u{1B}[K\n"), progress)
        XCTAssertTrue(progress.contains("\r[##########] 5/5  "), progress)

        progress = ""
        try vm.run(source: "batch(range(5), fn(x) => x, progress: false)", name: "quiet")
        XCTAssertEqual(progress, "")
    }

    func testProgressFormatting() {
        let p = BatchProgress(total: 64, done: 23, elapsed: 7.4)
        XCTAssertEqual(p.rate!, 23 / 7.4, accuracy: 1e-9)
        XCTAssertEqual(p.line(), "[###-------] 23/64  3.1/s  ETA 13s")
        XCTAssertEqual(BatchProgress(total: 64, done: 0, elapsed: 1).line(), "[----------] 0/64  -/s  ETA -")
        XCTAssertEqual(BatchProgress(total: 64, done: 64, elapsed: 20.6).line(), "[##########] 64/64  3.1/s  in 21s")
        XCTAssertEqual(BatchProgress(total: 10, done: 5, elapsed: 0.5).line(barWidth: 4), "[##--] 5/10  10.0/s  ETA 1s")
        XCTAssertEqual(BatchProgress(total: 0, done: 0, elapsed: 0).line(), "[##########] 0/0  -/s  in 0s")
        XCTAssertEqual(BatchProgress.formatRate(250.4), "250")
        XCTAssertEqual(BatchProgress.formatRate(0.04), "0.04")
        XCTAssertEqual(BatchProgress.formatDuration(0.4), "0s")
        XCTAssertEqual(BatchProgress.formatDuration(125), "2m05s")
        XCTAssertEqual(BatchProgress.formatDuration(3725), "1h02m")
        XCTAssertEqual(BatchProgress(total: 100, done: 1, elapsed: 100).line(), "[----------] 1/100  0.01/s  ETA 2h45m")
    }
}
