import XCTest
@testable import QuillLanguage

/// `VM.memoryLimit`: scripts that would allocate without bound stop with a MemoryError before
/// the allocation, temporaries do not count once freed, `batch` tasks share the limit, and a VM
/// without a limit behaves as before.
final class MemoryLimitTests: XCTestCase {
    static let megabyte = 1 << 20

    /// Runs `source` as a module on `vm` and returns what it printed.
    @discardableResult
    func run(_ source: String, on vm: VM) throws -> String {
        var out = ""
        vm.output = { out += $0 }
        try vm.run(source: source, name: "memory")
        return out
    }

    func limitedVM(_ bytes: Int = megabyte) -> VM {
        let vm = VM()
        vm.memoryLimit = bytes
        return vm
    }

    /// Runs `source` under a limit and checks that it fails with a MemoryError whose message
    /// contains `mentions`. Returns the VM for further runs.
    @discardableResult
    func assertMemoryError(_ source: String, limit: Int = megabyte, mentions: String,
                           file: StaticString = #filePath, line: UInt = #line) -> VM {
        let vm = limitedVM(limit)
        XCTAssertThrowsError(try run(source, on: vm), file: file, line: line) { error in
            guard let e = error as? RuntimeError else { return XCTFail("not a RuntimeError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, "MemoryError", e.message, file: file, line: line)
            XCTAssertTrue(e.message.hasPrefix("memory limit of \(limit) bytes exceeded: "), e.message, file: file, line: line)
            XCTAssertTrue(mentions.isEmpty || e.message.contains(mentions), e.message, file: file, line: line)
        }
        return vm
    }

    // MARK: - One huge step, refused before allocating

    func testTenGigabyteStringByRepetitionIsRefusedBeforeAllocating() throws {
        let vm = assertMemoryError("let s = \"x\" * 10_000_000_000", mentions: "string repetition (*) needs about 10000000064 more bytes")
        XCTAssertLessThan(vm.memoryMeter!.used, 4096)
        assertMemoryError("let s = \"ab\".repeat(5_000_000_000)", mentions: "repeat()")
        assertMemoryError("let s = \"ab\".pad_start(100_000_000)", mentions: "pad_start()")
        assertMemoryError("let s = (\"a\" * 1000).replace(\"a\", \"b\" * 10000)", mentions: "replace()")
    }

    func testTheErrorNamesTheLimitAndHowItIsSet() throws {
        let vm = limitedVM()
        XCTAssertThrowsError(try run("\"x\" * 2_000_000", on: vm)) { error in
            guard let e = error as? RuntimeError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.message, "memory limit of 1048576 bytes exceeded: string repetition (*) needs about 2000064 more bytes")
            XCTAssertTrue(e.error.hint?.contains("VM.memoryLimit") == true, e.error.hint ?? "no hint")
        }
    }

    func testListRepetitionAndRangeToListAreRefusedBeforeAllocating() throws {
        assertMemoryError("let l = [0] * 10_000_000_000", mentions: "list repetition (*)")
        assertMemoryError("let l = [1, 2, 3] * 100_000", mentions: "list repetition (*)")
        assertMemoryError("let l = range(10 ** 12).to_list()", mentions: "to_list() of range(0, 1000000000000)")
        assertMemoryError("let l = sorted(range(10 ** 12))", mentions: "sorted() of range(0, 1000000000000)")
        assertMemoryError("let l = [[1] * 1000] * 1000\nlet f = l.flatten()", mentions: "flatten()")
    }

    // MARK: - Growth step by step

    func testDoublingConcatenationLoopStops() throws {
        assertMemoryError("var s = \"x\"\nwhile true { s = s + s }", mentions: "string concatenation (+)")
        assertMemoryError("var s = \"x\"\nwhile true { s += s }", mentions: "string concatenation (+)")
        assertMemoryError("var s = \"x\"\nwhile true { s = \"\\(s)\\(s)\" }", mentions: "string interpolation")
    }

    func testRunawayListGrowthStops() throws {
        assertMemoryError("let l = []\nwhile true { l.push(1) }", mentions: "push()")
        assertMemoryError("let l = []\nwhile true { l.push(l) }", mentions: "push()")
        assertMemoryError("let l = []\nlet push = l.push\nwhile true { push(1) }", mentions: "push()")
        assertMemoryError("let l = [1]\nwhile true { l.extend(l) }", mentions: "extend()")
        assertMemoryError("var l = [1]\nwhile true { l = l + l }", mentions: "list concatenation (+)")
        assertMemoryError("var l = []\nwhile true { l = [l, l, 1] }\n", limit: 64 * 1024, mentions: "a list literal")
    }

    func testMapGrowthInALoopStops() throws {
        assertMemoryError("let m = {}\nvar i = 0\nwhile true { m[i] = i\ni += 1 }", mentions: "setting a map key")
        assertMemoryError("let m = {}\nvar i = 0\nwhile true { m.set(i, i)\ni += 1 }", mentions: "set()")
        assertMemoryError("let m = {}\nvar i = 0\nwhile true { m[\"k\\(i)\"] = i\ni += 1 }", mentions: "")
    }

    func testTextOfSharedStructureIsCheckedBeforeItIsMade() throws {
        // 40 doublings hold 40 small lists but print as 2**40 ones.
        let build = "var l = [1]\nfor i in range(40) { l = [l, l] }\n"
        assertMemoryError(build + "let s = str(l)", mentions: "str()")
        assertMemoryError(build + "let s = \"\\(l)\"", mentions: "string interpolation")
        assertMemoryError(build + "print(l)", mentions: "print()")
        assertMemoryError(build + "let s = json.encode(l)", mentions: "json.encode()")
        assertMemoryError(build + "let s = \",\".join([l])", mentions: "join()")
    }

    func testJSONDecodeIsCharged() throws {
        assertMemoryError("let t = \"[\" + \"1,\" * 100_000 + \"1]\"\nlet v = json.decode(t)", mentions: "json.decode()")
    }

    // MARK: - Live accounting

    func testAMillionTemporaryStringsUnderOneMegabyteDoNotTrip() throws {
        let vm = limitedVM()
        let out = try run("""
            var n = 0
            for i in range(1000000) {
              let s = "item \\(i)" + "!"
              let t = [s, i]
              n += len(s) + len(t)
            }
            print(n)
            """, on: vm)
        XCTAssertEqual(out, "\(Self.expectedLength(1_000_000))\n")
        XCTAssertLessThan(vm.memoryMeter!.used, 64 * 1024)
    }

    /// Sum over i < n of len("item \(i)!") + 2.
    static func expectedLength(_ n: Int) -> Int {
        (0..<n).reduce(0) { $0 + 6 + String($1).count + 2 }
    }

    func testFreedValuesGiveTheirBytesBack() throws {
        // Each round's list takes about a third of the limit; twenty rounds fit because each
        // list is freed when the next one replaces it.
        let vm = limitedVM()
        let out = try run("""
            var total = 0
            for round in range(20) {
              let l = []
              for i in range(20000) { l.push(i) }
              let m = {}
              for i in range(2000) { m[i] = "v\\(i)" }
              total += len(l) + len(m)
            }
            print(total)
            """, on: vm)
        XCTAssertEqual(out, "440000\n")
    }

    func testListsAndMapsTheHostMadeAreChargedWhenTheyGrow() throws {
        // `fresh()` hands out lists the meter never saw; growing one charges it in full, and
        // once it is freed its bytes come back (found when a check would fail).
        let vm = limitedVM()
        vm.defineGlobal("fresh", .native(NativeFunction("fresh") { _ in .list(ListObject([1, 2, 3])) }))
        vm.defineGlobal("fresh_map", .native(NativeFunction("fresh_map") { _ in .map(MapObject()) }))
        let out = try run("""
            var total = 0
            for round in range(50) {
              let l = fresh()
              for i in range(5000) { l.push(i) }
              let m = fresh_map()
              for i in range(500) { m[i] = i }
              total += len(l) + len(m)
            }
            print(total)
            """, on: vm)
        XCTAssertEqual(out, "275150\n")
        let vm2 = limitedVM()
        vm2.defineGlobal("fresh", .native(NativeFunction("fresh") { _ in .list(ListObject()) }))
        XCTAssertThrowsError(try run("let l = fresh()\nwhile true { l.push(1) }", on: vm2)) { error in
            XCTAssertEqual((error as? RuntimeError)?.kind, "MemoryError", "\(error)")
        }
    }

    func testChargedValuesAreTheirSubclassesOnlyUnderALimit() throws {
        let limited = limitedVM(), free = VM()
        for vm in [limited, free] {
            try run("let s = \"a\" + \"b\" * 3\nlet l = [1, 2] + [3]\nlet m = {a: 1}\nexport_values(s, l, m)", on: {
                vm.defineGlobal("export_values", .native(NativeFunction("export_values", ["s", "l", "m"]) { args in
                    let charged = vm === limited
                    if case .string(let s) = args[0] { XCTAssertEqual(s is ChargedStringObject, charged) }
                    if case .list(let l) = args[1] { XCTAssertEqual(l is ChargedListObject, charged) }
                    if case .map(let m) = args[2] { XCTAssertEqual(m is ChargedMapObject, charged) }
                    return .nil
                }))
                return vm
            }())
        }
    }

    func testBatchTasksShareTheLimit() throws {
        let vm = limitedVM()
        let out = try run("""
            fn grow(x) {
              let l = []
              while true { l.push(x) }
            }
            let r = batch([1, 2, 3], grow, concurrency: 3)
            print(r.map(fn(e) => e.kind))
            """, on: vm)
        XCTAssertEqual(out, "[\"MemoryError\", \"MemoryError\", \"MemoryError\"]\n")
        XCTAssertLessThan(vm.memoryMeter!.used, 4096)
        XCTAssertThrowsError(try run("fn grow(x) {\nvar s = \"x\"\nwhile true { s = s + s }\n}\nbatch([1], grow, fail_fast: true)", on: vm)) { error in
            XCTAssertEqual((error as? RuntimeError)?.kind, "MemoryError", "\(error)")
        }
    }

    func testTheVMWorksAfterAMemoryError() throws {
        let vm = assertMemoryError("let l = []\nwhile true { l.push(\"abc\" * 100) }", mentions: "")
        // The failed run's module and registers are gone, and with them what they held.
        XCTAssertLessThan(vm.memoryMeter!.used, 4096)
        XCTAssertEqual(try run("let l = []\nfor i in range(1000) { l.push(i) }\nprint(len(l))", on: vm), "1000\n")
        // A script may catch the error: the allocation was refused, and freeing what it holds
        // makes room again.
        XCTAssertEqual(try run("""
            var big = []
            try {
              while true { big.push("abc" * 100) }
            } catch e {
              print(e.kind)
            }
            big = nil
            let again = []
            for i in range(10000) { again.push(i) }
            print(len(again))
            """, on: vm), "MemoryError\n10000\n")
    }

    // MARK: - Without a limit

    func testWithoutALimitNothingChanges() throws {
        let vm = VM()
        XCTAssertNil(vm.memoryLimit)
        XCTAssertNil(vm.memoryMeter)
        let source = "let l = []\nfor i in range(100000) { l.push(\"v\\(i)\") }\nlet m = {}\nfor x in l { m[x] = len(x) }\nprint(len(l), len(m), \"ab\" * 3, [1] * 2)"
        XCTAssertEqual(try run(source, on: vm), "100000 100000 ababab [1, 1]\n")
        XCTAssertEqual(try run(source, on: limitedVM(64 * Self.megabyte)), "100000 100000 ababab [1, 1]\n")
        // The old size guards still answer without a limit.
        XCTAssertThrowsError(try run("\"x\" * 200_000_000", on: vm)) { error in
            XCTAssertEqual((error as? RuntimeError)?.kind, "ValueError", "\(error)")
        }
    }

    func testTheLimitCanBeChangedAndRemoved() throws {
        let vm = limitedVM()
        try run("let keep = []", on: vm)
        let meter = vm.memoryMeter
        vm.memoryLimit = 2 * Self.megabyte
        XCTAssertTrue(vm.memoryMeter === meter, "raising the limit keeps the count")
        XCTAssertEqual(vm.memoryLimit, 2 * Self.megabyte)
        XCTAssertEqual(try run("print(len(\"x\" * 1_500_000))", on: vm), "1500000\n")
        vm.memoryLimit = nil
        XCTAssertNil(vm.memoryMeter)
        XCTAssertEqual(try run("print(len(\"x\" * 5_000_000))", on: vm), "5000000\n")
    }
}
