import Foundation
import XCTest
import Quill

/// Host cancellation (Swift Task cancellation) and per-call limits: a cancelled call stops
/// mid-loop, mid-wait and mid-generation, throws `CancellationError`, and the runtime takes
/// the next call normally.
final class CancellationTests: XCTestCase {
    func runtime(_ edit: (inout Runtime.Configuration) -> Void = { _ in }) -> Runtime {
        var configuration = Runtime.Configuration()
        configuration.output = { _ in }
        configuration.diagnostics = { _ in }
        edit(&configuration)
        return Runtime(configuration)
    }

    /// Starts `operation`, cancels it after `delay` seconds, and returns what it threw.
    func cancelled(after delay: Double, _ operation: @escaping @Sendable () async throws -> QuillValue) async -> Error? {
        let task = Task { try await operation() }
        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        task.cancel()
        do {
            _ = try await task.value
            return nil
        } catch {
            return error
        }
    }

    func testCancellingStopsALoopAndTheRuntimeCarriesOn() async throws {
        let runtime = runtime()
        let error = await cancelled(after: 0.2) { try await runtime.run(source: "var i = 0\nwhile true { i += 1 }") }
        XCTAssertTrue(error is CancellationError, "\(String(describing: error))")
        expectEqual(try await runtime.evaluate("i > 0"), true)
        expectEqual(try await runtime.evaluate("40 + 2"), 42)
    }

    func testCancellingEndsAnAsyncHostFunctionThatIgnoresIt() async throws {
        let runtime = runtime()
        runtime.register("wait_forever") { _ async throws -> QuillValue in
            // Never resumes, and ignores cancellation: the worst a host function can do.
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            return .nil
        }
        let error = await cancelled(after: 0.2) { try await runtime.run(source: "wait_forever()") }
        XCTAssertTrue(error is CancellationError, "\(String(describing: error))")
        expectEqual(try await runtime.evaluate("1"), 1)
    }

    func testCancellingMidGenerationOnAHostModel() async throws {
        let model = WordModel(name: "slow:words", delay: 0.2)
        let runtime = runtime { $0.hostModels["slow"] = { _ in model } }
        let words = Array(repeating: "word", count: 100).joined(separator: " ")
        let error = await cancelled(after: 0.5) { try await runtime.run(source: #"model("slow:x").gen("\#(words)")"#) }
        XCTAssertTrue(error is CancellationError, "\(String(describing: error))")
        XCTAssertEqual(model.requests, 1)
    }

    /// The bundled model on the CPU core: cancelling during a long generation returns at once.
    func testCancellingMidGenerationOnTheLocalModel() async throws {
        let tokens = Locked(0)
        let runtime = runtime {
            $0.capabilities = [.network]   // pulls SmolLM2 on first use
            $0.diagnostics = { _ in }
            $0.observer = { event in if event.kind == .token || event.kind == .firstToken { tokens.withLock { $0 += 1 } } }
        }
        let task = Task { try await runtime.run(source: #"model("local").gen("Write a very long story about a lighthouse.", max_tokens: 4000, temperature: 0.8)"#) }
        // Wait for the first tokens (the first use may download and load the model).
        let deadline = Date().addingTimeInterval(600)
        while tokens.value < 3 && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertGreaterThanOrEqual(tokens.value, 3, "no tokens were generated")
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("the generation finished")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        expectEqual(try await runtime.evaluate("2 * 21"), 42)
    }

    /// Cancelling a call that is still queued behind another ends that call only.
    func testCancellingAQueuedCallLeavesTheRunningOneAlone() async throws {
        let runtime = runtime()
        runtime.register("pause") { _ async throws -> QuillValue in
            try await Task.sleep(nanoseconds: 300_000_000)
            return "done"
        }
        let running = Task { try await runtime.run(source: "pause()") }
        try await Task.sleep(nanoseconds: 50_000_000)
        let queued = Task { try await runtime.run(source: "1") }
        try await Task.sleep(nanoseconds: 20_000_000)
        queued.cancel()
        expectEqual(try await running.value, "done")
        do {
            _ = try await queued.value
            XCTFail("the queued call ran to the end")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }

    func testPerCallLimitsResetBetweenCalls() async throws {
        let runtime = runtime { $0.limits.steps = 10_000 }
        for _ in 0..<3 {
            expectEqual(try await runtime.run(source: "var n = 0\nfor i in range(5000) { n += 1 }\nn"), 5000)
        }
        do {
            try await runtime.run(source: "for i in range(20000) {}")
            XCTFail("no limit")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "LimitError")
        }
    }
}
