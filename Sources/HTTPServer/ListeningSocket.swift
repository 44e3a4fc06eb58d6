#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server could not start listening.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var description: String {
        errno == 0 ? operation : "\(operation): \(SocketIO.errorDescription(errno)) (errno \(errno))"
    }
}

/// A bound, listening, non-blocking socket.
struct ListeningSocket {
    let fd: Int32
    let port: UInt16

    enum AcceptResult {
        case accepted(Int32)
        case wouldBlock
        /// EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays queued in the
        /// kernel and the listener stays readable, so retrying at once would spin.
        case outOfResources(errno: Int32)
        /// The peer gave up before we accepted (ECONNABORTED and friends): try the next.
        case transient
        case failed(errno: Int32)
    }

    /// Binds every address `host` resolves to on `port`. With port 0 the
    /// first bind picks a free port and the others reuse it, so `localhost`
    /// gets 127.0.0.1 and ::1 on the same port.
    static func bind(host: String, port: UInt16, backlog: Int32) throws(SocketError) -> [ListeningSocket] {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            throw SocketError(operation: "cannot resolve listen host \"\(host)\": \(reason)", errno: 0)
        }
        defer { freeaddrinfo(list) }

        var addresses: [UnsafeMutablePointer<addrinfo>] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET || entry.pointee.ai_family == AF_INET6 { addresses.append(entry) }
            cursor = entry.pointee.ai_next
        }

        var sockets: [ListeningSocket] = []
        var chosenPort = port
        do throws(SocketError) {
            for entry in addresses {
                let socket = try bindOne(entry.pointee, port: chosenPort, dualStackPeers: addresses.count > 1, backlog: backlog)
                chosenPort = socket.port
                sockets.append(socket)
            }
        } catch {
            sockets.forEach { SocketIO.close($0.fd) }
            throw error
        }
        guard !sockets.isEmpty else {
            throw SocketError(operation: "listen host \"\(host)\" has no IPv4 or IPv6 address", errno: 0)
        }
        return sockets
    }

    private static func bindOne(_ info: addrinfo, port: UInt16, dualStackPeers: Bool, backlog: Int32) throws(SocketError) -> ListeningSocket {
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { throw SocketError(operation: "socket()", errno: errno) }
        func fail(_ operation: String) -> SocketError {
            let error = SocketError(operation: operation, errno: errno)
            SocketIO.close(fd)
            return error
        }
        var one: Int32 = 1
        // Restarting the daemon must not wait for old connections in TIME_WAIT.
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw fail("setsockopt(SO_REUSEADDR)")
        }
        if info.ai_family == AF_INET6 && dualStackPeers {
            // Its IPv4 twin binds the IPv4 side separately.
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw fail("fcntl(O_NONBLOCK)") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)

        var storage = sockaddr_storage()
        let length = info.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: info.ai_addr, count: Int(length)))
        }
        setPort(port, in: &storage)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemBind(fd, $0, length) }
        }
        guard bound == 0 else { throw fail("bind to port \(port)") }
        guard listen(fd, backlog) == 0 else { throw fail("listen()") }

        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0 else { throw fail("getsockname()") }
        return ListeningSocket(fd: fd, port: portOf(actual))
    }

    func accept() -> AcceptResult {
        while true {
            #if canImport(Glibc)
            let client = Glibc.accept(fd, nil, nil)
            #else
            let client = Darwin.accept(fd, nil, nil)
            #endif
            if client >= 0 {
                guard SocketIO.configureAccepted(client) else {
                    SocketIO.close(client)
                    return .transient
                }
                return .accepted(client)
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .outOfResources(errno: errno)
            case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
                return .transient
            case let e: return .failed(errno: e)
            }
        }
    }

    private static func setPort(_ port: UInt16, in storage: inout sockaddr_storage) {
        withUnsafeMutablePointer(to: &storage) { pointer in
            if pointer.pointee.ss_family == sa_family_t(AF_INET) {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = port.bigEndian }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = port.bigEndian }
            }
        }
    }

    private static func portOf(_ storage: sockaddr_storage) -> UInt16 {
        var storage = storage
        return withUnsafePointer(to: &storage) { pointer in
            if pointer.pointee.ss_family == sa_family_t(AF_INET) {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }
}

/// `bind` is shadowed inside `ListeningSocket` by its own static `bind`.
@inline(__always)
private func systemBind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.bind(fd, address, length)
    #else
    Darwin.bind(fd, address, length)
    #endif
}
