import Foundation
import Logging
import HTTPServer
import Linalg
import MNIST
import GantryJobs
import GantryStores
import GantryAPI

/// The whole service: store, scheduler and HTTP server, started and stopped together.
public final class GantryDaemon: Sendable {
    public let config: ServiceConfig
    public let store: any JobStore
    public let scheduler: Scheduler
    let server: HTTPServer
    let notifier: EpochNotifier
    /// Every route the daemon serves, as registered: what docs/openapi.json must describe.
    public let routes: [(method: HTTPMethod, pattern: String)]

    public init(config: ServiceConfig, blas: BLASCoreReport = .current(reason: "not chosen by gantry"), logger: Logger,
                status: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.config = config
        let state = config.stateDirectory
        do {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(key: "state_dir", message: "cannot create \(state): \(error.localizedDescription)")
        }
        // A job splits its steps into `blas_threads` lanes; OpenBLAS runs each lane's
        // products (and samples', evaluations') on the calling thread.
        BLASThreads.set(1)
        notifier = EpochNotifier()
        let artifacts: any JobArtifacts
        /// The shared store, when there is one: its leases are the queue, its notifications other nodes' writes.
        let shared: PostgresJobStore?
        // Artifacts in the shared database take its disk, not this one: only a local
        // store's jobs are admitted against the state folder's free space.
        let diskSpace: DiskSpace?
        switch config.store {
        case .sqlite:
            let databasePath = (state as NSString).appendingPathComponent("gantry.sqlite")
            let files = JobFiles(stateDirectory: state)
            try StateCheck.beforeOpening(databasePath: databasePath, files: files)
            store = try SQLiteJobStore(path: databasePath, logger: logger)
            try StateCheck(store: store, files: files, databasePath: databasePath, logger: logger).run()
            artifacts = FileArtifacts(files: files, store: store)
            diskSpace = DiskSpace(path: state)
            shared = nil
        case .postgres:
            let database = Self.connect(config, logger: logger, status: status)
            store = database
            artifacts = database
            diskSpace = nil
            shared = database
        }
        let cache = DatasetCache(stateDirectory: state, datasets: config.datasets, downloader: Downloader(options: config.download))
        let gate = BLASGate()
        let references = QualityReferences(datasets: cache, gate: gate, logger: logger)
        scheduler = Scheduler(store: store, leases: shared, artifacts: artifacts, datasets: cache, references: references, gate: gate, notifier: notifier,
                              maxQueuedJobs: config.maxQueuedJobs, concurrentJobs: config.concurrentJobs, lanes: config.lanes,
                              retainFinishedJobs: config.retainFinishedJobs, diskSpace: diskSpace, logger: logger, status: status)
        let metrics = Metrics(blas: blas, node: config.nodeName, storeKind: config.store.kind)
        if let shared {
            // Another node's write: wake this node's long-polls on the job, and look for
            // work if a slot is free (a job was queued or a node gave one up).
            let (scheduler, notifier) = (self.scheduler, self.notifier)
            shared.observeChanges { id in
                if !id.isEmpty { notifier.notify(id) }
                if scheduler.freeSlots > 0 { DispatchQueue.global().async { scheduler.pump() } }
            }
        }
        let auth = try config.authTokenFile.map(BearerAuth.init(tokenFile:))
        let jobs = JobsAPI(scheduler: scheduler, references: references, store: store, notifier: notifier, datasets: Set(config.datasets.keys),
                           memoryBudgetBytes: config.memoryBudgetBytes, diskBudgetBytes: config.diskBudgetBytes,
                           datasetImages: config.datasets.mapValues(\.imagesForEstimate),
                           trainingSets: TrainingSetSizes(specs: config.datasets, directory: { [provider = references.datasets] in
                               provider.directory(for: $0)
                           }))
        let images = ImagesAPI(scheduler: scheduler, store: store, artifacts: artifacts, gate: gate,
                               downloads: DownloadBuffers(limitBytes: config.effectiveDownloadBufferBytes))
        let (store, scheduler, notifier) = (self.store, self.scheduler, self.notifier)
        let datasets = DatasetsAPI(specs: config.datasets, references: references)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let routes = Routes(
            jobs: jobs, images: images, datasets: datasets, metrics: metrics, auth: auth,
            browserGuard: BrowserGuard(host: config.listen.host, allowedHosts: config.allowedHosts),
            requests: WorkPool(name: "API", width: 8, queueLimit: 512),
            heavy: WorkPool(name: "sampling", width: cores, queueLimit: 4 * cores),
            problem: { Self.problem(scheduler: scheduler, store: store) }, logger: logger
        ) {
            let imagesPerSecond = scheduler.runningImagesPerSecond()
            // Counted from the jobs as the API shows them, so a status the store could not
            // record is counted where GET /v1/jobs/ID shows it.
            let jobs = scheduler.effective(try store.jobs(), status: nil)
            let running = jobs.filter { $0.status == .running }
            let counts = Dictionary(grouping: jobs, by: \.status).mapValues(\.count)
            let stepsPerSecond = running.reduce(0.0) { $0 + ($1.imagesPerSecond ?? 0) / Double($1.config.training.batchSize) }
            return metrics.render(jobs: counts, epochs: try store.totalEpochs(), queued: scheduler.queuedCount,
                                  imagesPerSecond: imagesPerSecond, stepsPerSecond: stepsPerSecond, waiting: notifier.waiting,
                                  running: running, runningHere: scheduler.runningHere)
        }
        var serverConfig = HTTPServer.Configuration(host: config.listen.host, port: config.listen.port)
        serverConfig.limits = config.limits
        let router = routes.router()
        self.routes = router.registered
        server = HTTPServer(configuration: serverConfig, router: router, log: { logger.notice("\($0)") })
    }

    /// Opens the shared store, retrying with backoff (up to 30 s apart) for as long as it
    /// takes: a node started before its database, or while it restarts, waits for it.
    static func connect(_ config: ServiceConfig, logger: Logger, status: @Sendable (String) -> Void) -> PostgresJobStore {
        guard case .postgres(let url) = config.store else { preconditionFailure("connect needs a postgres store") }
        var delay = 0.5
        while true {
            do {
                let store = try PostgresJobStore(url: url, node: config.nodeName, leaseSeconds: config.leaseSeconds)
                logger.notice("store: PostgreSQL at \(config.store.redacted), node \(config.nodeName), leases of \(config.leaseSeconds) s")
                return store
            } catch {
                let message = "cannot reach the PostgreSQL store at \(config.store.redacted) (\(error)); retrying in \(String(format: "%.1f", delay)) s"
                logger.error("\(message)")
                status(message)
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 30)
            }
        }
    }

    /// Listens, then resumes unfinished jobs (a port already taken leaves them untouched).
    /// Returns the bound port.
    public func start() throws -> UInt16 {
        let port = try server.start()
        do { try scheduler.restore() } catch {
            server.shutdown(timeout: 1)
            throw error
        }
        return port
    }

    /// The ordered stop: refuse new jobs and ask training to stop at its next step (its
    /// epoch resumes from its last checkpoint on the next start); stop accepting
    /// connections and let the requests in flight finish; wait for the jobs' runs to
    /// end; then close the store, unless a run is still going when `timeout` runs out
    /// (its writes would fail against a closed store and be logged as its failure).
    /// Returns whether everything stopped in time.
    @discardableResult
    public func shutdown(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        scheduler.beginShutdown()
        server.shutdown(timeout: max(0.5, timeout / 3))
        guard scheduler.shutdown(timeout: max(0.5, deadline.timeIntervalSinceNow - 0.5)) else { return false }
        store.close()
        return true
    }

    /// What keeps the job API from answering, if anything: the scheduler's lock not
    /// free within half a second, or the store failing a trivial read.
    static func problem(scheduler: Scheduler, store: any JobStore) -> String? {
        guard scheduler.responds(within: 0.5) else { return "the scheduler did not respond within 0.5 s" }
        do { try store.ping() } catch let lost as DatabaseFileLost { return lost.description } catch {
            return "the job store failed a trivial read (the daemon's log has the details)"
        }
        return nil
    }
}
