import CGantryZlib

/// Inflates gzip data with zlib as it is read, so only the decoded bytes the
/// caller asks for ever exist in memory. This file holds every zlib pointer.
///
/// Concatenated gzip members are read as one stream, as `gunzip` does; the
/// CRC-32 and length in each member's trailer are checked by zlib.
final class GzipStream: DecodedStream {
    /// zlib documents 1032:1 as deflate's largest possible compression ratio.
    let maxExpansion = 1032
    let isCompressed = true
    var sourceByteCount: Int { source.byteCount }

    private var source: any ByteSource
    private var input: [UInt8]
    private var inputOffset = 0
    private var sourceEnded = false
    private var memberEnded = false
    private var finished = false
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    private let stream: UnsafeMutablePointer<z_stream>

    init(source: any ByteSource, firstChunk: [UInt8]) throws {
        self.source = source
        self.input = firstChunk
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + MAX_WBITS: expect a gzip header and trailer, not raw zlib.
        let status = cgantry_inflateInit2(stream, 16 + MAX_WBITS)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw IDXError(.corruptGzip(reason: "zlib could not start: status \(status)"))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func read(appendingTo buffer: inout [UInt8], maxCount: Int) throws -> Int {
        guard maxCount > 0, !finished else { return 0 }
        while true {
            if inputOffset == input.count && !sourceEnded {
                if let chunk = try source.nextChunk() {
                    input = chunk
                    inputOffset = 0
                } else {
                    sourceEnded = true
                }
            }
            if memberEnded {
                if inputOffset == input.count {
                    if sourceEnded {
                        finished = true
                        return 0
                    }
                    continue
                }
                guard input[inputOffset] == 0x1F else {
                    throw IDXError(.corruptGzip(reason: "bytes after the end of the gzip data are not another gzip member"))
                }
                inflateReset(stream)
                memberEnded = false
            }
            let (status, produced) = inflateStep(maxOutput: min(maxCount, scratch.count))
            if produced > 0 {
                buffer.append(contentsOf: scratch[0..<produced])
            }
            switch status {
            case Z_STREAM_END:
                memberEnded = true
            case Z_OK:
                break
            case Z_BUF_ERROR:
                // No progress was possible: zlib wants input that will never come.
                if produced == 0 && inputOffset == input.count && sourceEnded {
                    throw IDXError(.truncatedGzip)
                }
            default:
                throw IDXError(.corruptGzip(reason: zlibMessage(status)))
            }
            if produced > 0 { return produced }
        }
    }

    /// One call to inflate over the current input chunk into `scratch`.
    private func inflateStep(maxOutput: Int) -> (status: Int32, produced: Int) {
        let available = input.count - inputOffset
        var status: Int32 = Z_OK
        var produced = 0
        var consumed = 0
        input.withUnsafeBufferPointer { inBuffer in
            scratch.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress.map { UnsafeMutablePointer(mutating: $0 + inputOffset) }
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(maxOutput)
                status = inflate(stream, Z_NO_FLUSH)
                consumed = available - Int(stream.pointee.avail_in)
                produced = maxOutput - Int(stream.pointee.avail_out)
                // The buffers move after this closure; leave no dangling pointer behind.
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
        }
        inputOffset += consumed
        return (status, produced)
    }

    private func zlibMessage(_ status: Int32) -> String {
        if let message = stream.pointee.msg { return String(cString: message) }
        return "zlib status \(status)"
    }
}
