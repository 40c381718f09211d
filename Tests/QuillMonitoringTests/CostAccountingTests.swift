import Foundation
import Quill
import QuillTestSupport
import XCTest

/// Cost accounting against the loopback provider (`Tests/Servers/fault_server.py`), whose
/// `usage-<in>-<out>-<read>-<write>` models report exactly the usage they are named after, so
/// every total can be computed by hand — in Decimal, compared exactly.
final class CostAccountingTests: XCTestCase {
    var server: FaultServer!

    override func setUpWithError() throws { server = try FaultServer() }
    override func tearDown() { server?.stop() }

    private func model(_ provider: ModelSpec.Provider, _ id: String, name: String? = nil) throws -> HostedLanguageModel {
        let base = provider == .anthropic ? server.url("") : server.url("/v1")
        var options = HostedLanguageModel.Options()
        options.retry.baseDelay = 0.01
        return try HostedLanguageModel(name: name ?? "\(provider.rawValue):\(id)",
                                       endpoint: ProviderEndpoint(provider: provider, model: id, baseURL: base, apiKey: "sk-test"),
                                       options: options)
    }

    private func d(_ s: String) -> Decimal { Decimal(string: s)! }

    func testCacheAwareCostStreamingAndNotMatchesHandComputedDecimals() async throws {
        let monitor = CallMonitor(warn: { _ in })
        // OpenAI-style: cached tokens are part of prompt_tokens.
        monitor.prices.set("openai:usage-1000-200-300-0", ModelPrice(input: d("2.5"), output: d("10"), cacheRead: d("1.25")))
        // Anthropic-style: input_tokens excludes cache reads and writes, which are priced apart.
        monitor.prices.set("anthropic:usage-1000-200-300-100",
                           ModelPrice(input: d("3"), output: d("15"), cacheRead: d("0.3"), cacheWrite: d("3.75")))
        let openAI = LLMClient(model: try model(.openAI, "usage-1000-200-300-0"), monitor: monitor)
        let anthropic = LLMClient(model: try model(.anthropic, "usage-1000-200-300-100"), monitor: monitor)
        var costs: [Cost?] = []
        for (i, stream) in [false, true].enumerated() {
            for client in [openAI, anthropic] {
                let request = LLMRequest(input: .messages([.user("cost \(i) \(client.model.name)")]), parameters: LLMParameters(maxTokens: 300))
                let response = try await client.complete(request, onDelta: stream ? { _ in } : nil)
                XCTAssertEqual(response.usage.inputTokens, 1000)
                XCTAssertEqual(response.usage.cachedInputTokens, 300)
                costs.append(response.cost)
            }
        }
        // (700 × 2.5 + 300 × 1.25 + 200 × 10) / 1e6 and (600 × 3 + 300 × 0.3 + 100 × 3.75 + 200 × 15) / 1e6
        let openAICall = d("0.004125"), anthropicCall = d("0.005265")
        XCTAssertEqual(costs, [.usd(openAICall), .usd(anthropicCall), .usd(openAICall), .usd(anthropicCall)])
        let byModel = monitor.ledger.byModel
        XCTAssertEqual(byModel["openai:usage-1000-200-300-0"]?.cost, openAICall * 2)
        XCTAssertEqual(byModel["anthropic:usage-1000-200-300-100"]?.cost, anthropicCall * 2)
        XCTAssertEqual(byModel["anthropic:usage-1000-200-300-100"]?.cacheWriteTokens, 200)
        XCTAssertEqual(monitor.ledger.total.cost, d("0.01878"))
        XCTAssertEqual(monitor.ledger.total.knownCost, d("0.01878"))
        XCTAssertEqual(monitor.ledger.total.calls, 4)
    }

    func testRetriesAreNotCountedTwice() async throws {
        let monitor = CallMonitor(warn: { _ in })
        monitor.prices.set("openai:flaky-2", ModelPrice(input: d("1"), output: d("2")))
        let client = LLMClient(model: try model(.openAI, "flaky-2"), monitor: monitor)
        let retries = Locked(0)
        monitor.bus.subscribe([.retry]) { _ in retries.withLock { $0 += 1 } }
        let response = try await client.complete(LLMRequest(input: .messages([.user("retry me once more")])))
        // The fault server counts words: 4 input words, answer "ok: retry me once more" = 5 words.
        XCTAssertEqual(response.usage, LLMUsage(inputTokens: 4, outputTokens: 5))
        XCTAssertEqual(try server.stats().attempts["retry me once more"], 3)
        XCTAssertEqual(retries.value, 2)
        XCTAssertEqual(monitor.ledger.total.calls, 1)
        XCTAssertEqual(monitor.ledger.total.inputTokens, 4)
        XCTAssertEqual(monitor.ledger.total.cost, d("0.000014"))  // (4 × 1 + 5 × 2) / 1e6
    }

    func testUnknownModelCostIsUnknownWithOneWarning() async throws {
        let warnings = Locked<[String]>([])
        let monitor = CallMonitor(warn: { w in warnings.withLock { $0.append(w) } })
        let client = LLMClient(model: try model(.openAI, "ok", name: "openai:my-fine-tune"), monitor: monitor)
        for i in 0..<2 {
            let response = try await client.complete(LLMRequest(input: .messages([.user("unknown \(i)")])))
            XCTAssertEqual(response.cost, .unknown)
        }
        XCTAssertEqual(warnings.value.count, 1)
        XCTAssertTrue(warnings.value[0].contains("no price is known for openai:my-fine-tune"), warnings.value[0])
        XCTAssertNil(monitor.ledger.total.knownCost)
        XCTAssertEqual(monitor.ledger.total.unpricedCalls, 2)
        XCTAssertEqual(monitor.ledger.total.cost, 0)
    }

    func testBuiltInTableMatchesTheGeneratedFileAndPricesCommonModels() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../stdlib/pricing.json").standardized
        let fromFile = try PriceBook(file: file.path), builtIn = PriceBook.builtIn()
        XCTAssertEqual(fromFile.count, builtIn.count)
        XCTAssertEqual(fromFile.generated, builtIn.generated)
        let mini = try XCTUnwrap(builtIn.price(for: "openai:gpt-4o-mini"))
        XCTAssertEqual(mini.input, d("0.15"))
        XCTAssertEqual(mini.output, d("0.6"))
        XCTAssertEqual(mini.cacheRead, d("0.075"))
        XCTAssertEqual(builtIn.price(for: "local"), .free)
        XCTAssertEqual(builtIn.price(for: "ollama:llama3.2"), .free)
        XCTAssertNil(builtIn.price(for: "openai:no-such-model"))
        builtIn.set("local", ModelPrice(input: 0, output: 0, perHour: d("3.6")))
        // 2.5 s at $3.60 an hour is $0.0025.
        XCTAssertEqual(builtIn.price(for: "local:smollm2")?.cost(LLMUsage(inputTokens: 10, outputTokens: 10), seconds: 2.5), d("0.0025"))
    }

    func testBudgetAdmitsFiveCallsAndRefusesTheSixthBeforeSending() throws {
        let spec = "openai-compatible:\(server.url("/v1").absoluteString)#usage-10-2-0-0"
        let runtime = QuillRuntime()
        var out = ""
        runtime.output = { out += $0 }
        try runtime.run(source: """
            set_price("\(spec)", input: 0, output: 1000)
            budget(usd: 0.01)
            var m = model("\(spec)", max_tokens: 2)
            var sent = 0
            var refusal = nil
            for i in range(8) {
              try {
                m.gen("budget call \\(i)")
                sent += 1
              } catch e {
                if refusal == nil { refusal = e }
              }
            }
            print(sent, refusal.kind, cost(), budget()["remaining"])
            """)
        // Each call can cost 2 tokens × $0.001 = $0.002: five fit in $0.01, the sixth would not.
        XCTAssertEqual(out, "5 BudgetExceeded 0.01 0.0\n")
        let attempts = try server.stats().attempts
        XCTAssertEqual(attempts.values.reduce(0, +), 5, "\(attempts)")
        XCTAssertEqual(runtime.monitor.ledger.total.cost, d("0.01"))
    }

    func testBatchAndModelBudgetsHoldAcrossConcurrentCalls() throws {
        let spec = "openai-compatible:\(server.url("/v1").absoluteString)#usage-10-2-0-0"
        let other = "openai-compatible:\(server.url("/v1").absoluteString)#usage-10-1-0-0"
        let runtime = QuillRuntime()
        var out = ""
        runtime.output = { out += $0 }
        try runtime.run(source: """
            set_price("\(spec)", input: 0, output: 1000)
            set_price("\(other)", input: 0, output: 1000)
            var m = model("\(spec)", max_tokens: 2)
            # Six calls of at most $0.002 each, four at a time, under $0.006: three can be admitted.
            var r = batch(range(6), fn(i) => m.gen("batch budget \\(i)"), concurrency: 4, budget: 0.006)
            print(len(r.filter(fn(x) => type(x) == "string")), r.filter(fn(x) => type(x) == "error")[0].kind)
            budget(usd: 0.001, model: "\(other)")
            var o = model("\(other)", max_tokens: 1)
            o.gen("model budget one")
            try { o.gen("model budget two") } catch e { print(e.kind) }
            m.gen("another model is not limited")
            """)
        XCTAssertEqual(out, "3 BudgetExceeded\nBudgetExceeded\n")
        let attempts = try server.stats().attempts
        XCTAssertEqual(attempts.filter { $0.key.hasPrefix("batch budget") }.values.reduce(0, +), 3)
        XCTAssertNil(attempts["model budget two"])
        XCTAssertEqual(attempts["another model is not limited"], 1)
    }
}
