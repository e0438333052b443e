import HubtopCore
import Logging
import PostgresNIO

/// `--retain DURATION`: deletes events received longer ago than that, once a minute. Receivers
/// take turns through an advisory lock, so that only one prunes at a time.
public final class Retention: Sendable {
    public let url: DatabaseURL
    public let seconds: Double
    public let status: DatabaseStatus
    let clock: @Sendable () -> Double

    public init(
        url: DatabaseURL, seconds: Double, status: DatabaseStatus,
        clock: @escaping @Sendable () -> Double = WallClock.now
    ) {
        self.url = url
        self.seconds = seconds
        self.status = status
        self.clock = clock
    }

    /// Prunes now; returns how many events went, or nil when another receiver holds the turn.
    @discardableResult
    public func prune() async throws -> Int? {
        let connection = try await url.connect(quietLogger)
        defer { Task { try? await connection.close() } }
        let cutoff = clock() - seconds
        return try await connection.withTransaction(logger: quietLogger) { connection -> Int? in
            var mine = false
            for try await (locked) in try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Schema.retentionLock))", logger: quietLogger
            ).decode(Bool.self) {
                mine = locked
            }
            guard mine else { return nil }
            var deleted = 0
            for try await (count) in try await connection.query(
                "WITH gone AS (DELETE FROM hubtop_events WHERE received_at < \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
                logger: quietLogger
            ).decode(Int.self) {
                deleted = count
            }
            status.update { $0.pruned += deleted }
            return deleted
        }
    }

    /// Prunes once a minute until cancelled; failures are retried the next minute.
    public func run() async {
        while !Task.isCancelled {
            _ = try? await prune()
            try? await Task.sleep(for: .seconds(60))
        }
    }
}

/// The whole shared history, oldest first, for `hubtop export --database`.
public enum DatabaseHistory {
    public static func read(
        _ url: DatabaseURL, since: Double?,
        _ handle: (_ body: [UInt8], _ receivedAt: Double, _ deliveries: Int) -> Void
    ) async throws {
        let connection = try await url.connect(quietLogger)
        defer { Task { try? await connection.close() } }
        _ = try await Schema.migrate(connection)
        let rows = try await connection.query(
            """
            SELECT body, received_at, deliveries FROM hubtop_events
            WHERE received_at >= \(since ?? -Double.greatestFiniteMagnitude) ORDER BY id
            """, logger: quietLogger)
        for try await (body, receivedAt, deliveries) in rows.decode((ByteBuffer, Double, Int32).self) {
            handle(Array(body.readableBytesView), receivedAt, Int(deliveries))
        }
    }
}
