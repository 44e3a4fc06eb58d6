import Foundation
import GAN
import MNIST
#if canImport(Glibc)
import Glibc
#endif

/// A job's history beside its checkpoint (`jobs/ID/epochs.jsonl`, one JSON loss record
/// a line, appended and fsynced before the database records the epoch), and the job
/// folders as a whole: what the store is checked against at start.
extension JobFiles {
    public func epochLog(_ id: String) -> String { (directory(id) as NSString).appendingPathComponent("epochs.jsonl") }

    /// Appends `record` and syncs it to disk.
    public func appendEpoch(_ record: EpochLosses, job id: String) throws {
        var line = try JSONEncoder().encode(record)
        line.append(0x0A)
        let path = epochLog(id)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointError.file(action: "cannot open", path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "short write"
            // A torn line is dropped when read; cut it off so the next append starts clean.
            if written > 0, let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int {
                _ = ftruncate(fd, off_t(size - written))
            }
            throw CheckpointError.file(action: "cannot write", path: path, reason: reason)
        }
        guard fsync(fd) == 0 else { throw CheckpointError.file(action: "cannot sync", path: path, reason: String(cString: strerror(errno))) }
    }

    /// The logged records by epoch; a later line for an epoch (a replay after a crash)
    /// replaces an earlier one, and a torn last line is ignored.
    public func loggedEpochs(_ id: String) -> [Int: EpochLosses] {
        guard let data = FileManager.default.contents(atPath: epochLog(id)) else { return [:] }
        var records: [Int: EpochLosses] = [:]
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A) {
            if let record = try? decoder.decode(EpochLosses.self, from: line) { records[record.epoch] = record }
        }
        return records
    }

    /// The job folders under `jobs/`, by job id (folders being deleted excluded).
    public func jobFolders() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { !$0.hasPrefix(".") && FileStatus.isDirectory((root as NSString).appendingPathComponent($0)) }.sorted()
    }

    /// Takes job `id`'s folder out of `jobFolders()` at once (a rename), so that a crash
    /// before the database forgets the job never leaves a folder the database lacks.
    public func retire(_ id: String) throws {
        let from = directory(id)
        guard FileManager.default.fileExists(atPath: from) else { return }
        let to = retiredDirectory(id)
        try? FileManager.default.removeItem(atPath: to)
        do {
            try FileManager.default.moveItem(atPath: from, toPath: to)
        } catch {
            throw StateFolderUnwritable.classify(error, doing: "retire \(from)")
        }
    }

    /// Puts back a folder `retire` took away, when the delete it began was refused.
    public func unretire(_ id: String) throws {
        let retired = retiredDirectory(id)
        guard FileManager.default.fileExists(atPath: retired) else { return }
        try FileManager.default.moveItem(atPath: retired, toPath: directory(id))
    }

    /// The ids of the jobs whose folders a delete retired and did not get to remove.
    public func retiredJobs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { $0.hasPrefix(".deleting-") }.map { String($0.dropFirst(".deleting-".count)) }.sorted()
    }

    func retiredDirectory(_ id: String) -> String { (root as NSString).appendingPathComponent(".deleting-\(id)") }

    /// Removes folders a delete retired, whether or not it got to remove them.
    public func removeRetired(_ id: String? = nil) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.hasPrefix(".deleting-") && (id == nil || name == ".deleting-\(id!)") {
            try? FileManager.default.removeItem(atPath: (root as NSString).appendingPathComponent(name))
        }
    }
}
