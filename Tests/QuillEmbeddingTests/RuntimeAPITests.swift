import Foundation
import XCTest
import Quill

/// The host API as an embedding app uses it: running code, values crossing both ways, host
/// functions and objects, host models, module sources, events and errors.
final class RuntimeAPITests: XCTestCase {
    /// A runtime whose printed output is collected.
    static func runtime(_ edit: (inout Runtime.Configuration) -> Void = { _ in }) -> (Runtime, Locked<String>) {
        let printed = Locked("")
        var configuration = Runtime.Configuration()
        configuration.output = { text in printed.withLock { $0 += text } }
        configuration.diagnostics = { _ in }
        edit(&configuration)
        return (Runtime(configuration), printed)
    }

    func testRunReturnsTheLastExpressionAndBindingsPersist() async throws {
        let (runtime, printed) = Self.runtime()
        let value = try await runtime.run(source: "let base = 40\nfn add(a, b: 2) { return a + b }\nprint(\"hi\")\nadd(base)")
        XCTAssertEqual(value, .int(42))
        XCTAssertEqual(printed.value, "hi\n")
        expectEqual(try await runtime.evaluate("base * 2"), 80)
        expectEqual(try await runtime.call("add", args: [1], named: ["b": 10]), 11)
        expectEqual(try await runtime.run(source: "let x = 1"), .nil)
        expectEqual(try await runtime.call("len", args: ["four"]), 4)
    }

    func testValuesCrossBothWays() async throws {
        let (runtime, _) = Self.runtime()
        let value = try await runtime.evaluate(#"{name: "Ada", tags: ["x", "y"], score: 2.5, ok: true, none: nil, 1: "one"}"#)
        guard case .map(let map) = value else { return XCTFail("\(value)") }
        XCTAssertEqual(map.keys, ["name", "tags", "score", "ok", "none", "1"])
        XCTAssertEqual(value["tags"], ["x", "y"])
        XCTAssertEqual(value["score"], .double(2.5))
        XCTAssertEqual(value["none"], .nil)
        expectEqual(try await runtime.call("str", args: [["a": [1, 2.5, nil, true]]]), .string(#"{"a": [1, 2.5, nil, true]}"#))
        // Codable: JSON in order, and Swift types through their JSON form.
        struct Product: Codable, Equatable { var sku: String; var price: Double; var tags: [String] }
        let product = Product(sku: "A-1", price: 9.5, tags: ["new"])
        let encoded = try QuillValue(encoding: product)
        XCTAssertEqual(Set(encoded.mapValue?.keys ?? []), ["sku", "price", "tags"])
        XCTAssertEqual(try encoded.decode(as: Product.self), product)
        let json = String(decoding: try JSONEncoder().encode(QuillValue.map(["b": 1, "a": [true, nil]])), as: UTF8.self)
        XCTAssertEqual(try JSONDecoder().decode(QuillValue.self, from: Data(json.utf8))["a"], [true, nil])
        XCTAssertEqual(try JSONDecoder().decode(QuillValue.self, from: Data(#"[1, 2.5, "x", {"k": null}]"#.utf8)),
                       [1, 2.5, "x", ["k": nil]])
        XCTAssertThrowsError(try JSONEncoder().encode(QuillValue.object(HostObject(typeName: "thing"))))
    }

    func testFunctionsComeBackAsReferencesForTheirOwnRuntimeOnly() async throws {
        let (runtime, _) = Self.runtime()
        let (other, _) = Self.runtime()
        let triple = try await runtime.evaluate("(fn(x) => x * 3)")
        guard case .reference(let reference) = triple else { return XCTFail("\(triple)") }
        XCTAssertEqual(reference.typeName, "function")
        expectEqual(try await runtime.call(triple, args: [5]), 15)
        do {
            _ = try await other.call(triple, args: [5])
            XCTFail("a reference crossed runtimes")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "ValueError")
            XCTAssertTrue(error.message.contains("another runtime"), error.message)
        }
        do {
            _ = try await runtime.evaluate("let l = [1]\nl.push(l)\nl")
            XCTFail("a cyclic list crossed")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "ValueError")
        }
    }

    func testHostFunctionsSyncAsyncDefaultsAndTypedErrors() async throws {
        let (runtime, printed) = Self.runtime()
        runtime.register("price_of", parameters: ["sku", HostParameter("quantity", default: 1)]) { args in
            let sku = try args.string("sku")
            let quantity = try args.int("quantity")
            return .double((sku == "A-1" ? 2.5 : 1.0) * Double(quantity))
        }
        runtime.register("fetch_stock", parameters: ["sku"]) { args async throws -> QuillValue in
            try await Task.sleep(nanoseconds: 1_000_000)
            return .int(try args.string("sku").count)
        }
        try await runtime.run(source: #"print(price_of("A-1"), price_of("A-1", quantity: 4), fetch_stock("ABCDE"))"#)
        XCTAssertEqual(printed.value, "2.5 10.0 5\n")
        do {
            try await runtime.run(source: "price_of(42)", name: "shop.quill")
            XCTFail("no type error")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "TypeError")
            XCTAssertEqual(error.message, "price_of() argument 'sku' must be a string, not int")
            XCTAssertEqual(error.location?.description, "shop.quill:1:1")
        }
        do {
            try await runtime.run(source: #"price_of("A-1", qty: 2)"#)
            XCTFail("no argument error")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "ArgumentError")
            XCTAssertTrue(error.message.contains("qty"), error.message)
        }
        // A host error is a catchable Quill error with the host's kind.
        runtime.register("fail", parameters: []) { _ in throw QuillError("NotFoundError", "no such product", hint: "check the sku") }
        let caught = try await runtime.run(source: """
            var caught = nil
            try { fail() } catch e { caught = e.kind + ": " + e.message }
            caught
            """)
        XCTAssertEqual(caught, "NotFoundError: no such product")
    }

    func testHostObjectsHavePropertiesMethodsAndSetters() async throws {
        let (runtime, _) = Self.runtime()
        let discount = Locked(0.0)
        let catalogue = HostObject(typeName: "catalogue", properties: [
            .constant("size", 3),
            HostProperty("discount", get: { .double(discount.value) }, set: { value in
                guard let d = value.doubleValue, (0...0.5).contains(d) else {
                    throw QuillError.value("discount must be between 0 and 0.5")
                }
                discount.value = d
            }),
        ], methods: [
            HostFunction("lookup", parameters: ["sku"]) { args in
                let sku = try args.string("sku")
                return sku == "A-1" ? ["sku": .string(sku), "price": 2.5] : .nil
            },
        ])
        runtime.define("catalogue", .object(catalogue))
        let value = try await runtime.run(source: """
            catalogue.discount = 0.25
            [type(catalogue), catalogue.size, catalogue.lookup("A-1").price, catalogue.lookup("Z"), catalogue.discount]
            """)
        XCTAssertEqual(value, ["catalogue", 3, 2.5, nil, 0.25])
        XCTAssertEqual(discount.value, 0.25)
        expectEqual(try await runtime.evaluate("catalogue"), .object(catalogue))
        for (source, kind) in [("catalogue.size = 4", "AttributeError"), ("catalogue.discount = 0.9", "ValueError"),
                               ("catalogue.lookp(1)", "AttributeError")] {
            do {
                try await runtime.run(source: source)
                XCTFail(source)
            } catch let error as ScriptError {
                XCTAssertEqual(error.kind, kind, source)
            }
        }
    }

    func testHostModelsModuleSourcesAndObservedEvents() async throws {
        let model = WordModel(name: "shop:upper")
        let events = Locked<[String]>([])
        let (runtime, printed) = Self.runtime { configuration in
            configuration.hostModels["shop"] = { name in
                guard name == "upper" else { throw QuillError.value("no shop model '\(name)'") }
                return model
            }
            configuration.moduleSource = { name in name == "greetings" ? #"fn greet(who) { return "hello " + who }"# : nil }
            configuration.observer = { event in events.withLock { $0.append("\(event.kind.rawValue) \(event.model)") } }
            configuration.defaultModel = "shop:upper"
        }
        try await runtime.run(source: """
            import "greetings"
            let m = model("shop:upper")
            print(m.gen(greetings.greet("ada")))
            """)
        XCTAssertEqual(printed.value, "HELLO ADA\n")
        XCTAssertEqual(model.requests, 1)
        XCTAssertTrue(events.value.contains("request shop:upper"), "\(events.value)")
        XCTAssertTrue(events.value.contains("response shop:upper"), "\(events.value)")
        XCTAssertEqual(runtime.monitor.ledger.total.calls, 1)
        // `model()` without a spec opens the configured default.
        expectEqual(try await runtime.evaluate(#"model().gen("via the default")"#), "VIA THE DEFAULT")
    }

    func testErrorsNameTheirPlace() async throws {
        let (runtime, _) = Self.runtime()
        do {
            try await runtime.run(source: "let x = (1 +\n", name: "broken.quill")
            XCTFail("compiled")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "CompileError")
            XCTAssertEqual(error.location?.file, "broken.quill")
            XCTAssertFalse(error.problems.isEmpty)
            XCTAssertTrue(error.description.contains("broken.quill:"), error.description)
        }
        do {
            try await runtime.run(source: "fn f(m) { return m.nmae }\nf({name: 1})", name: "rt.quill")
            XCTFail("ran")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "KeyError")
            XCTAssertEqual(error.location?.description, "rt.quill:1:19")
            XCTAssertEqual(error.trace, ["at f (rt.quill:1:19)", "at <main> (rt.quill:2:1)"])
        }
        do {
            try await runtime.run(source: "exit(3)")
            XCTFail("ran")
        } catch let error as ScriptError {
            XCTAssertEqual(error.exitStatus, 3)
        }
        do {
            _ = try await runtime.call("nope")
            XCTFail("found")
        } catch let error as ScriptError {
            XCTAssertEqual(error.kind, "NameError")
        }
        // The runtime is still usable after every failure.
        expectEqual(try await runtime.evaluate("1 + 1"), 2)
    }
}

/// The host API's surface: documented declaration by declaration, and as large as the guide says.
final class PublicSurfaceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path

    /// Every public declaration in Sources/Quill/Embedding, with whether a `///` comment (or
    /// an attribute line under one) precedes it.
    static func declarations() throws -> [(file: String, line: String, documented: Bool)] {
        let dir = root + "/Sources/Quill/Embedding"
        var result: [(String, String, Bool)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where name.hasSuffix(".swift") {
            let lines = try String(contentsOfFile: dir + "/" + name, encoding: .utf8).components(separatedBy: "\n")
            for (i, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("public ") || trimmed.hasPrefix("open "), !trimmed.hasPrefix("public import") else { continue }
                var j = i - 1
                while j >= 0, lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("@") { j -= 1 }
                let documented = j >= 0 && lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("///")
                result.append((name, trimmed, documented))
            }
        }
        return result
    }

    func testEveryPublicDeclarationIsDocumented() throws {
        let undocumented = try Self.declarations().filter { !$0.documented }.map { "\($0.file): \($0.line)" }
        XCTAssertEqual(undocumented, [], "add a /// summary to each")
    }

    func testPublicSurfaceMatchesTheDocs() throws {
        let count = try Self.declarations().count
        let guide = try String(contentsOfFile: Self.root + "/docs/embedding.md", encoding: .utf8)
        XCTAssertTrue(guide.contains("**\(count) public declarations**"),
                      "docs/embedding.md should say **\(count) public declarations** (scripts/count-public-api.sh)")
    }
}
