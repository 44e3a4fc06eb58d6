import PostgresClient

/// `PostgresJobStore`'s tables, as numbered migrations recorded in `schema_migrations`.
/// The columns are `SQLiteJobStore`'s (a job's and an epoch's Codable keys) in
/// PostgreSQL's types; a new field is a new migration appended here.
enum PostgresSchema {
    /// Each migration's name and statements (libpq runs one statement per call).
    static let migrations: [(name: String, statements: [String])] = [
        ("v1: jobs and epochs", [
            """
            CREATE TABLE jobs (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                finished_at DOUBLE PRECISION,
                config TEXT NOT NULL,
                epochs_completed BIGINT NOT NULL DEFAULT 0,
                steps_per_epoch BIGINT,
                images_per_second DOUBLE PRECISION,
                error TEXT,
                idempotency_key TEXT UNIQUE,
                request_hash TEXT
            )
            """,
            "CREATE INDEX jobs_status ON jobs(status)",
            """
            CREATE TABLE epochs (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                epoch BIGINT NOT NULL,
                d_loss DOUBLE PRECISION NOT NULL, g_loss DOUBLE PRECISION NOT NULL,
                d_loss_real DOUBLE PRECISION NOT NULL, d_loss_fake DOUBLE PRECISION NOT NULL,
                d_real_mean DOUBLE PRECISION NOT NULL, d_fake_mean DOUBLE PRECISION NOT NULL,
                seconds DOUBLE PRECISION NOT NULL, steps BIGINT NOT NULL,
                fd DOUBLE PRECISION, inception_score DOUBLE PRECISION, class_counts TEXT,
                confident_share DOUBLE PRECISION, eval_samples BIGINT, eval_seconds DOUBLE PRECISION,
                conditional_accuracy DOUBLE PRECISION,
                PRIMARY KEY (job_id, epoch)
            )
            """,
        ]),
        ("v2: leases and artifacts", [
            "ALTER TABLE jobs ADD COLUMN lease_owner TEXT",
            "ALTER TABLE jobs ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE jobs ADD COLUMN lease_expires_at DOUBLE PRECISION",
            """
            CREATE TABLE artifacts (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                data BYTEA NOT NULL,
                PRIMARY KEY (job_id, kind, epoch)
            )
            """,
            // Weights and pixels do not compress; trying costs each epoch's commit time.
            "ALTER TABLE artifacts ALTER COLUMN data SET STORAGE EXTERNAL",
        ]),
    ]

    /// Any lock key will do as long as nothing else in the database uses it.
    static let migrationLock = 0x6761_6e74_7279  // "gantry"

    /// Applies the migrations not yet recorded, in one transaction. The advisory lock
    /// makes daemons that start together migrate one after another.
    static func migrate(_ db: PostgresConnection) throws {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version TEXT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(try db.execute("SELECT version FROM schema_migrations").compactMap { $0["version"] })
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements { try db.execute(statement) }
                try db.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [migration.name])
            }
        }
    }
}
