import ArgumentParser
import Foundation
import QuillEngine
import QuillLLM
import QuillServer

/// `quill serve`: local models over OpenAI- and Anthropic-compatible HTTP APIs.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve local models over OpenAI- and Anthropic-compatible HTTP APIs, with Prometheus /metrics.",
        discussion: """
            MODEL is a catalog name (\(ModelCatalog.models.map(\.name).joined(separator: ", "))), a model in the store, \
            a GGUF path, or the same with 'local:' in front; requests name it by that name ('smollm2'; a file by its \
            name without .gguf). Default: \(ModelCatalog.defaultModelName). Endpoints: POST /v1/chat/completions, \
            /v1/completions, /v1/embeddings, /v1/messages; GET /v1/models, /health, /metrics. SIGINT or SIGTERM \
            stops it after the requests in progress finish.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port; the one chosen is printed).")
    var port = 8080

    @Option(name: .customLong("api-key"), help: "Require this key from clients (Authorization: Bearer KEY, or x-api-key). Default: $QUILL_SERVE_API_KEY, else none.")
    var apiKey: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 4 << 20

    @Option(name: .customLong("default-max-tokens"), help: "Tokens generated for a chat request that sets no max_tokens.")
    var defaultMaxTokens = 1024

    @Argument(help: "The models to serve.")
    var models: [String] = []

    func run() throws {
        let served = try (models.isEmpty ? [ModelCatalog.defaultModelName] : models).map(Self.resolve)
        let key = apiKey ?? ProcessInfo.processInfo.environment["QUILL_SERVE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let server: QuillServer
        do {
            server = try QuillServer(configuration: ServerConfiguration(
                host: host, port: port, apiKey: key, maxBodyBytes: maxBodyBytes, defaultMaxTokens: defaultMaxTokens, models: served))
        } catch {
            printError("quill serve: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let ids = server.modelIDs.joined(separator: ", ")
        // The server is async; this command blocks its (main) thread until the server has shut down.
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await server.run { host, port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    // Written unbuffered: whoever started the server waits for this line.
                    let line = "quill serve: listening on http://\(shown):\(port) (models: \(ids)\(key == nil ? "" : "; API key required"))\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            printError("quill serve: \(error)\n")
            throw ExitCode(ExitStatus.ioError)
        }
        printError("quill serve: stopped\n")
    }

    /// A command-line model reference as a served model: its id and its file (pulled on first use).
    static func resolve(_ argument: String) throws -> ServedModel {
        var reference = argument
        switch try? ModelSpec.parse(argument) {
        case .local(let name)?: reference = name ?? ModelCatalog.defaultModelName
        case .hosted?: throw ValidationError("'\(argument)' is a hosted model; quill serve serves local models (a catalog name, a store name or a GGUF path)")
        case nil: break
        }
        let path = try ModelResolver.resolve(reference)
        var id = reference
        if reference.contains("/") || reference.hasSuffix(".gguf") {
            id = (reference as NSString).lastPathComponent
            if id.hasSuffix(".gguf") { id = String(id.dropLast(5)) }
        }
        return ServedModel(id: id, path: path)
    }

    /// Where the server task leaves its error for the waiting command.
    private final class Outcome: @unchecked Sendable {
        var error: Error?
    }
}
