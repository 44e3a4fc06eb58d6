import Foundation
import GAN
import GantryJobs

/// A job as a row of the `jobs` table, mapped explicitly both ways and shared by both
/// stores. Times are seconds since 1970 (REAL); the configuration is its JSON text
/// (sorted keys), which both stores write and read the same way.
enum JobRow {
    static let all: [JobColumn] = [
        JobColumn("id", .text, required: true) { .text($0.id) },
        JobColumn("status", .text, required: true) { .text($0.status.rawValue) },
        JobColumn("created_at", .real, required: true) { .real($0.createdAt.timeIntervalSince1970) },
        JobColumn("started_at", .real) { $0.startedAt.map { .real($0.timeIntervalSince1970) } },
        JobColumn("finished_at", .real) { $0.finishedAt.map { .real($0.timeIntervalSince1970) } },
        JobColumn("config", .text, required: true) { .text(configText($0.config)) },
        JobColumn("epochs_completed", .integer, required: true) { .integer(Int64($0.epochsCompleted)) },
        JobColumn("steps_per_epoch", .integer) { $0.stepsPerEpoch.map { .integer(Int64($0)) } },
        JobColumn("images_per_second", .real) { $0.imagesPerSecond.map { .real($0) } },
        JobColumn("error", .text) { $0.error.map { .text($0) } },
        JobColumn("idempotency_key", .text) { $0.idempotencyKey.map { .text($0) } },
        JobColumn("request_hash", .text) { $0.requestHash.map { .text($0) } },
    ]

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

    /// The job's columns and values; a job's nil fields are left out (NULL).
    static func values(of job: Job) -> [(column: String, value: ColumnValue)] {
        all.compactMap { column in column.value(job).map { (column.name, $0) } }
    }

    /// The job whose column `c` holds `value(c)`, with its three joined epoch records.
    static func job(_ value: @escaping (String) -> ColumnValue?) throws -> Job {
        let row = ColumnReader(prefix: "", value: value)
        func date(_ column: String) throws -> Date? {
            row.has(column) ? Date(timeIntervalSince1970: try row.real(column)) : nil
        }
        func text(_ column: String) throws -> String? {
            row.has(column) ? try row.text(column) : nil
        }
        guard let status = JobStatus(rawValue: try row.text("status")) else {
            throw ColumnReader.Mismatch(column: "status", expected: "a job status", found: value("status"))
        }
        let config: JobConfig
        do {
            config = try JSONDecoder().decode(JobConfig.self, from: Data(try row.text("config").utf8))
        } catch let mismatch as ColumnReader.Mismatch {
            throw mismatch
        } catch {
            throw ColumnReader.Mismatch(column: "config", expected: "a job configuration (\(error))", found: value("config"))
        }
        var job = Job(id: try row.text("id"), status: status, createdAt: Date(timeIntervalSince1970: try row.real("created_at")),
                      startedAt: try date("started_at"), finishedAt: try date("finished_at"), config: config,
                      epochsCompleted: try row.integer("epochs_completed"),
                      stepsPerEpoch: row.has("steps_per_epoch") ? try row.integer("steps_per_epoch") : nil,
                      imagesPerSecond: row.has("images_per_second") ? try row.real("images_per_second") : nil,
                      latest: nil, error: try text("error"), idempotencyKey: try text("idempotency_key"),
                      requestHash: try text("request_hash"))
        job.latest = try EpochRow.losses(prefix: "l_", value)
        job.best = try EpochRow.losses(prefix: "b_", value)
        job.lastEvaluated = try EpochRow.losses(prefix: "e_", value)
        return job
    }

    static func configText(_ config: JobConfig) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(config) else { preconditionFailure("a JobConfig always encodes") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One column of the `jobs` table: its name, type, whether every row has it, and the
/// value a job gives it.
struct JobColumn: Sendable {
    let name: String
    let type: ColumnType
    let required: Bool
    let value: @Sendable (Job) -> ColumnValue?

    init(_ name: String, _ type: ColumnType, required: Bool = false, _ value: @escaping @Sendable (Job) -> ColumnValue?) {
        self.name = name
        self.type = type
        self.required = required
        self.value = value
    }
}
