import Foundation
import XCTest
import Quill

/// Many runtimes in one process: each independent, all usable from Swift concurrency at once.
/// `.ci/run` also runs this class under Thread Sanitizer (`QUILL_TSAN=1`).
final class ConcurrentRuntimeTests: XCTestCase {
    /// A workload touching the parts runtimes could share by mistake: globals, closures, the
    /// string interning of small ints, JSON, sorting, a batch, a host function and a host model.
    static func workload(_ i: Int) -> String {
        """
        let seed = \(i)
        fn fib(n) { if n < 2 { return n }
        return fib(n - 1) + fib(n - 2) }
        let words = range(50).list().map(fn(k) => str((k * seed) % 17))
        var counts = {}
        for w in words { counts[w] = (counts[w] ?? 0) + 1 }
        let doubled = batch(range(8), fn(x) => x * seed, concurrency: 4)
        let reply = model("host:echo").gen("item \(i) of many")
        json.encode({fib: fib(15 + seed % 5), counts: len(counts), doubled: doubled, reply: reply,
                     scaled: scale(seed), sorted: sorted(words)[0]})
        """
    }

    static func makeRuntime(_ i: Int) -> Runtime {
        var configuration = Runtime.Configuration()
        configuration.output = { _ in }
        configuration.diagnostics = { _ in }
        let model = WordModel(name: "host:echo")
        configuration.hostModels["host"] = { _ in model }
        let runtime = Runtime(configuration)
        runtime.register("scale", parameters: ["x"]) { args in .int(try args.int("x") * 1000) }
        return runtime
    }

    func testHundredRuntimesConcurrentlyMatchSequential() async throws {
        var sequential: [QuillValue] = []
        for i in 0..<100 {
            sequential.append(try await Self.makeRuntime(i).run(source: Self.workload(i), name: "w\(i).quill"))
        }
        let concurrent = try await withThrowingTaskGroup(of: (Int, QuillValue).self) { group in
            for i in 0..<100 {
                group.addTask { (i, try await Self.makeRuntime(i).run(source: Self.workload(i), name: "w\(i).quill")) }
            }
            var results = [QuillValue](repeating: .nil, count: 100)
            for try await (i, value) in group { results[i] = value }
            return results
        }
        XCTAssertEqual(concurrent, sequential)
        XCTAssertTrue(sequential[7].stringValue?.contains("ITEM 7 OF MANY") ?? false, "\(sequential[7])")
    }

    /// One runtime used from many tasks at once: calls queue and run one at a time, in order.
    func testOneRuntimeSharedByManyTasks() async throws {
        let runtime = Self.makeRuntime(1)
        try await runtime.run(source: "var total = 0\nfn add(n) { total += n\nreturn total }")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...200 { group.addTask { _ = try await runtime.call("add", args: [.int(n)]) } }
            try await group.waitForAll()
        }
        expectEqual(try await runtime.evaluate("total"), .int(200 * 201 / 2))
    }

    /// Runtimes opening the same local model share one copy of its weights.
    func testRuntimesShareOneLoadedModel() throws {
        guard ProcessInfo.processInfo.environment["QUILL_TSAN"] == nil else { throw XCTSkip("the model load is slow under TSan") }
        let a = try ModelFactory().open("local")
        let b = try ModelFactory().open("local")
        XCTAssertTrue(a === b, "two factories loaded the model twice")
    }
}
