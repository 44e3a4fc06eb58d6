import Foundation
import Testing
@testable import HTTPServer

@Suite("Values: headers, responses, limits")
struct ValueTests {
    @Test func headerLookupIgnoresCase() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Thing": "1"]
        headers.add("x-thing", "2")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers.values(for: "X-THING") == ["1", "2"])
        headers.set("X-Thing", "3")
        #expect(headers.values(for: "x-thing") == ["3"])
        headers.remove("CONTENT-TYPE")
        #expect(!headers.contains("Content-Type"))
        #expect(asciiCaseInsensitiveEquals("Straße", "straße"))
        #expect(!asciiCaseInsensitiveEquals("abc", "abd"))
    }

    @Test func errorBodyIsTheDocumentedJSON() throws {
        let response = HTTPError(.badRequest, code: "invalid_parameter", message: "epochs must be \"between\" 1 and 10000\n").response
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]])
        #expect(object["error"]?["code"] == "invalid_parameter")
        #expect(object["error"]?["message"] == "epochs must be \"between\" 1 and 10000\n")
    }

    @Test func serializerOwnsTheFraming() throws {
        let response = HTTPResponse(status: .ok, headers: ["Content-Length": "999", "Transfer-Encoding": "chunked",
                                                           "Connection": "keep-alive", "X-Ok": "yes"], body: Array("abc".utf8))
        let wire = try #require(ResponseSerializer.serialize(response, omitBody: false, keepAlive: false,
                                                              announceKeepAlive: false, dateLine: Array("Date: D\r\n".utf8)))
        let text = String(decoding: wire.head, as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nX-Ok: yes\r\nContent-Length: 3\r\nDate: D\r\nConnection: close\r\n\r\nabc")
    }

    @Test func serializerRefusesHeaderInjection() {
        let bad = HTTPResponse(headers: ["X-Evil": "a\r\nSet-Cookie: x=1"])
        #expect(ResponseSerializer.serialize(bad, omitBody: false, keepAlive: true, announceKeepAlive: false, dateLine: []) == nil)
        let badName = HTTPResponse(headers: ["Bad Name": "v"])
        #expect(ResponseSerializer.serialize(badName, omitBody: false, keepAlive: true, announceKeepAlive: false, dateLine: []) == nil)
    }

    @Test func headNoContentAndNotModifiedFraming() throws {
        let body = HTTPResponse(body: Array("hello".utf8))
        let head = try #require(ResponseSerializer.serialize(body, omitBody: true, keepAlive: true, announceKeepAlive: true, dateLine: []))
        #expect(String(decoding: head.head, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n")
        let noContent = try #require(ResponseSerializer.serialize(HTTPResponse(status: .noContent, body: [1]), omitBody: false,
                                                                  keepAlive: true, announceKeepAlive: false, dateLine: []))
        #expect(String(decoding: noContent.head, as: UTF8.self) == "HTTP/1.1 204 No Content\r\n\r\n")
        // A 304 has no body and may only repeat the 200's length (RFC 9110 §8.6), so it carries none.
        let notModified = try #require(ResponseSerializer.serialize(HTTPResponse(status: .notModified, headers: ["ETag": "\"e\""], body: [1]),
                                                                    omitBody: false, keepAlive: true, announceKeepAlive: false, dateLine: []))
        #expect(String(decoding: notModified.head, as: UTF8.self) == "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n")
        #expect(notModified.separateBody == nil)
    }

    @Test func largeBodiesStayASeparateChunk() throws {
        let big = HTTPResponse(body: [UInt8](repeating: 7, count: 100_000))
        let wire = try #require(ResponseSerializer.serialize(big, omitBody: false, keepAlive: true, announceKeepAlive: false, dateLine: []))
        #expect(wire.separateBody?.count == 100_000)
        #expect(String(decoding: wire.head, as: UTF8.self).hasSuffix("Content-Length: 100000\r\n\r\n"))
    }

    @Test func dateIsIMFFixdate() {
        #expect(String(decoding: HTTPDateCache.format(784111777), as: UTF8.self) == "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
    }

    @Test func limitsDecodeWithDefaultsForMissingKeys() throws {
        let json = #"{"max_body_bytes": 2048, "head_timeout_seconds": 2.5}"#
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let limits = try decoder.decode(HTTPServer.Limits.self, from: Data(json.utf8))
        var expected = HTTPServer.Limits()
        expected.maxBodyBytes = 2048
        expected.headTimeoutSeconds = 2.5
        #expect(limits == expected)
        #expect(HTTPServer.Limits().maxRequestLineBytes == 8192)
        #expect(HTTPServer.Limits().maxHeaderBytes == 16384)
        #expect(HTTPServer.Limits().maxHeaderCount == 100)
        #expect(HTTPServer.Limits().maxBodyBytes == 1 << 20)
        #expect(HTTPServer.Limits().headTimeoutSeconds == 10)
        #expect(HTTPServer.Limits().idleTimeoutSeconds == 30)
        // And round-trips.
        let encoded = try JSONEncoder().encode(limits)
        #expect(try JSONDecoder().decode(HTTPServer.Limits.self, from: encoded) == limits)
    }

    @Test func configurationDecodesWithDefaults() throws {
        let json = #"{"port": 9000, "limits": {"maxConnections": 10}}"#
        let configuration = try JSONDecoder().decode(HTTPServer.Configuration.self, from: Data(json.utf8))
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 9000)
        #expect(configuration.limits.maxConnections == 10)
        #expect(configuration.limits.maxBodyBytes == 1 << 20)
    }

    @Test func statusesCompareByCode() {
        #expect(HTTPStatus(code: 404, reason: "Nothing Here") == .notFound)
        #expect(Set([HTTPStatus.ok, HTTPStatus(code: 200, reason: "Fine")]).count == 1)
        #expect(HTTPStatus(code: 299).reason == "Status 299")
    }

    @Test func invalidLimitsAreRefusedAtStart() {
        var limits = HTTPServer.Limits()
        limits.headTimeoutSeconds = 0
        limits.maxConnections = -1
        #expect(limits.validationErrors().count == 2)
        let server = HTTPServer(configuration: .init(port: 0, limits: limits), router: Router())
        #expect(throws: SocketError.self) { try server.start() }
    }

    @Test func percentDecoding() {
        func decode(_ s: String, plus: Bool = false) -> String? {
            Array(s.utf8).withUnsafeBufferPointer { PercentDecoding.decode($0, plusIsSpace: plus) }
        }
        #expect(decode("a%20b") == "a b")
        #expect(decode("a+b") == "a+b")
        #expect(decode("a+b", plus: true) == "a b")
        #expect(decode("%e2%9c%93") == "✓")
        #expect(decode("%") == nil)
        #expect(decode("%2") == nil)
        #expect(decode("%2g") == nil)
        #expect(decode("%00") == nil)
        #expect(decode("%FF") == nil)
    }
}
