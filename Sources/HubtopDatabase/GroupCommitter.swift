import HubtopCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Commits accepted deliveries to PostgreSQL in groups: whatever arrived while the previous
/// transaction was committing goes into the next one (up to `maxRows`), so that one fsync
/// acknowledges many deliveries. Each is answered only after its transaction commits.
/// Redeliveries fold in the database by the store's rule (a unique fold key), whichever
/// receiver they reach. A `pg_notify` in the same transaction wakes the viewers on commit.
public final class GroupCommitter: Sendable {
    /// A delivery to commit: the body as received, what was decoded from it, when it came.
    public struct Delivery: Sendable {
        public var body: ByteBuffer
        public var payload: WebhookPayload
        public var delivery: DeliveryInfo?
        public var receivedAt: Double

        public init(body: ByteBuffer, payload: WebhookPayload, delivery: DeliveryInfo?, receivedAt: Double) {
            self.body = body
            self.payload = payload
            self.delivery = delivery
            self.receivedAt = receivedAt
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// Committed as row `id` of the shared history, which has now had `deliveries` deliveries.
        case committed(id: Int64, deliveries: Int)
        case failed(String)
    }

    struct Waiting: Sendable {
        let delivery: Delivery
        let key: String
        let completion: @Sendable (Outcome) -> Void
    }

    public let url: DatabaseURL
    public let status: DatabaseStatus
    /// Rows per transaction at most; 1 is one transaction per delivery (for comparison).
    public let maxRows: Int
    /// Deliveries waiting beyond this are refused at once (`503`) rather than held.
    public let backlogLimit: Int
    private let queue = Mutex<(items: [Waiting], waiter: CheckedContinuation<Void, Never>?, stopped: Bool)>(
        ([], nil, false))
    private let task = Mutex<Task<Void, Never>?>(nil)
    let clock: @Sendable () -> Double

    public init(
        url: DatabaseURL, status: DatabaseStatus, maxRows: Int = 500, backlogLimit: Int = 20_000,
        clock: @escaping @Sendable () -> Double = WallClock.now
    ) {
        self.url = url
        self.status = status
        self.maxRows = max(1, maxRows)
        self.backlogLimit = backlogLimit
        self.clock = clock
    }

    /// Connects, migrates the schema, and starts committing. Throws when the database cannot
    /// be reached or migrated (a receiver should not start then).
    public func start() async throws {
        let connection = try await url.connect(quietLogger)
        defer { Task { try? await connection.close() } }
        _ = try await Schema.migrate(connection)
        task.withLock { $0 = Task.detached { await self.run() } }
    }

    public func stop() async {
        let waiter = queue.withLock { queue in
            queue.stopped = true
            defer { queue.waiter = nil }
            return queue.waiter
        }
        waiter?.resume()
        await task.withLock { $0 }?.value
    }

    /// Queues `delivery` for the next transaction; `completion` runs once it committed or failed.
    public func commit(_ delivery: Delivery, completion: @escaping @Sendable (Outcome) -> Void) {
        // A delivery that cannot fold gets a key of its own.
        let key =
            delivery.payload.foldKey ?? "u " + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let (accepted, waiter) = queue.withLock { queue -> (Bool, CheckedContinuation<Void, Never>?) in
            guard queue.items.count < backlogLimit, !queue.stopped else { return (false, nil) }
            queue.items.append(Waiting(delivery: delivery, key: key, completion: completion))
            defer { queue.waiter = nil }
            return (true, queue.waiter)
        }
        guard accepted else {
            return completion(.failed("the database is not keeping up: \(backlogLimit) deliveries waiting"))
        }
        status.update { $0.backlog += 1 }
        waiter?.resume()
    }

    public func health(_ writer: inout JSONWriter, detailed: Bool) {
        writer.key("database")
        writer.beginObject()
        status.health(&writer, detailed: detailed)
        writer.endObject()
    }

    public var unavailableReason: String? { status.writerFailing ? "database_unavailable" : nil }

    public func gauges() -> [(name: String, help: String, value: Double)] {
        let state = status.state.withLock { $0 }
        return [
            (
                "database_connected", "1 when the receiver's database connection is up.",
                state.writerConnected ? 1 : 0
            ),
            ("database_batches_total", "Transactions committed.", Double(state.batches)),
            ("database_rows_total", "Deliveries committed.", Double(state.rows)),
            ("database_last_batch_rows", "Deliveries in the last transaction.", Double(state.lastBatch)),
            ("database_last_commit_seconds", "How long the last transaction took.", state.lastCommitSeconds),
            ("database_backlog", "Deliveries waiting for a transaction.", Double(state.backlog)),
        ]
    }

    /// The next group: everything waiting (up to `maxRows`), after waiting for at least one.
    func nextBatch() async -> [Waiting]? {
        while true {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = queue.withLock { queue -> Bool in
                    if !queue.items.isEmpty || queue.stopped { return true }
                    queue.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            let taken = queue.withLock { queue -> [Waiting]? in
                if queue.items.isEmpty { return queue.stopped ? nil : [] }
                let count = min(maxRows, queue.items.count)
                defer { queue.items.removeFirst(count) }
                return Array(queue.items.prefix(count))
            }
            guard let taken else { return nil }
            if !taken.isEmpty {
                status.update { $0.backlog -= taken.count }
                return taken
            }
        }
    }

    func run() async {
        var connection: PostgresConnection?
        while let batch = await nextBatch() {
            let started = clock()
            do {
                if connection == nil || connection?.isClosed == true {
                    connection = try await url.connect(quietLogger)
                    status.update { $0.writerConnected = true }
                }
                let results = try await insert(batch, on: connection!)
                let seconds = clock() - started
                status.update { state in
                    state.writerConnected = true
                    state.writerFailing = false
                    state.batches += 1
                    state.rows += batch.count
                    state.lastBatch = batch.count
                    state.largestBatch = max(state.largestBatch, batch.count)
                    state.lastCommitSeconds = seconds
                    state.slowestCommitSeconds = max(state.slowestCommitSeconds, seconds)
                    state.commitSecondsTotal += seconds
                }
                for waiting in batch {
                    let result = results[waiting.key]
                    waiting.completion(
                        result.map { .committed(id: $0.id, deliveries: $0.deliveries) }
                            ?? .failed("the database did not return the row"))
                }
            } catch {
                status.failed(error, now: clock(), follower: false)
                try? await connection?.close()
                connection = nil
                let reason = "the database could not be written: " + DatabaseError.describe(error)
                for waiting in batch {
                    waiting.completion(.failed(reason))
                }
            }
        }
        try? await connection?.close()
    }

    /// One transaction: the group's rows (redeliveries within it merged first), folds by key,
    /// and the notification the viewers wake to.
    func insert(_ batch: [Waiting], on connection: PostgresConnection) async throws -> [String: (
        id: Int64, deliveries: Int
    )] {
        var order: [String] = []
        var merged: [String: (first: Delivery, count: Int32, last: Double)] = [:]
        for waiting in batch {
            if let existing = merged[waiting.key] {
                merged[waiting.key] = (
                    existing.first, existing.count + 1, max(existing.last, waiting.delivery.receivedAt)
                )
            } else {
                order.append(waiting.key)
                merged[waiting.key] = (waiting.delivery, 1, waiting.delivery.receivedAt)
            }
        }
        var keys: [String] = []
        var received: [Double] = []
        var last: [Double] = []
        var counts: [Int32] = []
        var bodies: [ByteBuffer] = []
        var deliveries: [String] = []
        for key in order {
            let row = merged[key]!
            keys.append(key)
            received.append(row.first.receivedAt)
            last.append(row.last)
            counts.append(row.count)
            bodies.append(row.first.body)
            deliveries.append(DeliveryRecord.text(row.first.delivery))
        }
        return try await connection.withTransaction(logger: quietLogger) { connection in
            var results: [String: (id: Int64, deliveries: Int)] = [:]
            let rows = try await connection.query(
                """
                INSERT INTO hubtop_events AS e
                    (fold_key, received_at, last_delivered_at, deliveries, body, delivery)
                SELECT * FROM unnest(\(keys)::text[], \(received)::float8[], \(last)::float8[],
                    \(counts)::int4[], \(bodies)::bytea[], \(deliveries)::text[])
                ON CONFLICT (fold_key) DO UPDATE SET
                    deliveries = e.deliveries + excluded.deliveries,
                    last_delivered_at = greatest(e.last_delivered_at, excluded.last_delivered_at),
                    txid = pg_current_xact_id(), change = nextval('hubtop_changes')
                RETURNING fold_key, id, deliveries
                """, logger: quietLogger)
            for try await (key, id, count) in rows.decode((String, Int64, Int32).self) {
                results[key] = (id, Int(count))
            }
            try await connection.query("SELECT pg_notify('hubtop_events', '')", logger: quietLogger)
            return results
        }
    }
}
