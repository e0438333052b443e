import Logging
import PostgresNIO

/// The shared history's tables, created and migrated by hubtop itself. Versioned; applied under
/// a transaction-scoped advisory lock, so that receivers starting together take turns.
enum Schema {
    /// The advisory lock key for migrations ("hubtop" in ASCII); retention uses the next one.
    static let migrationLock: Int64 = 0x6875_6274_6F70
    static let retentionLock: Int64 = 0x6875_6274_6F71

    /// Each migration once, in order; never edited after release, only appended to.
    static let migrations: [String] = [
        """
        CREATE SEQUENCE hubtop_changes;
        CREATE TABLE hubtop_events (
            id bigserial PRIMARY KEY,
            fold_key text NOT NULL UNIQUE,
            received_at double precision NOT NULL,
            last_delivered_at double precision NOT NULL,
            deliveries integer NOT NULL,
            body bytea NOT NULL,
            delivery text NOT NULL,
            txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
            change bigint NOT NULL DEFAULT nextval('hubtop_changes')
        );
        CREATE INDEX hubtop_events_follow ON hubtop_events (txid, change);
        CREATE INDEX hubtop_events_received ON hubtop_events (received_at);
        """
    ]

    /// Brings the database to the newest version; returns it.
    static func migrate(_ connection: PostgresConnection) async throws -> Int {
        try await connection.withTransaction(logger: quietLogger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: quietLogger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS hubtop_schema (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: quietLogger)
            var current = 0
            for try await (version) in try await connection.query(
                "SELECT coalesce(max(version), 0) FROM hubtop_schema", logger: quietLogger
            ).decode(Int.self) {
                current = version
            }
            for (index, migration) in migrations.enumerated() where index + 1 > current {
                for statement in migration.split(separator: ";").map({ $0.trimmingCharacters() })
                where !statement.isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: quietLogger)
                }
                try await connection.query(
                    "INSERT INTO hubtop_schema (version) VALUES (\(index + 1))", logger: quietLogger)
            }
            return migrations.count
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        var slice = self
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
