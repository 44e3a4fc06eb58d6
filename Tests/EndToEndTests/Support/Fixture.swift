import Foundation
import GantryTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One test's world: a temporary folder, a local mirror serving mnist5k, and
/// the `gantry serve` processes the test starts. `Fixture.with` always tears it
/// all down; when the body throws, the error carries the daemon's log tail. The
/// folder is removed either way unless `GANTRY_E2E_KEEP` is set.
final class Fixture {
    let label: String
    let root: URL
    /// The daemon's `state_dir`; a test may point it elsewhere (a tmpfs) before `start`.
    var stateDir: URL
    let mirror: Mirror
    var token: String?
    private(set) var daemons: [Child] = []
    private(set) var port = 0
    private var lastLaunch: (config: URL, arguments: [String], environment: [String: String])?
    private var mounts: [URL] = []
    private let keep = ProcessInfo.processInfo.environment["GANTRY_E2E_KEEP"] != nil

    var daemon: Child? { daemons.last }
    var api: API { API(port: port, token: token) }

    init(_ label: String) throws {
        self.label = label
        root = Paths.temporaryDirectory(label)
        stateDir = root.appendingPathComponent("state")
        guard FileManager.default.isExecutableFile(atPath: Paths.gantry) else {
            throw HTTPClientError("no gantry executable at \(Paths.gantry) (set GANTRY_E2E_BINARY to point at one)")
        }
        mirror = try Mirror(folder: Paths.mnist5k, logDirectory: root)
    }

    /// Runs `body` with a fresh fixture and always cleans up.
    static func with(_ label: String, _ body: (Fixture) throws -> Void) throws {
        let fixture = try Fixture(label)
        defer { fixture.shutdown() }
        do {
            try body(fixture)
        } catch {
            throw HTTPClientError("\(error)\n\(fixture.diagnostics())")
        }
    }

    /// The configuration every test starts from: the mnist5k mirror as `mnist`,
    /// fast download retries, one BLAS thread.
    func baseConfig() throws -> [String: Any] {
        try Self.daemonConfig(stateDir: stateDir, mirror: mirror)
    }

    /// A daemon's configuration on `stateDir` with `mirror` serving mnist5k as `mnist`:
    /// fast download retries, one BLAS thread, one job at a time.
    static func daemonConfig(stateDir: URL, mirror: Mirror) throws -> [String: Any] {
        [
            "state_dir": stateDir.path,
            "listen": ["host": "127.0.0.1", "port": 8080],
            "blas_threads": 1,
            "concurrent_jobs": 1,
            "download": [
                "connect_timeout_seconds": 5, "low_speed_limit_bytes_per_second": 1024, "low_speed_time_seconds": 5,
                "attempts_per_mirror": 2, "retry_base_delay_seconds": 0.1, "retry_max_delay_seconds": 0.5,
            ] as [String: Any],
            "datasets": ["mnist": try MNIST5k.datasetEntry(baseURL: mirror.baseURL)],
        ]
    }

    func writeConfig(_ config: [String: Any], name: String = "gantry.json") throws -> URL {
        let url = root.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        return url
    }

    /// Writes the base config with `overrides` (top-level keys replaced) and starts
    /// `gantry serve --config FILE --port 0`, waiting for its "listening" line.
    @discardableResult
    func start(_ overrides: [String: Any] = [:], arguments: [String] = ["--port", "0"],
               environment: [String: String] = [:]) throws -> Child {
        var config = try baseConfig()
        config.merge(overrides) { $1 }
        let file = try writeConfig(config, name: "gantry-\(daemons.count + 1).json")
        return try launch(config: file, arguments: arguments, environment: environment)
    }

    /// Starts the daemon again as last time (same config, same state folder), with
    /// `environment` added to the last launch's.
    @discardableResult
    func restart(environment extra: [String: String] = [:]) throws -> Child {
        guard let last = lastLaunch else { throw HTTPClientError("restart before start") }
        return try launch(config: last.config, arguments: last.arguments, environment: last.environment.merging(extra) { $1 })
    }

    private func launch(config: URL, arguments: [String], environment: [String: String]) throws -> Child {
        if let running = daemon, running.isRunning { throw HTTPClientError("a daemon is still running (pid \(running.pid))") }
        lastLaunch = (config, arguments, environment)
        let child = try Child(label: "gantry-\(daemons.count + 1)", executable: Paths.gantry,
                              arguments: ["serve", "--config", config.path] + arguments,
                              environment: environment, logDirectory: root)
        daemons.append(child)
        let (_, groups) = try child.waitForLine(matching: #"^gantry: listening on http://(\S+):(\d+)$"#, timeout: 30)
        port = Int(groups[1])!
        return child
    }

    /// Mounts a tmpfs of `size` (e.g. "6m") at `path`; unmounted at teardown.
    func mountTmpfs(at path: URL, size: String) throws {
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        let status = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", path.path])
        guard status == 0 else { throw HTTPClientError("mount -t tmpfs at \(path.path) failed (status \(status))") }
        mounts.append(path)
    }

    /// Starts the daemon with its state folder on a fresh tmpfs of `size` (the fixture's
    /// `small-state`), which the test may fill or shrink; returns the folder.
    @discardableResult
    func startOnTmpfs(size: String) throws -> URL {
        let small = root.appendingPathComponent("small-state")
        try mountTmpfs(at: small, size: size)
        stateDir = small
        try start()
        return small
    }

    /// Shrinks (or grows) the tmpfs at `path` to `size` in place: the disk a job was
    /// admitted to turning out smaller, as when another program fills it.
    func resizeTmpfs(at path: URL, size: String) throws {
        let status = Self.run("/bin/mount", ["-o", "remount,size=\(size)", path.path])
        guard status == 0 else { throw HTTPClientError("mount -o remount,size=\(size) \(path.path) failed (status \(status))") }
    }

    /// Mounts a fresh ext4 filesystem of `megabytes` (a loop-mounted image in the
    /// fixture's folder) at `path`: unlike tmpfs it takes `chattr +i`. Unmounted at teardown.
    func mountExt4(at path: URL, megabytes: Int) throws {
        let image = root.appendingPathComponent("\(path.lastPathComponent).ext4")
        guard FileManager.default.createFile(atPath: image.path, contents: nil),
              truncate(image.path, off_t(megabytes) << 20) == 0 else { throw HTTPClientError("cannot create \(image.path)") }
        guard Self.run("/usr/sbin/mkfs.ext4", ["-q", "-F", image.path]) == 0 else { throw HTTPClientError("mkfs.ext4 \(image.path) failed") }
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-o", "loop", image.path, path.path]) == 0 else { throw HTTPClientError("mount -o loop at \(path.path) failed") }
        mounts.append(path)
    }

    static let ext4Need = "root, a loop device, mkfs.ext4 and chattr (e2fsprogs) to mount a small ext4 and make it immutable"

    /// Whether loop-mounted ext4 and `chattr` are available (root, loop devices, e2fsprogs).
    static let ext4Available: Bool = {
        guard tmpfsAvailable, FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") else { return false }
        let probe = Paths.temporaryDirectory("ext4-probe")
        defer { try? FileManager.default.removeItem(at: probe) }
        let image = probe.appendingPathComponent("probe.ext4")
        guard FileManager.default.createFile(atPath: image.path, contents: nil), truncate(image.path, 4 << 20) == 0,
              run("/usr/sbin/mkfs.ext4", ["-q", "-F", image.path]) == 0 else { return false }
        let mountPoint = probe.appendingPathComponent("mnt")
        try? FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-o", "loop", image.path, mountPoint.path]) == 0 else { return false }
        run("/bin/umount", [mountPoint.path])
        return true
    }()

    func diagnostics() -> String {
        var lines = ["--- fixture \(label): \(root.path) " + (keep ? "(kept) ---" : "(removed; set GANTRY_E2E_KEEP=1 to keep it) ---")]
        for child in daemons {
            lines.append("--- \(child.label) (pid \(child.pid), \(child.exitStatus.map(\.description) ?? "running")) stderr tail ---")
            lines.append(child.stderrTail(lines: 25))
        }
        return lines.joined(separator: "\n")
    }

    func shutdown() {
        for child in daemons where child.isRunning { child.killNow() }
        mirror.stop()
        for mount in mounts.reversed() where Self.run("/bin/umount", [mount.path]) != 0 {
            _ = Self.run("/bin/umount", ["-l", mount.path])
        }
        mounts = []
        if keep {
            print("gantry e2e: kept \(root.path)")
        } else {
            try? FileManager.default.removeItem(at: root)
        }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 20) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        return process.terminationStatus
    }

    static let tmpfsNeed = "a small tmpfs mount (mount from util-linux, run as root where mounting is allowed)"

    /// Whether this machine lets us mount a tmpfs (root, in a namespace that allows it).
    static let tmpfsAvailable: Bool = {
        let probe = Paths.temporaryDirectory("tmpfs-probe")
        defer { try? FileManager.default.removeItem(at: probe) }
        guard FileManager.default.isExecutableFile(atPath: "/bin/mount"),
              run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]) == 0 else { return false }
        run("/bin/umount", [probe.path])
        return true
    }()
}
