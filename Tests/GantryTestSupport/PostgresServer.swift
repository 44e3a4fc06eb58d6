import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real, throwaway PostgreSQL server for one test: `initdb` into a fresh folder under
/// /tmp, listening on 127.0.0.1 at a free port and on a unix socket in that folder,
/// with a database `gantry` the URL names. `shutdown()` stops it and deletes the folder.
///
/// PostgreSQL refuses to run as root, and CI runs as root: then initdb, pg_ctl and the
/// server run as the unprivileged `nobody` (or `gantry-postgres`, created with
/// `useradd --system` where there is no `nobody`) through `runuser`, in a folder
/// chowned to that user. Anyone else runs them as themselves.
///
/// Durability is off (`fsync`, `synchronous_commit`): the data lives for one test.
public final class PostgresServer: @unchecked Sendable {
    // @unchecked: a server belongs to the one test that started it; nothing is shared.
    public static let resource = "PostgreSQL's initdb and pg_ctl (Debian package postgresql)"

    /// The folder holding initdb, pg_ctl and createdb: where an initdb on PATH really
    /// is (a symlink names only itself), or Debian's versioned /usr/lib/postgresql/N/bin
    /// (the newest), or nil when PostgreSQL is not installed.
    public static let binDirectory: String? = {
        func complete(_ dir: String) -> Bool {
            ["initdb", "pg_ctl", "createdb"].allSatisfy { FileManager.default.isExecutableFile(atPath: dir + "/" + $0) }
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let onPath = path.filter { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
            .map { URL(fileURLWithPath: $0 + "/initdb").resolvingSymlinksInPath().deletingLastPathComponent().path }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let debian = versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        return (onPath + debian).first(where: complete)
    }()

    public static var available: Bool { binDirectory != nil }

    public let directory: URL
    public let port: Int
    /// `postgres://gantry@127.0.0.1:PORT/gantry?connect_timeout=5`
    public let url: String
    /// The system user the server runs as; nil when it runs as the test's own user.
    public let systemUser: String?
    private let bin: String
    private var dataDirectory: String { directory.path + "/data" }

    /// Initializes, starts and creates the database; throws `MissingResource` without
    /// PostgreSQL, or what a step printed when it fails.
    public init(name: String = "postgres") throws {
        guard let bin = Self.binDirectory else { throw MissingResource(Self.resource) }
        self.bin = bin
        systemUser = getuid() == 0 ? try Self.unprivilegedUser() : nil
        directory = TestPaths.temporaryDirectory(name)
        port = try Self.freePort()
        url = "postgres://gantry@127.0.0.1:\(port)/gantry?connect_timeout=5"
        try FileManager.default.createDirectory(atPath: directory.path + "/socket", withIntermediateDirectories: false)
        if let systemUser {
            try run("/bin/chown", ["-R", systemUser, directory.path], asServer: false)
        }
        do {
            try run(bin + "/initdb", ["-D", dataDirectory, "-U", "gantry", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            try start()
            try run(bin + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "gantry", "gantry"])
        } catch {
            shutdown()
            throw error
        }
    }

    /// Starts the server (again), waiting until it accepts connections.
    public func start() throws {
        let options = "-p \(port) -k \(directory.path)/socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try run(bin + "/pg_ctl", ["-D", dataDirectory, "-l", directory.path + "/server.log", "-w", "-t", "60", "-o", options, "start"])
    }

    /// Stops the server, disconnecting every client at once (`-m fast`); the data stays.
    public func stop() throws {
        try run(bin + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// Stops the server if it runs and deletes its folder.
    public func shutdown() {
        if FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") { try? stop() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log, for a failing test's message.
    public var log: String { (try? String(contentsOfFile: directory.path + "/server.log", encoding: .utf8)) ?? "" }

    /// Runs `tool` in the server's folder, as the server's user unless `asServer` is
    /// false; throws with what it printed when it fails.
    ///
    /// posix_spawn and waitpid rather than `Process`: waiting on a `Process` whose
    /// grandchild (the server pg_ctl starts) lives on was seen to hang for good.
    private func run(_ tool: String, _ arguments: [String], asServer: Bool = true) throws {
        // env -C: the server's user may not be able to enter the test's working directory.
        var argv = ["/usr/bin/env", "-C", directory.path]
        if asServer, let systemUser { argv += ["/usr/sbin/runuser", "-u", systemUser, "--"] }
        argv += [tool] + arguments
        let environment = childEnvironment(["LC_ALL": "C"], unset: ["PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE"])
        // Output to a file, not a pipe: the server pg_ctl starts outlives it.
        let output = directory.path + "/\(URL(fileURLWithPath: tool).lastPathComponent).out"
        let status = try Self.spawnAndWait(argv, environment: environment.map { "\($0.key)=\($0.value)" }, output: output)
        guard status == 0 else {
            let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw ChildError("\(tool) \(arguments.joined(separator: " ")) failed (status \(status)): \(printed)\n\(log)")
        }
    }

    /// Runs `argv` with stdin from /dev/null and stdout and stderr appended to
    /// `output`; returns its exit status (128 + signal when killed).
    private static func spawnAndWait(_ argv: [String], environment: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw ChildError("posix_spawn \(argv[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ChildError("waitpid \(argv[0]): errno \(errno)") }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// `nobody`, or a system user made for the purpose where there is none.
    private static func unprivilegedUser() throws -> String {
        if getpwnam("nobody") != nil { return "nobody" }
        let name = "gantry-postgres"
        if getpwnam(name) == nil {
            let status = try spawnAndWait(["/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                                          environment: [], output: "/dev/null")
            guard status == 0 || getpwnam(name) != nil else { throw ChildError("useradd \(name) failed (status \(status))") }
        }
        return name
    }

    /// A TCP port on 127.0.0.1 nothing listens on now (the kernel's pick for port 0).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ChildError("bind 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
