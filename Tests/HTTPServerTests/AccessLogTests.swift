import Foundation
import Testing
@testable import HTTPServer

final class RecordBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [AccessRecord] = []
    func add(_ record: AccessRecord) { lock.lock(); items.append(record); lock.unlock() }
    var records: [AccessRecord] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite("Access log")
struct AccessLogTests {
    @Test func everyResponseIsRecorded() throws {
        let box = RecordBox()
        let server = try TestServer(accessLog: { box.add($0) })
        let client = try server.client()
        _ = try client.roundTrip(get("/hello"))
        _ = try client.roundTrip("HEAD /big?bytes=10 HTTP/1.1\r\nHost: h\r\n\r\n", headRequest: true)
        _ = try client.roundTrip(get("/nope"))
        _ = try client.roundTrip(get("/slow?ms=20"))
        _ = try client.roundTrip(get("/a%zz"))
        #expect(server.eventually { box.records.count == 5 })
        let records = box.records
        #expect(records.map(\.status) == [200, 200, 404, 200, 400])
        #expect(records.map { $0.method?.rawValue ?? "-" } == ["GET", "HEAD", "GET", "GET", "-"])
        #expect(records[0].target == "/hello" && records[0].bodyBytes == 5)
        #expect(records[1].bodyBytes == 0)
        #expect(records[3].seconds >= 0.015)
        #expect(records[4].target == nil)
    }
}
