import Foundation
import XCTest
@testable import QuillEngine

/// Damaged copies of the real SmolLM2 file — bit flips and byte overwrites in its metadata and
/// tensor table, truncations anywhere — must load with a clear error or load and run; never
/// crash. Mutations happen in one in-memory copy, restored after each case.
final class ModelFileRobustnessTests: XCTestCase {
    func testDamagedModelFilesFailCleanly() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try TestModels.smolLM2Path())))
        let pristine = try bytes.withUnsafeBytes { try GGUFFile(unownedBytes: $0) }
        let header = pristine.dataOffset
        var rng = RandomGenerator(seed: 2024)
        var outcomes = (loadedAndRan: 0, rejected: 0)
        var messages: Set<String> = []

        for case_ in 0..<240 {
            let count = case_ % 3 + 1
            var saved: [(Int, UInt8)] = []
            for _ in 0..<count {
                let at = Int(rng.next() % UInt64(header))
                saved.append((at, bytes[at]))
                if case_ % 2 == 0 { bytes[at] ^= UInt8(1 << (rng.next() % 8)) } else { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            try exercise(bytes[...], &outcomes, &messages)
            for (at, b) in saved.reversed() { bytes[at] = b }
        }
        // Truncations, in the header and in the tensor data.
        for _ in 0..<40 {
            let length = Int(rng.next() % UInt64(bytes.count))
            try exercise(bytes[0..<length], &outcomes, &messages)
        }
        print("damaged model files: \(outcomes.loadedAndRan) loaded and ran, \(outcomes.rejected) rejected; sample errors:\n  " +
              messages.sorted().prefix(6).joined(separator: "\n  "))
        XCTAssertGreaterThan(outcomes.rejected, 40)
        XCTAssertGreaterThan(outcomes.loadedAndRan, 10)
    }

    private func exercise(_ bytes: ArraySlice<UInt8>, _ outcomes: inout (loadedAndRan: Int, rejected: Int),
                          _ messages: inout Set<String>) throws {
        do {
            try bytes.withUnsafeBytes { raw in
                let file = try GGUFFile(unownedBytes: raw)
                let transformer = try Transformer(file: file, threads: 1, maxBatch: 4)
                let tokenizer = try Tokenizer(file: file)
                let ids = tokenizer.encode("Hello <|im_start|>", addSpecial: true).filter { $0 < transformer.config.vocabularySize }
                let state = transformer.makeState(contextLength: 8)
                try transformer.evaluate(ids.isEmpty ? [0] : Array(ids.prefix(4)), state: state)
                _ = TopK.indices(state.lastLogits, count: 1)
            }
            outcomes.loadedAndRan += 1
        } catch let e as GGUFError {
            outcomes.rejected += 1
            messages.insert(e.description)
        } catch let e as ModelError {
            outcomes.rejected += 1
            messages.insert(e.description)
        }
    }
}
