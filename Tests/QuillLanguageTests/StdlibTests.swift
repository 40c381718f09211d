import Foundation
import XCTest
@testable import QuillLanguage

/// The standard library is compiled into the binary from stdlib/*.quill by
/// scripts/embed-stdlib.sh; this test fails when the embedded copy is stale.
final class StdlibTests: XCTestCase {
    func testEmbeddedStandardLibraryMatchesSources() throws {
        let dir = FileIO.normalize(FileIO.directory(of: #filePath) + "/../../stdlib")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".quill") }
        XCTAssertEqual(Set(files.map { String($0.dropLast(6)) }), Set(EmbeddedStdlib.modules.keys),
                       "run scripts/embed-stdlib.sh after adding or removing stdlib modules")
        for f in files {
            let source = try FileIO.readText(dir + "/" + f)
            XCTAssertEqual(EmbeddedStdlib.modules[String(f.dropLast(6))], source,
                           "stdlib/\(f) changed: run scripts/embed-stdlib.sh")
        }
    }

    func testEveryModuleCompiles() throws {
        for (name, source) in EmbeddedStdlib.modules {
            let vm = VM()
            XCTAssertNoThrow(try vm.run(source: source, name: name), name)
        }
    }
}
