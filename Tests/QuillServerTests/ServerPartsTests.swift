import Foundation
import QuillEngine
import XCTest
@testable import QuillServer

/// The server's parts in-process, without HTTP: reading fields, rendering errors and metrics,
/// encoding embeddings.
final class ServerPartsTests: XCTestCase {
    func fields(_ json: String) throws -> RequestFields {
        try RequestFields(try JSONValue.parse(json), path: "")
    }

    func testFieldsNameTheFieldAndWhatItMustBe() throws {
        let body = try fields(#"{"n": 2.0, "t": 0.5, "s": "x", "b": true, "nul": null, "stop": ["a", ""], "big": 1e300, "o": {"k": 1}}"#)
        XCTAssertEqual(try body.int("n", in: 1...4), 2, "a whole number written as 2.0 is an integer")
        XCTAssertNil(try body.string("nul"), "null reads as absent")
        XCTAssertNil(try body.string("missing"))
        XCTAssertThrowsError(try body.int("t", in: 0...4)) { error in
            XCTAssertEqual((error as? APIError)?.message, "'t': must be an integer, got a number (0.5)")
        }
        XCTAssertThrowsError(try body.double("s", in: 0...2)) { error in
            XCTAssertEqual((error as? APIError)?.param, "s")
            XCTAssertEqual((error as? APIError)?.message, #"'s': must be a number, got a string ("x")"#)
        }
        XCTAssertThrowsError(try body.double("t", in: 1...2)) { error in
            XCTAssertEqual((error as? APIError)?.message, "'t': must be a number from 1 to 2, got 0.5")
        }
        XCTAssertThrowsError(try body.int("big", in: 0...10)) { error in XCTAssertEqual((error as? APIError)?.status.code, 400) }
        XCTAssertThrowsError(try body.stopStrings("stop", limit: 4)) { error in
            XCTAssertEqual((error as? APIError)?.param, "stop[1]")
        }
        let nested = try XCTUnwrap(try body.object("o"))
        XCTAssertThrowsError(try nested.string("k")) { error in XCTAssertEqual((error as? APIError)?.param, "o.k") }
        XCTAssertThrowsError(try RequestFields(.array([]), path: "")) { error in
            XCTAssertEqual((error as? APIError)?.message, "the request body must be a JSON object, got an array")
        }
    }

    func testErrorBodiesInEachAPIsShape() throws {
        let error = APIError(.notFound, "no such model", param: "model", code: "model_not_found")
        XCTAssertEqual(error.body(flavor: .openAI, requestID: "req_1").serialized,
                       #"{"error":{"message":"no such model","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#)
        XCTAssertEqual(error.body(flavor: .anthropic, requestID: "req_1").serialized,
                       #"{"type":"error","error":{"type":"not_found_error","message":"no such model"},"request_id":"req_1"}"#)
        XCTAssertEqual(APIError(.unauthorized, "x").anthropicType, "authentication_error")
        XCTAssertEqual(APIError(.contentTooLarge, "x").anthropicType, "request_too_large")
        XCTAssertEqual(APIError(.internalServerError, "x").openAIType, "server_error")
        XCTAssertEqual(APIFlavor(path: "/v1/messages"), .anthropic)
        XCTAssertEqual(APIFlavor(path: "/v1/chat/completions"), .openAI)
    }

    func testMetricsRenderInPrometheusTextFormat() {
        let metrics = ServerMetrics()
        metrics.register(model: "m", capacity: 2)
        metrics.increment(ServerMetrics.httpRequests, [("http_route", "/v1/x"), ("http_response_status_code", "200")])
        metrics.increment(ServerMetrics.httpRequests, [("http_route", "/v1/x"), ("http_response_status_code", "200")])
        metrics.observe(ServerMetrics.timeToFirstToken, [("gen_ai_request_model", "m")], 0.03)
        metrics.observe(ServerMetrics.timeToFirstToken, [("gen_ai_request_model", "m")], 20)
        for _ in 0..<3 { metrics.sequence(model: "m", 1) }
        metrics.increment(ServerMetrics.tokenUsage, [("gen_ai_request_model", "a\"b\\c\nd")], by: 5)
        let text = metrics.render()
        XCTAssertTrue(text.contains("# TYPE http_server_requests_total counter\n"))
        XCTAssertTrue(text.contains(#"http_server_requests_total{http_route="/v1/x",http_response_status_code="200"} 2"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model="m",le="0.02"} 0"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model="m",le="0.04"} 1"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model="m",le="10"} 1"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model="m",le="+Inf"} 2"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_sum{gen_ai_request_model="m"} 20.03"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_time_to_first_token_seconds_count{gen_ai_request_model="m"} 2"#), text)
        XCTAssertTrue(text.contains(#"quill_server_sequences{gen_ai_request_model="m",state="running"} 2"#), text)
        XCTAssertTrue(text.contains(#"quill_server_sequences{gen_ai_request_model="m",state="waiting"} 1"#), text)
        XCTAssertTrue(text.contains(#"gen_ai_server_token_usage_total{gen_ai_request_model="a\"b\\c\nd"} 5"#), "label values escaped: \(text)")
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            XCTAssertNotNil(Double(line.split(separator: " ").last!), String(line))
        }
    }

    func testBase64EmbeddingsAreLittleEndianFloat32() throws {
        let vector: [Float] = [1, -2.5, 0.1]
        let data = try XCTUnwrap(Data(base64Encoded: EmbeddingsRoute.base64(vector)))
        XCTAssertEqual(Array(data.prefix(4)), [0x00, 0x00, 0x80, 0x3F], "1.0 as little-endian float32")
        let decoded = data.withUnsafeBytes { raw in (0..<3).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self) } }
        XCTAssertEqual(decoded.map { Float(bitPattern: UInt32(littleEndian: $0)) }, vector)
        XCTAssertEqual(EmbeddingsRoute.number(Float(0.1)).serialized, "0.1", "floats in their own shortest form")
    }

    func testConstantTimeKeyComparison() {
        XCTAssertTrue(APIKey.matches("secret", "secret"))
        XCTAssertFalse(APIKey.matches("secret", "secreT"))
        XCTAssertFalse(APIKey.matches("secret", "secret2"))
        XCTAssertFalse(APIKey.matches("", "x"))
    }
}
