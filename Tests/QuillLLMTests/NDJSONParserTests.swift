import QuillLLM
import XCTest

/// Ollama's newline-delimited JSON: lines come out whole however the bytes are split.
final class NDJSONParserTests: XCTestCase {
    private func parse(_ bytes: [UInt8], cuts: [Int]) -> [String] {
        var parser = NDJSONParser()
        var lines: [String] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            lines += parser.feed(bytes[start..<cut])
            start = cut
        }
        return lines + parser.finish()
    }

    private let stream = """
        {"message":{"content":"héllo"},"done":false}
        {"message":{"content":" 😀"},"done":false}

        {"done":true,"prompt_eval_count":3,"eval_count":2}
        """

    private let expected = [
        #"{"message":{"content":"héllo"},"done":false}"#,
        #"{"message":{"content":" 😀"},"done":false}"#,
        #"{"done":true,"prompt_eval_count":3,"eval_count":2}"#,
    ]

    /// Every split into two pieces, with "\n" and "\r\n" line ends; the last line has no newline.
    func testSplitAtEveryBytePosition() {
        for lineEnd in ["\n", "\r\n"] {
            let bytes = Array(stream.replacingOccurrences(of: "\n", with: lineEnd).utf8)
            for cut in 0...bytes.count {
                XCTAssertEqual(parse(bytes, cuts: [cut]), expected, "line end \(lineEnd.debugDescription), cut at \(cut)")
            }
        }
    }

    func testOneByteAtATime() {
        let bytes = Array((stream + "\n").utf8)
        XCTAssertEqual(parse(bytes, cuts: Array(1..<bytes.count)), expected)
    }

    func testLinesComeOutAsSoonAsTheirNewlineArrives() {
        var parser = NDJSONParser()
        XCTAssertEqual(parser.feed(Array(#"{"a":"#.utf8)), [])
        XCTAssertEqual(parser.feed(Array("1}\n{".utf8)), [#"{"a":1}"#])
        XCTAssertEqual(parser.feed(Array("}\n".utf8)), ["{}"])
        XCTAssertEqual(parser.finish(), [])
    }

    func testBlankAndWhitespaceLinesAreSkipped() {
        XCTAssertEqual(parse(Array("\n  \n\t\r\n{}\n\n".utf8), cuts: []), ["{}"])
    }
}
