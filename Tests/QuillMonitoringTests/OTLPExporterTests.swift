private final class OTLPCollector: @unchecked Sendable {
    private let server: LoopbackScript
    var port: Int { server.port }

    init() throws { server = try LoopbackScript("otlp_collector.py") }

    func stop() { server.stop() }

