#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Response bytes waiting for the socket, as a queue of chunks (a response
/// head, a large body, the next pipelined response, …) sent with one gather
/// write per flush: head and body never leave in separate segments, so a
/// client's delayed ACK never stalls a response.
///
/// Confined to its connection's queue.
final class OutputQueue {
    private var chunks: [[UInt8]] = []
    /// What each chunk keeps alive until it is sent (`HTTPResponse.bodyOwner`).
    private var owners: [AnyObject?] = []
    private var firstChunk = 0 // chunks before it are sent
    private var firstOffset = 0 // bytes of chunks[firstChunk] already sent
    private(set) var byteCount = 0
    private var iovecs: [iovec] = []

    /// Bounded gather width; the kernel's own limit (IOV_MAX) is 1024.
    private static let maxIOVecs = 64

    var isEmpty: Bool { byteCount == 0 }

    func append(_ bytes: [UInt8], owner: AnyObject? = nil) {
        guard !bytes.isEmpty else { return }
        chunks.append(bytes)
        owners.append(owner)
        byteCount += bytes.count
    }

    func removeAll() {
        chunks.removeAll()
        owners.removeAll()
        firstChunk = 0
        firstOffset = 0
        byteCount = 0
    }

    enum FlushResult {
        case drained
        case wouldBlock
        case failed(errno: Int32)
    }

    /// Writes until everything is sent or the socket is full.
    func flush(to fd: Int32) -> FlushResult {
        while byteCount > 0 {
            let end = min(chunks.count, firstChunk + OutputQueue.maxIOVecs)
            iovecs.removeAll(keepingCapacity: true)
            let result = gather(from: firstChunk, to: end, fd: fd)
            switch result {
            case .transferred(let n): advance(by: n)
            case .wouldBlock: return .wouldBlock
            case .failed(let e): return .failed(errno: e)
            case .endOfStream: return .failed(errno: EPIPE)
            }
        }
        return .drained
    }

    /// Pins chunks `index..<end` one after another (their buffers are only
    /// valid inside `withUnsafeBytes`), then sends them all in one call.
    private func gather(from index: Int, to end: Int, fd: Int32) -> IOResult {
        if index == end {
            return iovecs.withUnsafeMutableBufferPointer { SocketIO.send(fd, $0) }
        }
        return chunks[index].withUnsafeBytes { raw in
            let offset = index == firstChunk ? firstOffset : 0
            iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + offset),
                                iov_len: raw.count - offset))
            return gather(from: index + 1, to: end, fd: fd)
        }
    }

    private func advance(by sent: Int) {
        var remaining = sent
        byteCount -= sent
        while remaining > 0 {
            let left = chunks[firstChunk].count - firstOffset
            if remaining >= left {
                remaining -= left
                // A sent chunk lets go of its bytes and its owner now, not when the queue drains.
                chunks[firstChunk] = []
                owners[firstChunk] = nil
                firstChunk += 1
                firstOffset = 0
            } else {
                firstOffset += remaining
                remaining = 0
            }
        }
        if firstChunk == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            firstChunk = 0
            firstOffset = 0
        } else if firstChunk > 32 {
            chunks.removeFirst(firstChunk)
            owners.removeFirst(firstChunk)
            firstChunk = 0
        }
    }
}
