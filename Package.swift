// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Quill",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Quill", targets: ["Quill"]),
        .library(name: "QuillLanguage", targets: ["QuillLanguage"]),
        .library(name: "QuillEngine", targets: ["QuillEngine"]),
        .library(name: "QuillLLM", targets: ["QuillLLM"]),
        .library(name: "QuillServer", targets: ["QuillServer"]),
        .library(name: "QuillRunStore", targets: ["QuillRunStore"]),
        .library(name: "QuillOTel", targets: ["QuillOTel"]),
        .library(name: "QuillREPL", targets: ["QuillREPL"]),
        .executable(name: "quill", targets: ["quill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The DSL: lexer, parser, compiler, VM, core library. Knows nothing of LLMs.
        .target(name: "QuillLanguage"),
        // Quantized dot products with AVX2 paths chosen at run time (Swift SIMD spills; see the header).
        .target(name: "CQuillKernels"),
        // The CPU transformer core: GGUF, tensor formats, kernels, tokenizers, models, sampling.
        .target(name: "QuillEngine", dependencies: ["CQuillKernels"]),
        // Provider-neutral LLM layer: the LanguageModel protocol, the local model over the
        // engine, structured output, the response cache. Usable without the language.
        .target(name: "QuillLLM", dependencies: ["QuillEngine"]),
        // The embedding façade: the language wired to the LLM layer.
        .target(name: "Quill", dependencies: ["QuillLanguage", "QuillLLM", "QuillEngine", "ZIPFoundation"]),
        // `quill serve`: OpenAI- and Anthropic-compatible HTTP endpoints over local models. Its own
        // target so that embedders of Quill and QuillLLM do not compile a web server.
        .target(name: "QuillServer", dependencies: ["QuillLLM", "QuillEngine", .product(name: "Hummingbird", package: "hummingbird")]),
        // The run log: every call of every run in SQLite (GRDB), and `batch` checkpoints.
        .target(name: "QuillRunStore", dependencies: ["QuillLLM", "QuillLanguage", .product(name: "GRDB", package: "GRDB.swift")]),
        // OpenTelemetry spans for model calls, sent as OTLP/HTTP JSON with Foundation only.
        .target(name: "QuillOTel", dependencies: ["QuillLLM"]),
        // libedit's native API (el_gets, history), with inline wrappers for its variadic calls.
        .systemLibrary(name: "CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        // The interactive REPL: line editing, history, multi-line input, completion, commands.
        .target(name: "QuillREPL", dependencies: ["Quill", "CLibEdit"]),
        .executableTarget(
            name: "quill",
            dependencies: ["Quill", "QuillEngine", "QuillServer", "QuillRunStore", "QuillOTel", "QuillREPL",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // A statically linked runtime starts faster and uses ~3 MB less memory than loading
            // the shared Swift libraries (measured: 10.3 MB vs 13.7 MB peak RSS for `print(1)`).
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-lFoundationNetworking", "-l_CFURLSessionInterface", "-l:libcurl.so.4", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"], .when(platforms: [.linux]))]
        ),
        // Helpers shared by the test targets (running the built `quill`).
        .target(name: "QuillTestSupport", path: "Tests/QuillTestSupport"),
        // Counts malloc calls for the allocation tests (replaces malloc in the test process).
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "QuillLanguageTests", dependencies: ["QuillLanguage", "Quill", "QuillTestSupport"]),
        .testTarget(name: "QuillLLMTests", dependencies: ["QuillLLM", "Quill", "QuillTestSupport"]),
        .testTarget(name: "QuillServerTests", dependencies: ["QuillServer", "Quill", "QuillEngine", "QuillTestSupport"], exclude: ["Python"]),
        .testTarget(name: "QuillMonitoringTests", dependencies: ["Quill", "QuillEngine", "QuillRunStore", "QuillOTel", "QuillServer", "QuillTestSupport"]),
        .testTarget(name: "QuillREPLTests", dependencies: ["QuillREPL", "Quill", "QuillTestSupport"]),
        .testTarget(name: "QuillEmbeddingTests", dependencies: ["Quill", "QuillTestSupport"]),
        .testTarget(name: "QuillEngineTests", dependencies: ["QuillEngine", "CQuillKernels", "Quill", "QuillTestSupport", "CAllocationCounter"], resources: [.copy("Fixtures")]),
    ]
)
