import Foundation
import Logging
import GAN
import GantryJobs

/// Checks the database against the job folders before the daemon serves anything.
///
/// - A folder a delete retired (`jobs/.deleting-ID`) is a delete a stop interrupted:
///   the job's row is forgotten and the folder removed.
/// - A job folder the database does not know means the database was replaced, emptied
///   or rolled back past the job's creation: the daemon refuses to start, naming the
///   folders, rather than start empty beside them.
/// - A job whose checkpoint is ahead of its records (a database restored from a copy,
///   or a WAL whose last commits were lost) gets the missing records back from its
///   history file; if that file lacks them too, the job is failed with a sentence.
/// - Records ahead of the checkpoint are normal (a crash between the two writes): the
///   resume discards them and trains those epochs again.
public struct StateCheck {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    let store: any JobStore
    let files: JobFiles
    let databasePath: String
    let logger: Logger

    package init(store: any JobStore, files: JobFiles, databasePath: String, logger: Logger) {
        self.store = store
        self.files = files
        self.databasePath = databasePath
        self.logger = logger
    }

    /// Refuses, changing nothing, a state folder whose database is missing or empty while
    /// jobs or a write-ahead log say it held something: opening would create an empty
    /// database, and SQLite would then reset the log, which may hold the only copy.
    package static func beforeOpening(databasePath: String, files: JobFiles) throws {
        guard DatabaseFile.isMissingOrEmpty(databasePath) else { return }
        let log = databasePath + "-wal"
        let hasLog = !DatabaseFile.isMissingOrEmpty(log)
        let folders = files.jobFolders() + files.retiredJobs()
        guard hasLog || !folders.isEmpty else { return }
        let state = FileManager.default.fileExists(atPath: databasePath) ? "is empty" : "is missing"
        var held: [String] = []
        if !folders.isEmpty {
            let shown = folders.prefix(5).joined(separator: ", ") + (folders.count > 5 ? ", …" : "")
            held.append("\(folders.count) job folder\(folders.count == 1 ? "" : "s") (\(shown))")
        }
        if hasLog { held.append("a write-ahead log \(log) with commits in it") }
        let folder = (databasePath as NSString).deletingLastPathComponent, name = (databasePath as NSString).lastPathComponent
        let saved = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(name + ".saved-") }.sorted().last
        let restore = saved.map { "move \((folder as NSString).appendingPathComponent($0)) (the copy the daemon saved when it noticed) to \(databasePath)" }
            ?? "restore \(databasePath) from a backup"
        throw Refusal(description: """
            the database \(databasePath) \(state), but \(files.root) holds \(held.joined(separator: " and ")): the database \
            was removed or replaced. Nothing was changed. To go on, \(restore) and start again, or move the job folders \
            (and the log) away to start without them.
            """)
    }

    public func run() throws {
        // A retired folder is a delete that was under way when the daemon stopped: the
        // client got no answer, so it is finished (the row goes, then the folder).
        for id in files.retiredJobs() {
            try store.delete(id)
            logger.notice("job \(id): a delete interrupted by the last stop is finished", metadata: ["job": "\(id)"])
        }
        files.removeRetired()
        let jobs = try store.jobs()
        let known = Set(jobs.map(\.id))
        let unknown = files.jobFolders().filter { !known.contains($0) }
        if !unknown.isEmpty {
            let shown = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? ", …" : "")
            throw Refusal(description: """
                the database \(databasePath) knows \(jobs.count) job\(jobs.count == 1 ? "" : "s"), but \(files.root) holds \
                \(unknown.count) job folder\(unknown.count == 1 ? "" : "s") it does not know (\(shown)): the database was \
                replaced, emptied or damaged. Restore it from a backup, or move those folders out of \(files.root) to go on without them.
                """)
        }
        for job in jobs {
            guard let checkpointed = Checkpoint.completedEpochs(atPath: files.checkpoint(job.id)),
                  checkpointed > job.epochsCompleted else { continue }
            try restore(job, to: checkpointed)
        }
    }

    /// Records epochs after the job's last record up to `checkpointed` from its history file.
    private func restore(_ job: Job, to checkpointed: Int) throws {
        let missing = (job.epochsCompleted + 1)...checkpointed
        let logged = files.loggedEpochs(job.id)
        guard missing.allSatisfy({ logged[$0] != nil }) else {
            let message = "its checkpoint is at epoch \(checkpointed) but the database has records only to epoch \(job.epochsCompleted), "
                + "and \(files.epochLog(job.id)) cannot supply epochs \(missing.lowerBound)–\(missing.upperBound)"
            logger.error("job \(job.id): \(message); it is marked failed", metadata: ["job": "\(job.id)"])
            if !job.status.isFinished { try store.setStatus(job.id, .failed, finishedAt: Date(), error: message) }
            return
        }
        for epoch in missing {
            try store.recordEpoch(job.id, logged[epoch]!, imagesPerSecond: job.imagesPerSecond ?? 0)
        }
        let range = "\(missing.lowerBound)–\(missing.upperBound)"
        logger.warning("job \(job.id): epochs \(range) were missing from the database (behind its checkpoint); restored from \(files.epochLog(job.id))",
                       metadata: ["job": "\(job.id)"])
    }
}
