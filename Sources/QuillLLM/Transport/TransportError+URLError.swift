import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension HTTPExchange {
    /// Maps a URLSession failure to a `TransportError`, or nil for success.
    ///
    /// libcurl-backed URLSession reports many failures as `.unknown` with libcurl's own message
    /// (a TLS failure before the head, "transfer closed with outstanding read data remaining"
    /// after it), so where the exchange was decides between "could not connect" and "lost".
    /// Messages name the host and port only: a URL's path or query may carry credentials.
    static func transportError(_ error: Error?, beforeHead: Bool, endpoint: String,
                               timeouts: HTTPTimeouts) -> TransportError? {
        guard let error else { return nil }
        if let transport = error as? TransportError { return transport }
        if error is CancellationError { return .cancelled }
        let nsError = error as NSError
        let detail = libcurlMessage(nsError)
        guard nsError.domain == NSURLErrorDomain else {
            return beforeHead ? .connectionFailed("\(endpoint): \(detail)") : .connectionLost("\(endpoint): \(detail)")
        }
        switch URLError.Code(rawValue: nsError.code) {
        case .cancelled:
            return .cancelled
        case .timedOut:
            // URLSession's own inactivity timer, set longer than ours as a backstop.
            return beforeHead ? .timedOut(phase: "first byte", seconds: timeouts.firstByte)
                              : .timedOut(phase: "idle", seconds: timeouts.idle)
        case .cannotConnectToHost:
            return .connectionFailed("\(endpoint) refused the connection; check that the server is running and the base URL's port")
        case .cannotFindHost, .dnsLookupFailed:
            return .connectionFailed("cannot resolve the host of \(endpoint) (\(detail)); check the base URL and the network")
        case .notConnectedToInternet, .dataNotAllowed, .internationalRoamingOff:
            return .connectionFailed("no network to reach \(endpoint)")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
             .clientCertificateRequired:
            return .connectionFailed("the TLS handshake with \(endpoint) failed: \(detail)")
        case .badURL, .unsupportedURL:
            return .connectionFailed("the URL for \(endpoint) cannot be requested over HTTP(S): \(detail)")
        case .networkConnectionLost, .badServerResponse, .cannotParseResponse:
            return beforeHead ? .connectionLost("\(endpoint) closed the connection before responding (\(detail))")
                              : .connectionLost("\(endpoint) closed the connection in the middle of the body (\(detail))")
        default:
            return beforeHead ? .connectionFailed("\(endpoint): \(detail)")
                              : .connectionLost("\(endpoint) broke off the body: \(detail)")
        }
    }

    /// libcurl's message as URLSession passes it on, or the error code when there is none.
    private static func libcurlMessage(_ error: NSError) -> String {
        if let message = error.userInfo[NSLocalizedDescriptionKey] as? String, !message.isEmpty {
            return message
        }
        return "\(error.domain) error \(error.code)"
    }
}
