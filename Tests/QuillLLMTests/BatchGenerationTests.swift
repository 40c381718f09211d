import Quill
import XCTest

/// `batch` over the local core: concurrent requests are decoded together, yet each output is
/// the one it would be alone; results keep input order; a failing item costs only itself.
final class BatchGenerationTests: XCTestCase {
    func testSixtyFourPromptsMatchOneByOneInOrder() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 24)
            let topics = ["the sea", "a cat", "winter", "trains", "bread", "music", "the moon", "rain"]
            let prompts = range(64).list().map(fn(i) => "Write one sentence about \\(topics[i % 8]) (variant \\(i)).")
            let together = batch(prompts, fn(p) => m.gen(p), concurrency: 8, progress: false)
            let alone = prompts.map(fn(p) => m.gen(p))
            var same = 0
            for i in range(64) { if together[i] == alone[i] { same += 1 } else { print("differs at", i) } }
            print(same)
            let direct = m.gen_many(prompts, concurrency: 8)
            print(direct == alone)
            """)
        XCTAssertEqual(lines, ["64", "true"])
    }

    func testAFailingItemLeavesTheOthersIntact() throws {
        let lines = try ScriptHarness.run("""
            let m = model("local", temperature: 0, max_tokens: 8)
            let results = batch(range(64), fn(i) {
              if i == 17 { throw "item 17 is broken" }
              return m.gen("Say the number \\(i).")
            }, concurrency: 8, progress: false)
            var ok = 0
            for r in results { if type(r) == "string" { ok += 1 } }
            print(ok, type(results[17]), results[17].message)
            print(results[3] == m.gen("Say the number 3."))
            let many = m.gen_many(["Say hi.", 5, "Say bye."])
            print(type(many[0]), type(many[1]), type(many[2]))
            """)
        XCTAssertEqual(lines, ["63 error item 17 is broken", "true", "string error string"])
    }
}
