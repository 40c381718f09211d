import Foundation

extension OTLPTraceExporter {
    /// Where and how spans are sent: the OTLP/HTTP endpoint, its headers, the resource that
    /// names this process, and the batching.
    public struct Configuration: Sendable, Equatable {
        /// The full URL spans are POSTed to (`…/v1/traces`).
        public var endpoint: URL
        /// Extra request headers (an API key for a hosted collector).
        public var headers: [String: String]
        /// The resource attribute `service.name`.
        public var serviceName: String
        /// Further resource attributes (`OTEL_RESOURCE_ATTRIBUTES`); `service.name` and the
        /// `telemetry.sdk.*` attributes are set from the other fields.
        public var resourceAttributes: [String: String]
        /// The script being run, for the run's span name (`quill run <script>`).
        public var scriptName: String?
        /// Seconds between exports of what is queued.
        public var flushInterval: Double
        /// Spans per request; a full batch is sent without waiting for the interval.
        public var maxBatchSize: Int
        /// Spans queued or being sent at most; more are dropped (with a warning) rather than
        /// held in memory while a collector does not keep up.
        public var maxQueueSize: Int
        /// Seconds one export may take (connecting, and waiting for the reply).
        public var timeout: Double
        /// Problems found in the environment that do not stop exporting (an unsupported
        /// protocol, a malformed header); the exporter reports each through `warn` when it starts.
        public var warnings: [String]

        /// - Parameter endpoint: the full traces URL, e.g. `http://localhost:4318/v1/traces`.
        public init(endpoint: URL, headers: [String: String] = [:], serviceName: String = "quill",
                    resourceAttributes: [String: String] = [:], scriptName: String? = nil,
                    flushInterval: Double = 2, maxBatchSize: Int = 64, maxQueueSize: Int = 2048,
                    timeout: Double = 10, warnings: [String] = []) {
            self.endpoint = endpoint
            self.headers = headers
            self.serviceName = serviceName
            self.resourceAttributes = resourceAttributes
            self.scriptName = scriptName
            self.flushInterval = flushInterval
            self.maxBatchSize = maxBatchSize
            self.maxQueueSize = maxQueueSize
            self.timeout = timeout
            self.warnings = warnings
        }

        /// The configuration the standard OpenTelemetry variables describe, or nil when they
        /// name no endpoint (or `OTEL_SDK_DISABLED=true`): tracing is off unless asked for.
        ///
        /// - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the traces URL as is; otherwise
        ///   `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL to which `/v1/traces` is appended.
        /// - `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (which wins):
        ///   `k=v,k2=v2`, values percent-decoded.
        /// - `OTEL_SERVICE_NAME` (default `quill`); `OTEL_RESOURCE_ATTRIBUTES` in the headers' format.
        /// - `OTEL_EXPORTER_OTLP_TIMEOUT` / `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, in milliseconds.
        /// - `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`: Quill only sends
        ///   `http/json`; another value adds a warning and http/json is sent anyway (collectors
        ///   accept both encodings on the same port, so this usually just works).
        ///
        /// Empty variables count as unset, as the OpenTelemetry specification says.
        /// - Throws: `ConfigurationError` when the endpoint is not an http(s) URL.
        public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws
            -> Configuration? {
            func value(_ name: String) -> String? {
                let v = env[name]?.trimmingCharacters(in: .whitespaces)
                return v?.isEmpty == false ? v : nil
            }
            if value("OTEL_SDK_DISABLED")?.lowercased() == "true" { return nil }
            let endpoint: URL
            if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
                endpoint = try url(traces, from: traces, variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
                // The base itself must be valid: "http://" plus "/v1/traces" would read as host "v1".
                _ = try url(base, from: base, variable: "OTEL_EXPORTER_OTLP_ENDPOINT")
                let root = base.hasSuffix("/") ? String(base.dropLast()) : base
                endpoint = try url(root + "/v1/traces", from: base, variable: "OTEL_EXPORTER_OTLP_ENDPOINT")
            } else {
                return nil
            }

            var warnings: [String] = []
            var headers = parseList(value("OTEL_EXPORTER_OTLP_HEADERS"), variable: "OTEL_EXPORTER_OTLP_HEADERS", &warnings)
            headers.merge(parseList(value("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), variable: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                                    &warnings)) { _, traces in traces }
            let resource = parseList(value("OTEL_RESOURCE_ATTRIBUTES"), variable: "OTEL_RESOURCE_ATTRIBUTES", &warnings)
            let serviceName = value("OTEL_SERVICE_NAME") ?? resource["service.name"] ?? "quill"

            var config = Configuration(endpoint: endpoint, headers: headers, serviceName: serviceName,
                                       resourceAttributes: resource.filter { $0.key != "service.name" })
            let timeoutName = value("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") != nil ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
                                                                                 : "OTEL_EXPORTER_OTLP_TIMEOUT"
            if let text = value(timeoutName) {
                if let ms = Double(text), ms > 0 {
                    config.timeout = ms / 1000
                } else {
                    warnings.append("\(timeoutName)=\(text) is not a number of milliseconds; using \(Int(config.timeout)) s")
                }
            }
            let protocolName = value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") != nil ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
                                                                                   : "OTEL_EXPORTER_OTLP_PROTOCOL"
            if let proto = value(protocolName), proto != "http/json" {
                warnings.append("\(protocolName)=\(proto) is not supported: Quill sends traces as OTLP http/json "
                                + "to \(endpoint.absoluteString)")
            }
            config.warnings = warnings
            return config
        }

        /// `text` as an endpoint URL, or the error that names the variable and the value it came from.
        private static func url(_ text: String, from value: String, variable: String) throws -> URL {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = url.host, !host.isEmpty else {
                throw ConfigurationError(variable: variable, value: value)
            }
            return url
        }

        /// A `k=v,k2=v2` list (W3C Baggage style, as OpenTelemetry's variables use): keys and
        /// values trimmed, values percent-decoded; an entry without `=` or key is skipped with
        /// a warning, since one typo should not stop tracing.
        private static func parseList(_ text: String?, variable: String, _ warnings: inout [String]) -> [String: String] {
            guard let text else { return [:] }
            var result: [String: String] = [:]
            for entry in text.split(separator: ",", omittingEmptySubsequences: true) {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                guard parts.count == 2, !key.isEmpty else {
                    if !entry.allSatisfy(\.isWhitespace) {
                        warnings.append("\(variable): ignoring '\(entry.trimmingCharacters(in: .whitespaces))', not key=value")
                    }
                    continue
                }
                let raw = parts[1].trimmingCharacters(in: .whitespaces)
                result[key] = raw.removingPercentEncoding ?? raw
            }
            return result
        }
    }

    /// An OpenTelemetry endpoint variable that is not an http(s) URL with a host.
    public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
        /// The variable that held it.
        public var variable: String
        /// What it held.
        public var value: String

        /// A sentence naming the variable and saying what is expected.
        public var description: String {
            "\(variable)=\(value) is not an http(s) URL (expected e.g. http://localhost:4318); traces are not exported"
        }
    }
}
