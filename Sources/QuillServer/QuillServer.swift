import Hummingbird
import Logging
import NIOCore

/// An HTTP server that serves local GGUF models over OpenAI- and Anthropic-compatible APIs,
/// with Prometheus metrics. `quill serve` runs one; a Swift program can too:
///
/// ```swift
/// let server = try QuillServer(configuration: ServerConfiguration(
///     port: 8080, models: [ServedModel(id: "smollm2", path: "/path/SmolLM2-135M-Instruct.Q4_1.gguf")]))
/// try await server.run { host, port in print("listening on http://\(host):\(port)") }
/// ```
///
/// Endpoints: `POST /v1/chat/completions`, `POST /v1/completions`, `POST /v1/embeddings`,
/// `GET /v1/models`, `GET /v1/models/{id}` (OpenAI); `POST /v1/messages` (Anthropic);
/// `GET /health`, `GET /metrics`.
public struct QuillServer: Sendable {
    public let configuration: ServerConfiguration
    let state: ServerState

    /// Loads the models; a model that cannot be loaded is an error here, before anything listens.
    public init(configuration: ServerConfiguration) throws {
        guard configuration.maxBodyBytes > 0 else { throw ServerError("--max-body-bytes must be positive, got \(configuration.maxBodyBytes)") }
        guard (0...65535).contains(configuration.port) else { throw ServerError("--port must be from 0 to 65535, got \(configuration.port)") }
        if let key = configuration.apiKey, key.isEmpty { throw ServerError("the API key is empty; give a key, or none to serve without one") }
        self.configuration = configuration
        state = try ServerState(configuration: configuration)
    }

    /// The ids of the served models.
    public var modelIDs: [String] { state.registry.ids }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully: the listener closes and
    /// requests in progress — streams included — are finished before this returns.
    /// `onListening` gets the address bound (with the port the system chose for port 0).
    public func run(onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }) async throws {
        var logger = Logger(label: "quill-serve")
        logger.logLevel = .warning
        let configuration = self.configuration
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "quill"),
            onServerRunning: { channel in onListening(configuration.host, channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        try await app.runService()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIMiddleware(state: state))
        let chat = OpenAIChatRoutes(state: state), completions = OpenAICompletionsRoutes(state: state)
        let embeddings = EmbeddingsRoute(state: state), messages = AnthropicMessagesRoutes(state: state)
        let info = InfoRoutes(state: state)
        router.post("/v1/chat/completions") { request, _ in try await chat.handle(request) }
        router.post("/v1/completions") { request, _ in try await completions.handle(request) }
        router.post("/v1/embeddings") { request, _ in try await embeddings.handle(request) }
        router.post("/v1/messages") { request, _ in try await messages.handle(request) }
        router.get("/v1/models") { request, _ in info.models(request) }
        router.get("/v1/models/{id}") { request, context in try info.model(request, id: try context.parameters.require("id")) }
        router.get("/health") { request, _ in info.health(request) }
        router.get("/metrics") { request, _ in info.metrics(request) }
        return router
    }
}
