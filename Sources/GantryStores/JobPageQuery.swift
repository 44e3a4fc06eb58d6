import GantryJobs

/// The SQL of one page of the job list and of the retention sweep, for both stores:
/// plain SQL that SQLite and PostgreSQL read alike, with each store's placeholders
/// (`?` or `$1`, `$2`…). The LIMIT is in the query: a page never reads the whole table.
struct JobPageQuery {
    let sql: String
    let arguments: [ColumnValue]

    /// Newest first by insertion number (`seq`), which both stores only ever increase:
    /// SQLite's AUTOINCREMENT never reuses a deleted job's number, and PostgreSQL's
    /// sequence never hands one out twice. One row more than `limit` tells whether a
    /// next page exists.
    init(status: JobStatus?, orIDs: [String], before: Int64?, limit: Int, placeholder: (Int) -> String) {
        var arguments: [ColumnValue] = []
        func bind(_ value: ColumnValue) -> String {
            arguments.append(value)
            return placeholder(arguments.count)
        }
        var conditions: [String] = []
        if let status {
            let matching = "j.status = \(bind(.text(status.rawValue)))"
            let ids = orIDs.map { bind(.text($0)) }
            conditions.append(ids.isEmpty ? matching : "(\(matching) OR j.id IN (\(ids.joined(separator: ", "))))")
        }
        if let before { conditions.append("j.seq < \(bind(.integer(before)))") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        sql = "\(JobRow.select)\(filter) ORDER BY j.seq DESC LIMIT \(bind(.integer(Int64(limit) + 1)))"
        self.arguments = arguments
    }

    /// Up to `limit` of the finished jobs past the `keep` that finished last (ties: the
    /// later inserted stays; a finish time never recorded counts as the creation time),
    /// oldest finish first. Only finished statuses: a queued or running job is never
    /// among them.
    static func finished(beyondNewest keep: Int, limit: Int, placeholder: (Int) -> String) -> JobPageQuery {
        JobPageQuery(sql: """
            SELECT id FROM (
                SELECT id, COALESCE(finished_at, created_at) AS ended, seq FROM jobs
                WHERE status IN ('completed', 'failed', 'cancelled')
                ORDER BY ended DESC, seq DESC LIMIT \(placeholder(1)) OFFSET \(placeholder(2))
            ) beyond ORDER BY ended ASC, seq ASC
            """, arguments: [.integer(Int64(limit)), .integer(Int64(keep))])
    }

    private init(sql: String, arguments: [ColumnValue]) {
        self.sql = sql
        self.arguments = arguments
    }
}
