import Foundation
import QuillLLM
import QuillTestSupport
import XCTest

/// A test case with a fresh fault server (`Tests/Servers/fault_server.py`) and transport per
/// test, so the server's per-key counts start from zero in every test.
class FaultServerTestCase: XCTestCase {
    var server: FaultServer!
    var transport: URLSessionTransport!

    override func setUpWithError() throws {
        server = try FaultServer()
        transport = URLSessionTransport()
    }

    override func tearDown() {
        server?.stop()
        server = nil
        transport = nil
    }

    /// A chat request to the fault server whose model id picks its behaviour. Requests to
    /// Anthropic's path carry the version header it requires.
    func chatRequest(_ model: String, _ text: String, path: String = "/v1/chat/completions", stream: Bool,
                     timeouts: HTTPTimeouts = HTTPTimeouts()) -> HTTPRequest {
        var headers = [(name: "Authorization", value: "Bearer sk-test-secret")]
        if path == "/v1/messages" { headers.append(("anthropic-version", "2023-06-01")) }
        return HTTPRequest(url: server.url(path), headers: headers,
                           body: FaultServer.chatBody(model: model, text: text, stream: stream), timeouts: timeouts)
    }
}
