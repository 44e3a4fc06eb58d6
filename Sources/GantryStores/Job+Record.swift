import Foundation
import GAN
import GRDB
import GantryJobs

/// `Job` as a row of the `jobs` table, through its `Codable` form.
extension Job: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"

    /// Times are stored as seconds since 1970 (`REAL`), as they always were.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }

    /// A row of `SQLiteJobStore.selectJob`: the job's columns plus its latest (`l_`),
    /// best (`b_`) and latest evaluated (`e_`) epochs.
    init(joined row: Row) throws {
        try self.init(row: row)
        latest = try EpochRow.losses(from: row, prefix: "l_")
        best = try EpochRow.losses(from: row, prefix: "b_")
        lastEvaluated = try EpochRow.losses(from: row, prefix: "e_")
    }
}

extension JobStatus: DatabaseValueConvertible {}
