import XCTest
@testable import QuillLanguage

/// A runtime without capabilities refuses each guarded operation with a PermissionError.
final class CapabilityTests: XCTestCase {
    func testDeniedOperationsAreClearErrors() throws {
        let cases: [(String, String)] = [
            ("read_file(\"/etc/hostname\")", "read_file() is not permitted: this runtime does not grant 'read files'"),
            ("write_file(\"/tmp/quill-denied.txt\", \"x\")", "write_file() is not permitted: this runtime does not grant 'write files'"),
            ("exists(\"/\")", "exists() is not permitted: this runtime does not grant 'read files'"),
            ("env(\"HOME\")", "env() is not permitted: this runtime does not grant 'environment'"),
            ("input()", "input() is not permitted: this runtime does not grant 'standard input'"),
            ("time.sleep(10)", "time.sleep() is not permitted: this runtime does not grant 'sleep'"),
            ("import \"./other.quill\"", "import of a file is not permitted: this runtime does not grant 'read files'"),
        ]
        for (code, message) in cases {
            let vm = VM()
            vm.capabilities = .none
            XCTAssertThrowsError(try vm.run(source: code, name: "denied"), code) { error in
                guard let e = error as? RuntimeError else { return XCTFail("\(code): \(error)") }
                XCTAssertEqual(e.kind, "PermissionError", code)
                XCTAssertEqual(e.message, message, code)
            }
        }
        XCTAssertFalse(FileIO.exists("/tmp/quill-denied.txt"))
    }

    func testStandardLibraryImportNeedsNoFileAccess() throws {
        let vm = VM()
        vm.capabilities = .none
        var out = ""
        vm.output = { out += $0 }
        try vm.run(source: "import \"text\"\nprint(text.truncate(\"abcdef\", 4))", name: "std")
        XCTAssertEqual(out, "a...\n")
    }
}
