import ArgumentParser
import Foundation
import Logging
import GantryService
import Linalg
import Synchronization

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the training daemon: the HTTP API, the job queue and the store."
    )

    @OptionGroup var options: ConfigOptions
    @Option(help: "Address to listen on (overrides listen.host).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (overrides listen.port).") var port: UInt16?
    @Option(help: "OpenBLAS kernels: auto or a core name (overrides blas_core).") var blasCore: BLASCoreChoice.Setting?
    @Flag(help: "Validate the configuration, print it, and exit.") var checkConfig = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let path = options.path
        let settings = try options.load { settings in
            if let host { settings.listen.host = host }
            if let port { settings.listen.port = port }
            if let blasCore { settings.blasCore = blasCore }
        }
        // The files the daemon reads at start, checked here so --check-config refuses what serve refuses, in its words.
        do { try settings.checkAuthTokenFile() } catch { throw CommandFailure("configuration: \(error)") }
        if checkConfig {
            print("configuration OK\(path.map { " (\($0))" } ?? " (built-in defaults)"): listen \(settings.listen.host):\(settings.listen.port), "
                  + "state_dir \(settings.stateDirectory), datasets \(settings.datasets.keys.sorted().joined(separator: ", "))")
            return
        }

        let blas = try BLASCoreLauncher.select(settings.blasCore)
        let notifier = SystemdNotifier(environment: environment)
        let logger = Logger(label: "gantry") { _ in ConsoleLogHandler() }
        let log: @Sendable (String) -> Void = { logger.info("\($0)") }
        log("blas: \(blas.summary)")
        let daemon: GantryDaemon
        let boundPort: UInt16
        do {
            daemon = try GantryDaemon(config: settings, blas: blas, logger: logger) { notifier.status($0) }
            boundPort = try daemon.start()
        } catch {
            notifier.status("cannot start: \(error)")
            throw CommandFailure("cannot start: \(error)")
        }
        Console.output("gantry: listening on http://\(settings.listen.host.contains(":") ? "[\(settings.listen.host)]" : settings.listen.host):\(boundPort)")
        notifier.send("READY=1\nSTATUS=listening on port \(boundPort)")
        let probeHost = settings.listen.host
        let watchdog = notifier.startWatchdog(isHealthy: { HealthProbe.check(host: probeHost, port: boundPort, timeout: $0) }, log: log)

        // SIGTERM (systemd, kill) and SIGINT (Ctrl-C) both mean: stop in order, exit 0. The
        // handler only wakes this thread, which stops the daemon and returns from `run`,
        // so the process ends the way any command does (no `exit` from a signal handler).
        let signals = DispatchQueue(label: "gantry.signals")
        let received = DispatchSemaphore(value: 0)
        let stopping = Mutex<Int32?>(nil)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signals)
            source.setEventHandler {
                let first = stopping.withLock { current in
                    defer { current = current ?? number }
                    return current == nil
                }
                if first { received.signal() } else { log("signal \(number): already stopping") }
            }
            source.resume()
            sources.append(source)
        }
        received.wait()
        let number = stopping.withLock { $0 } ?? SIGTERM
        log("signal \(number): stopping (jobs resume on the next start)")
        notifier.stopping("stopping: finishing requests, checkpointing running jobs")
        let inTime = daemon.shutdown(timeout: 8)
        withExtendedLifetime((sources, watchdog)) {}
        log(inTime ? "stopped" : "stopped: a job's run did not end within 8 s; the store was left open, and the job resumes on the next start")
    }
}

/// Lines to standard output and error, written whole and at once (no buffering
/// surprises when a test or systemd reads them through a pipe).
enum Console {
    static func output(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    static func error(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
