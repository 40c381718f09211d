import Foundation
import XCTest
import Quill

/// A host-provided model, as an embedding app would write one (a rules engine, an in-house
/// service): it answers with the last user message in capitals, one word per delta, and
/// counts the requests that reach it. It is the feature under test, not a stand-in for a
/// provider: `Runtime.Configuration.hostModels` exists so hosts can plug in models like this.
final class WordModel: LanguageModel, @unchecked Sendable {
    let name: String
    let enforcesConstraints = false
    var cacheIdentity: String { "word-model:\(name)" }
    /// Seconds to wait before each word (to test cancelling a generation).
    let delay: Double
    private let counter = Locked(0)
    var requests: Int { counter.value }

    init(name: String, delay: Double = 0) {
        self.name = name
        self.delay = delay
    }

    func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMEvent, Error> {
        counter.withLock { $0 += 1 }
        let prompt: String
        switch request.input {
        case .text(let text): prompt = text
        case .messages(let messages): prompt = messages.last { $0.role == "user" }?.content ?? ""
        }
        let words = prompt.uppercased().split(separator: " ").map(String.init)
        let (name, delay) = (self.name, self.delay)
        let inputTokens = (try? countTokens(request.input)) ?? 0
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let started = Date()
                    var text = ""
                    for (i, word) in words.enumerated() {
                        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
                        try Task.checkCancellation()
                        let piece = i == 0 ? word : " " + word
                        text += piece
                        continuation.yield(.delta(piece, token: nil))
                    }
                    let usage = LLMUsage(inputTokens: inputTokens, outputTokens: words.count)
                    continuation.yield(.done(LLMResponse(model: name, text: text, finishReason: "stop", usage: usage,
                                                         latency: Date().timeIntervalSince(started), timeToFirstToken: nil)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One token per word; the id is the word's length (enough for counting).
    func tokenize(_ text: String) throws -> [Int] {
        text.split(whereSeparator: { $0 == " " }).map { (word: Substring) in word.count }
    }

    func countTokens(_ input: LLMInput) throws -> Int {
        switch input {
        case .text(let text): return try tokenize(text).count
        case .messages(let messages): return try messages.reduce(0) { $0 + (try tokenize($1.content).count) + 1 }
        }
    }
}

/// `XCTAssertEqual` for a value computed with `try await` (XCTest's autoclosures cannot await).
func expectEqual(_ actual: QuillValue, _ expected: QuillValue, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual, expected, message, file: file, line: line)
}
