// CatalogueDemo: an app that lets its users script product recommendations with Quill.
//
// It registers a host object (the product catalogue), provides a model under its own name,
// runs the user's script in a sandbox (no files, network, environment, processes or clock)
// with a step limit, a time limit and a spend limit, and prints the model events it observed.
//
//     swift run -c release CatalogueDemo [script.quill] [query]
import Foundation
import Quill

/// The app's own data: what `catalogue.search` looks through.
struct Product: Codable {
    let sku: String
    let name: String
    let price: Double
    let tags: [String]
}

let products = [
    Product(sku: "CF-100", name: "Single-origin coffee beans", price: 14.50, tags: ["coffee", "gift"]),
    Product(sku: "CF-220", name: "Hand grinder", price: 39.00, tags: ["coffee", "kitchen"]),
    Product(sku: "TE-010", name: "Green tea sampler", price: 12.00, tags: ["tea", "gift"]),
    Product(sku: "KT-300", name: "Pour-over kettle", price: 45.00, tags: ["coffee", "tea", "kitchen"]),
    Product(sku: "BK-042", name: "The Coffee Atlas (book)", price: 24.99, tags: ["coffee", "book", "gift"]),
]

let catalogue = HostObject(typeName: "catalogue", properties: [
    .constant("size", .int(products.count)),
], methods: [
    HostFunction("search", parameters: ["query", HostParameter("limit", default: 5)]) { args in
        let query = try args.string("query").lowercased()
        let limit = try args.int("limit")
        let hits = products.filter { $0.tags.contains(query) || $0.name.lowercased().contains(query) }
        return try QuillValue(encoding: Array(hits.prefix(limit)))
    },
])

let arguments = Array(CommandLine.arguments.dropFirst())
let scriptPath = arguments.first ?? URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../scripts/recommend.quill").standardizedFileURL.path

// The host opens the bundled local model itself (with its own rights: it may download it
// once) and offers it to scripts as "shop:assistant", priced so the spend limit means something.
let observed = Locked<[String]>([])
var configuration = Runtime.Configuration()
configuration.arguments = Array(arguments.dropFirst())
configuration.hostModels["shop"] = { _ in try ModelFactory().open("local") }
configuration.prices["local"] = ModelPrice(input: 0.50, output: 1.50)
configuration.limits = Runtime.Limits(steps: 1_000_000, timeout: 120, memory: 64 << 20, spend: Decimal(string: "0.01"))
configuration.observer = { event in
    guard event.kind != .token else { return }
    var line = "\(event.kind.rawValue) \(event.model)"
    if let usage = event.usage { line += " tokens=\(usage.inputTokens)+\(usage.outputTokens)" }
    if let latency = event.latency { line += String(format: " latency=%.2fs", latency) }
    if let cost = event.cost { line += " cost=\(cost)" }
    observed.withLock { $0.append(line) }
}
let runtime = Runtime(configuration)
runtime.define("catalogue", .object(catalogue))

do {
    try await runtime.run(file: scriptPath)
} catch let error as ScriptError {
    FileHandle.standardError.write(Data(error.description.utf8))
    exit(1)
}

print("\nEvents observed by the host:")
for line in observed.value { print("  " + line) }
let total = runtime.monitor.ledger.total
print("Spent \(Cost.usd(total.cost)) on \(total.calls) call(s), \(total.inputTokens + total.outputTokens) tokens")
