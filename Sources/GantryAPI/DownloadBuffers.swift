import Foundation
import HTTPServer
import Synchronization

/// The encoded checkpoints that downloads are sending, bounded in bytes.
///
/// A checkpoint download's body is the whole generator (about 97 MB for the largest
/// model), held until its last byte has left; sixty slow clients once held sixty copies.
/// Here every download of one job's epoch shares one copy, and new copies are made only
/// while the copies still being sent stay under `limitBytes`: past it a download is a
/// 503 `busy` with `Retry-After` (one copy is always allowed, however large).
package final class DownloadBuffers: Sendable {
    private struct Copies {
        var live: [String: WeakBody] = [:]
        var heldBytes = 0
    }
    private let copies = Mutex(Copies())
    let limitBytes: Int

    package init(limitBytes: Int) { self.limitBytes = limitBytes }

    /// One copy of a download's bytes; handed to the server as the response's
    /// `bodyOwner`, it is released when the last download sending it is done.
    final class Body: Sendable {
        let bytes: [UInt8]
        let key: String
        let buffers: DownloadBuffers

        init(bytes: [UInt8], key: String, buffers: DownloadBuffers) {
            self.bytes = bytes
            self.key = key
            self.buffers = buffers
        }

        deinit { buffers.release(key: key, count: bytes.count) }
    }

    private struct WeakBody {
        weak var body: Body?
    }

    /// The copy being sent for `key`, or a new one from `make` if the bound allows it.
    func body(for key: String, make: () throws -> [UInt8]) throws -> Body {
        if let shared = copies.withLock({ $0.live[key]?.body }) { return shared }
        let bytes = try make()
        return try copies.withLock { copies in
            if let shared = copies.live[key]?.body { return shared }
            guard copies.heldBytes == 0 || copies.heldBytes + bytes.count <= limitBytes else {
                var busy = APIError(.serviceUnavailable, .busy,
                                    "checkpoint downloads in progress hold \(copies.heldBytes >> 20) MiB; another \(bytes.count >> 20) MiB would pass their bound of \(limitBytes >> 20) MiB; retry in a moment")
                busy.headers = [("Retry-After", "5")]
                throw busy
            }
            copies.heldBytes += bytes.count
            let body = Body(bytes: bytes, key: key, buffers: self)
            copies.live[key] = WeakBody(body: body)
            return body
        }
    }

    fileprivate func release(key: String, count: Int) {
        copies.withLock { copies in
            copies.heldBytes -= count
            if copies.live[key]?.body == nil { copies.live[key] = nil }
        }
    }
}
