import Foundation
import Testing
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

@Suite("Buffers")
struct BufferTests {
    func append(_ bytes: [UInt8], to buffer: InputBuffer) {
        let written = buffer.write(minimumFree: bytes.count) { space in
            space.copyBytes(from: bytes)
            return bytes.count
        }
        precondition(written == bytes.count)
    }

    func contents(_ buffer: InputBuffer) -> [UInt8] { buffer.withReadable { Array($0) } }

    @Test func inputBufferConsumesCompactsAndGrows() {
        let buffer = InputBuffer(initialCapacity: 16)
        append(Array(0..<10), to: buffer)
        buffer.consume(4)
        #expect(contents(buffer) == Array(4..<10))
        // Needs 12 free of 16: slides the 6 left-over bytes to the front instead of growing.
        append(Array(10..<20), to: buffer)
        #expect(contents(buffer) == Array(4..<20))
        #expect(buffer.capacity == 16)
        // Now it must grow.
        append(Array(20..<100), to: buffer)
        #expect(contents(buffer) == Array(4..<100))
        #expect(buffer.capacity >= 96)
        buffer.consume(buffer.count)
        #expect(buffer.isEmpty)
        buffer.releaseIfIdle()
        #expect(buffer.capacity == 16)
    }

    @Test func nothingIsAppendedWhenTheReadFails() {
        let buffer = InputBuffer(initialCapacity: 8)
        append([1, 2], to: buffer)
        #expect(buffer.write(minimumFree: 4) { _ in -1 } == -1)
        #expect(contents(buffer) == [1, 2])
    }

    @Test func outputQueueGathersAndResumesAfterAFullSocket() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        var small: Int32 = 4096
        setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)

        let queue = OutputQueue()
        var expected: [UInt8] = []
        for i in 0..<200 {
            let chunk = [UInt8](repeating: UInt8(i % 251), count: 1 + (i * 37) % 3000)
            queue.append(chunk)
            expected += chunk
        }
        queue.append([]) // ignored
        #expect(queue.byteCount == expected.count)

        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 8192)
        var sawWouldBlock = false
        while received.count < expected.count {
            switch queue.flush(to: pair[0]) {
            case .drained: break
            case .wouldBlock: sawWouldBlock = true
            case .failed(let e): Issue.record("write failed: \(e)"); return
            }
            let n = recv(pair[1], &scratch, scratch.count, Int32(MSG_DONTWAIT))
            if n > 0 { received += scratch[0..<n] }
        }
        #expect(sawWouldBlock)
        #expect(queue.isEmpty)
        #expect(received == expected)
    }

    @Test func outputQueueReportsAClosedPeer() {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]) }
        close(pair[1])
        let queue = OutputQueue()
        queue.append([1, 2, 3])
        // EPIPE, and no SIGPIPE: MSG_NOSIGNAL (this process does not ignore SIGPIPE itself
        // unless a server was started, so a raised SIGPIPE would end the test run).
        if case .failed(let e) = queue.flush(to: pair[0]) {
            #expect(e == EPIPE)
        } else {
            Issue.record("expected EPIPE")
        }
    }
}
