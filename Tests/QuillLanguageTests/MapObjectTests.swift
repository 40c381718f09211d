import XCTest
@testable import QuillLanguage

/// The ordered map against a reference model (a Swift dictionary plus an order list) under
/// random inserts, overwrites and removals, across the small (linear) and hashed sizes.
final class MapObjectTests: XCTestCase {
    func testRandomOperationsMatchReferenceModel() {
        var rng = SplitMix64(seed: 42)
        for round in 0..<40 {
            let map = MapObject()
            var model: [String: Int] = [:]
            var order: [String] = []
            let keySpace = [4, 12, 200, 3000][round % 4]
            for step in 0..<4000 {
                let key = "k\(rng.next() % UInt64(keySpace))"
                switch rng.next() % 10 {
                case 0..<6:
                    map[.str(key)] = .int(step)
                    if model[key] == nil { order.append(key) }
                    model[key] = step
                case 6..<9:
                    let removed = map.remove(.str(key))
                    XCTAssertEqual(removed, model[key].map(Value.int))
                    if model.removeValue(forKey: key) != nil { order.removeAll { $0 == key } }
                default:
                    XCTAssertEqual(map[.str(key)], model[key].map(Value.int))
                }
            }
            XCTAssertEqual(map.count, model.count)
            XCTAssertEqual(map.keys.compactMap(\.stringValue), order, "insertion order")
            for (k, v) in model { XCTAssertEqual(map[.str(k)], .int(v)) }
        }
    }

    func testKeyKindsAreDistinct() {
        let m = MapObject()
        m[.int(1)] = "int"
        m[.str("1")] = "string"
        m[.bool(true)] = "bool"
        XCTAssertEqual(m.count, 3)
        XCTAssertEqual(m[.int(1)], "int")
        XCTAssertEqual(m[.float(1.0)], "int", "1.0 == 1, so it finds the int key")
        XCTAssertEqual(m[.str("1")], "string")
        XCTAssertEqual(m[.bool(true)], "bool")
    }
}
