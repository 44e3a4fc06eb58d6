import Foundation
import GantryJobs

/// Claims and leases in the `jobs` row (`lease_owner`, `lease_token`,
/// `lease_expires_at`). Expiry is the database's clock, so the nodes' clocks need not agree.
extension PostgresJobStore: JobLeases {
    /// Seconds since 1970 on the database server's clock.
    static let now = "extract(epoch from clock_timestamp())"

    /// `FOR UPDATE SKIP LOCKED`: nodes claiming at once take different rows without
    /// waiting for each other, and a row a node is writing (locked) is not taken from it.
    public func claim(limit: Int, includingOwn: Bool) throws -> [String] {
        guard limit > 0 else { return [] }
        let rows = try run { db in
            try db.transaction {
                let rows = try db.execute("""
                    WITH picked AS (
                        SELECT id FROM jobs
                        WHERE status IN ('queued', 'downloading', 'running')
                          AND (lease_expires_at IS NULL OR lease_expires_at < \(Self.now) OR ($2::boolean AND lease_owner = $1))
                        ORDER BY (status = 'queued'), seq
                        LIMIT $3
                        FOR UPDATE SKIP LOCKED
                    )
                    UPDATE jobs SET lease_owner = $1, lease_token = jobs.lease_token + 1,
                        lease_expires_at = \(Self.now) + $4::double precision
                    FROM picked WHERE jobs.id = picked.id
                    RETURNING jobs.id, jobs.lease_token
                    """, [node, includingOwn ? "true" : "false", "\(limit)", "\(leaseSeconds)"])
                for row in rows { if let id = row["id"] { try Self.notify(db, id) } }
                return rows
            }
        }
        return rows.compactMap { row -> String? in
            guard let id = row["id"], let token = row["lease_token"].flatMap({ Int64($0) }) else { return nil }
            setFence(token, for: id)
            return id
        }
    }

    public func renew(_ id: String) throws -> LeaseRenewal {
        guard let token = fence(of: id) else { return .lost(holder: nil) }
        return try run { db in
            let renewed = try db.execute("""
                UPDATE jobs SET lease_expires_at = \(Self.now) + $3::double precision
                WHERE id = $1 AND lease_token = $2 RETURNING id
                """, [id, "\(token)", "\(leaseSeconds)"])
            guard renewed.isEmpty else { return .renewed }
            guard let row = try db.execute("SELECT status, lease_owner FROM jobs WHERE id = $1", [id]).first,
                  row["status"] != JobStatus.cancelled.rawValue else { return .cancelled }
            return .lost(holder: row["lease_owner"])
        }
    }

    public func release(_ id: String) throws {
        guard let token = fence(of: id) else { return }
        setFence(nil, for: id)
        // Announced, so that a node with a free slot claims an unfinished job at once.
        try run { db in
            try db.transaction {
                try db.execute("UPDATE jobs SET lease_expires_at = NULL WHERE id = $1 AND lease_token = $2", [id, "\(token)"])
                try Self.notify(db, id)
            }
        }
    }

    public func queuedCount() throws -> Int {
        try run { db in Int(try db.execute("SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'").first?["n"] ?? "0") ?? 0 }
    }
}
