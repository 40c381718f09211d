import Hummingbird
import Logging
import NIOCore

/// A small HTTP server with only `GET /metrics`, for processes that are not `quill serve`
/// (`quill run --metrics-port P` exposes its calls' metrics while the script runs).
public enum MetricsEndpoint {
    /// Serves `render()` at `/metrics` until the task is cancelled or the process ends.
    /// `onListening` gets the port bound (the system's choice for port 0).
    public static func serve(host: String = "127.0.0.1", port: Int, render: @escaping @Sendable () -> String,
                             onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "quill-metrics")
        logger.logLevel = .warning
        let router = Router(context: BasicRequestContext.self)
        router.get("/metrics") { _, _ in response(render()) }
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "quill"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.run()
    }

    /// An exposition as Prometheus expects it (text format 0.0.4); `quill serve`'s `/metrics` too.
    static func response(_ exposition: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: exposition)))
    }
}
