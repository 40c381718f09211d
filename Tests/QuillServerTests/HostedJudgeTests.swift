import Foundation
import Quill
import XCTest

/// Evaluation over a hosted model: a script's `evaluate` and `judge` talk to `quill serve`
/// through the OpenAI-compatible adapter (no key needed). The judge's schema goes out as
/// `response_format` and comes back validated; per-row tokens are the server's usage.
final class HostedJudgeTests: XCTestCase {
    func testEvaluateAndJudgeThroughTheOpenAICompatibleAdapter() throws {
        let server = try ServerProcess(model: try ServerTestModel.argument())
        defer { server.stop() }
        let id = try XCTUnwrap(try ServerProcess.modelIDs(server).first)
        let runtime = QuillRuntime()
        let printed = Locked("")
        runtime.output = { text in printed.withLock { $0 += text } }
        try runtime.run(source: """
            let m = model("openai-compatible:\(server.baseURL)/v1#\(id)", temperature: 0, max_tokens: 16)
            let j = judge(m, "The answer names a colour.", scale: 1..3)
            let rows = [{q: "Name a colour.", expected: "blue"}, {q: "Name a fruit.", expected: "apple"}, {q: "Name a city.", expected: "Paris"}]
            let r = evaluate(rows, fn(row) => m.gen(row.q), metrics: ["rouge_l", j], concurrency: 3)
            print(r.errors, r.rows.all(fn(x) => x.calls == 1 and x.input_tokens > 0 and x.output_tokens > 0))
            print(r.summary.judge.count, r.rows.all(fn(x) => [1, 2, 3].contains(x.scores.judge) and type(x.notes.judge) == "string"))
            print(r.rows.all(fn(x) => x.verdicts.judge == (x.scores.judge >= 3)))
            """, name: "hosted.quill")
        XCTAssertEqual(printed.value, "0 true\n3 true\ntrue\n")
    }
}
