import Quill
import QuillEngine
import XCTest

/// Evaluations with the real default model: judges whose verdicts always parse (200 sampled
/// judgements), pairwise judging in both orders, per-row usage that adds up to the run's, and
/// embedding similarity from the local core.
final class EvaluationTests: XCTestCase {
    /// 200 judgements sampled at temperature 0.9 over varied outputs: every verdict is a map with
    /// an integer score in the scale, `pass` exactly when the score reaches pass_at, and a
    /// reason; none fails.
    func testTwoHundredLocalJudgementsAllParse() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0.9)
            let j = judge(m, "The answer names the correct capital city.", scale: 1..5)
            let countries = ["France", "Italy", "Spain", "Peru", "Japan", "Kenya", "Chile", "Norway"]
            let answers = ["Paris", "Rome", "I am not sure.", "The capital is Lima.", "Tokyo!", "bananas", "", "Oslo, obviously"]
            let items = range(200).list().map(fn(i) => {country: countries[i % 8], answer: answers[(i * 3) % 8]})
            let verdicts = batch(items, fn(it) => j.grade(it.answer, input: "What is the capital of \\(it.country)?"),
                                 concurrency: 8, progress: false)
            for v in verdicts {
              if type(v) == "error" { print("ERROR", v.message) } else { print(json.encode(v)) }
            }
            print("pass_at", j.pass_at)
            """)
        XCTAssertEqual(lines.count, 201)
        XCTAssertEqual(lines.last, "pass_at 4.0")
        var scores = Set<Int>()
        for line in lines.dropLast() {
            XCTAssertFalse(line.hasPrefix("ERROR"), line)
            let verdict = try JSONValue.parse(line)
            guard case .int(let score)? = verdict["score"], case .bool(let pass)? = verdict["pass"],
                  verdict["reason"]?.stringValue != nil else { return XCTFail("not a verdict: \(line)") }
            XCTAssert((1...5).contains(score), line)
            XCTAssertEqual(pass, score >= 4, line)
            scores.insert(score)
        }
        // Sampled verdicts over varied answers are not all the same score.
        XCTAssertGreaterThan(scores.count, 1)
    }

    /// compare_judge asks in both orders and keeps a winner only when they agree.
    func testPairwiseJudgingRunsBothOrders() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0)
            let pairs = [["Paris", "Berlin"], ["Madrid is the capital.", "I don't know."], ["Lima", "Lima"]]
            for p in pairs {
              let r = compare_judge(m, "What is the capital of the country?", p[0], p[1])
              let orders = r.verdicts.map(fn(v) => v.order)
              let agree = r.verdicts[0].winner == r.verdicts[1].winner
              print(orders, ["a", "b", "tie"].contains(r.winner), r.consistent == agree, r.consistent or r.winner == "tie")
            }
            """)
        XCTAssertEqual(lines, Array(repeating: "[\"a,b\", \"b,a\"] true true true", count: 3))
    }

    /// Each row's tokens are its own calls', and they add up to the runtime's totals; the
    /// judge's calls are counted by the runtime but not in the rows. Similarity of a text with
    /// itself is 1 (embeddings from the local core).
    func testRowsCarryTheirOwnUsageAndSimilarityWorks() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 12)
            let rows = [{q: "Say hello.", expected: "Hello"}, {q: "Name a colour.", expected: "Blue"}, {q: "Count to three.", expected: "1, 2, 3"}]
            let r = evaluate(rows, fn(row) => m.gen(row.q), metrics: ["rouge_l", {metric: "similarity", threshold: 0.1}], name: "usage")
            let before = usage()["local"]
            print(r.rows.map(fn(x) => x.calls))
            print(r.input_tokens == before.input_tokens, r.output_tokens == before.output_tokens)
            print(r.rows.all(fn(x) => x.input_tokens > 0 and x.output_tokens > 0 and x.latency > 0))
            let same = metrics.similarity("The cat sat on the mat.", "The cat sat on the mat.")
            let other = metrics.similarity("The cat sat on the mat.", "Quarterly revenue rose eight percent.")
            print(abs(same - 1) < 1e-5, other < same, r.summary.similarity.count)
            """)
        XCTAssertEqual(lines, ["[1, 1, 1]", "true true", "true", "true true 3"])
    }
}
