import Foundation
import GantryJobs

/// A job as a row of the `jobs` table for a store that does not go through GRDB:
/// `Job`'s `Codable` form, its keys the columns (as `Job+Record` does for SQLite).
/// Times are seconds since 1970; a nested value (`config`) is stored as JSON text.
enum JobRow {
    /// A job with its latest epoch (`l_`), its best-`fd` epoch (`b_`) and its latest
    /// evaluated epoch (`e_`), each joined through the (job_id, epoch) primary key.
    /// Plain SQL that SQLite and PostgreSQL read alike.
    static let select: String = {
        func columns(_ table: String, _ prefix: String) -> String {
            EpochRow.columns.map { "\(table).\($0) AS \(prefix)\($0)" }.joined(separator: ", ")
        }
        return """
            SELECT j.*, \(columns("l", "l_")), \(columns("b", "b_")), \(columns("e", "e_"))
            FROM jobs j
            LEFT JOIN epochs l ON l.job_id = j.id AND l.epoch = j.epochs_completed
            LEFT JOIN epochs b ON b.job_id = j.id AND b.epoch =
                (SELECT epoch FROM epochs WHERE job_id = j.id AND fd IS NOT NULL ORDER BY fd ASC, epoch ASC LIMIT 1)
            LEFT JOIN epochs e ON e.job_id = j.id AND e.epoch =
                (SELECT MAX(epoch) FROM epochs WHERE job_id = j.id AND fd IS NOT NULL)
            """
    }()

    /// The columns that hold JSON text: the keys whose value encodes as an object or list.
    static let jsonColumns: Set<String> = {
        let sample = Job(id: "", status: .queued, createdAt: Date(timeIntervalSince1970: 0), startedAt: nil, finishedAt: nil,
                         config: JobConfig(), epochsCompleted: 0, stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil,
                         error: nil, idempotencyKey: nil, requestHash: nil)
        return Set(object(of: sample).filter { $0.value is [String: Any] || $0.value is [Any] }.keys)
    }()

    /// The job's columns and values; a job's nil fields are left out (NULL).
    static func values(of job: Job) throws -> [(column: String, value: ColumnValue)] {
        try object(of: job).sorted { $0.key < $1.key }.compactMap { column, json in
            if jsonColumns.contains(column) {
                let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .fragmentsAllowed])
                return (column, .text(String(decoding: data, as: UTF8.self)))
            }
            return ColumnValue(json: json).map { (column, $0) }
        }
    }

    /// The job whose column `c` holds `value(c)`, without its epoch records.
    static func job(_ value: (String) -> ColumnValue?) throws -> Job {
        var object: [String: Any] = [:]
        for key in Job.CodingKeys.allCases.map(\.rawValue) {
            switch value(key) {
            case .integer(let n)?: object[key] = n
            case .real(let x)?: object[key] = x
            case .text(let text)? where jsonColumns.contains(key):
                object[key] = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
            case .text(let text)?: object[key] = text
            case nil: break
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(Job.self, from: JSONSerialization.data(withJSONObject: object))
    }

    private static func object(of job: Job) -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let data = try? encoder.encode(job), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            preconditionFailure("a Job always encodes to a JSON object")
        }
        return object
    }
}
