#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one non-blocking socket call.
enum IOResult: Equatable {
    case transferred(Int)
    case wouldBlock
    case endOfStream
    case failed(errno: Int32)
}

/// Thin wrappers over the POSIX calls a connection makes. Together with
/// `ListeningSocket` and `OutputQueue`'s gather write, this is where the C
/// calls live; the rest of the module deals in Swift values.
enum SocketIO {
    /// A peer that closes early must give us EPIPE, not kill the process.
    /// Sends also pass MSG_NOSIGNAL; this covers every other write path
    /// (and any other code in the daemon that writes to a socket).
    static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .transferred(n) }
            if n == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case let e: return .failed(errno: e)
            }
        }
    }

    /// One gather write of `iovecs`; never raises SIGPIPE.
    static func send(_ fd: Int32, _ iovecs: UnsafeMutableBufferPointer<iovec>) -> IOResult {
        while true {
            #if canImport(Glibc)
            var message = msghdr()
            message.msg_iov = iovecs.baseAddress
            message.msg_iovlen = iovecs.count
            let n = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            #else
            let n = writev(fd, iovecs.baseAddress, Int32(iovecs.count)) // SO_NOSIGPIPE is set on accept
            #endif
            if n >= 0 { return .transferred(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case let e: return .failed(errno: e)
            }
        }
    }

    /// Best-effort send of a small canned response on a fresh socket (the
    /// 503 for a connection over the limit); never blocks.
    static func sendBestEffort(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            #if canImport(Glibc)
            _ = Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            #else
            _ = Darwin.send(fd, raw.baseAddress, raw.count, 0)
            #endif
        }
    }

    /// Reads and drops whatever is already waiting, so that closing does not
    /// turn unread request bytes into a reset that destroys our response.
    static func discardPending(_ fd: Int32) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return }
        }
    }

    /// Sends FIN after our last byte while still letting us read (to linger).
    static func shutdownWrite(_ fd: Int32) {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    static func close(_ fd: Int32) {
        // Linux always releases the descriptor, even on EINTR: never retry.
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    /// Non-blocking, close-on-exec, no Nagle delay (head and body leave in
    /// one write, but a keep-alive client's next response must not wait for
    /// an ACK), and on Darwin no SIGPIPE.
    static func configureAccepted(_ fd: Int32) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { return false }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return true
    }

    static func errorDescription(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
