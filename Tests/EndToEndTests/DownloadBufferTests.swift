import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A download whose client asked and then stopped reading: its body stays in the
/// daemon until the client reads or leaves.
final class StalledDownload {
    let fd: Int32

    init(port: Int, path: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw HTTPClientError("connect: errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { close(fd); throw HTTPClientError("send failed") }
        // The status line, to know the body is being sent; then nothing more is read.
        var head = [UInt8](repeating: 0, count: 12)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard recv(fd, &head, head.count, Int32(MSG_WAITALL)) == head.count, String(decoding: head, as: UTF8.self) == "HTTP/1.1 200" else {
            close(fd)
            throw HTTPClientError("the stalled download did not start: \(String(decoding: head, as: UTF8.self))")
        }
    }

    func leave() {
        var hard = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }
}

extension EndToEndTests {
    /// Sixty slow downloads of a large model once took the daemon from 350 MB to 2.7 GB:
    /// each held its own copy of the generator until its client had read it.
    @Test("checkpoint downloads share one copy per epoch and stop at download_buffer_bytes until a copy is let go")
    func checkpointDownloadsAreBounded() throws {
        try Fixture.with("downloads") { f in
            // G of 100 → 4,096 → 784 is 14.5 MB: more than both sockets' buffers, less than the bound.
            try f.start(["download_buffer_bytes": 20_000_000])
            let model: [String: Any] = ["epochs": 1, "g_hidden": 4096, "d_hidden": 8, "batch_size": 500, "samples_per_epoch": 1, "eval_every": 0]
            let first = try f.api.createJob(model), second = try f.api.createJob(model)
            try f.api.waitForStatus(first.id, ["completed"], timeout: 300)
            try f.api.waitForStatus(second.id, ["completed"], timeout: 300)
            let whole = try f.api.get("/v1/jobs/\(first.id)/checkpoint", timeout: 60)
            #expect(whole.status == 200 && whole.body.count > 14_000_000, "\(whole.status) \(whole.body.count) bytes")

            let stalled = try StalledDownload(port: f.port, path: "/v1/jobs/\(first.id)/checkpoint")
            // The same epoch again: the copy being sent serves it too.
            let shared = try f.api.get("/v1/jobs/\(first.id)/checkpoint", timeout: 60)
            #expect(shared.status == 200 && shared.body == whole.body, "\(shared.status) \(shared.body.count) bytes")
            // Another job's generator would be a second copy, past the 20 MB bound.
            let refused = try f.api.get("/v1/jobs/\(second.id)/checkpoint", timeout: 60)
            #expect(refused.status == 503 && refused.errorCode == "busy" && refused.header("Retry-After") == "5",
                    "\(refused.status) \(refused.text)")
            #expect(refused.errorMessage?.contains("bound of 19 MiB") == true, "\(refused.text)")
            // The stalled client leaves: its copy is let go and the other job's download goes through.
            stalled.leave()
            var after = try f.api.get("/v1/jobs/\(second.id)/checkpoint", timeout: 60)
            let deadline = Date().addingTimeInterval(30)
            while after.status == 503, Date() < deadline {
                usleep(100_000)
                after = try f.api.get("/v1/jobs/\(second.id)/checkpoint", timeout: 60)
            }
            #expect(after.status == 200 && after.body.count == whole.body.count, "\(after.status) \(after.text.prefix(300))")
        }
    }
}
