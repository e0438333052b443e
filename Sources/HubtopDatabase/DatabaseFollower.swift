import HubtopCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Keeps a local store in step with the shared history: loads the newest events at start, then
/// follows commits through `LISTEN`/`NOTIFY` (a notification only wakes it; rows are read by a
/// cursor), and after a lost connection reconnects and catches up from where it was.
///
/// The cursor is a `(txid, change)` below which every row has been applied: it only moves up to
/// the oldest transaction still running (`pg_snapshot_xmin`), so that a transaction that commits
/// late can never fall behind it; rows past it are applied as soon as they are visible, and read
/// again (harmlessly) until the cursor passes them.
public final class DatabaseFollower: Sendable {
    public let url: DatabaseURL
    public let store: EventStore
    public let status: DatabaseStatus
    /// Events loaded at start (the newest), at most.
    public let initialLimit: Int
    let clock: @Sendable () -> Double

    struct Progress {
        var cursor: (tx: UInt64, change: Int64)?
        /// Database id → the local store's id, for folds arriving later.
        var local: [Int64: UInt64] = [:]
        var undecodable = 0
    }

    private let progress = Mutex(Progress())
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Told of each row once the local store holds it: (database id, local id).
    let applied: (@Sendable (Int64, UInt64) -> Void)?

    public init(
        url: DatabaseURL, store: EventStore, status: DatabaseStatus, initialLimit: Int,
        clock: @escaping @Sendable () -> Double = WallClock.now,
        applied: (@Sendable (Int64, UInt64) -> Void)? = nil
    ) {
        self.url = url
        self.store = store
        self.status = status
        self.initialLimit = initialLimit
        self.clock = clock
        self.applied = applied
    }

    /// The local store's id of shared row `id`, once it has been read.
    public func localID(of id: Int64) -> UInt64? {
        progress.withLock { $0.local[id] }
    }

    public func start() {
        task.withLock { $0 = Task.detached { await self.run() } }
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    /// Loaded and following: at least once since start.
    public var isFollowing: Bool { progress.withLock { $0.cursor != nil } }

    func run() async {
        var delay = 0.25
        while !Task.isCancelled {
            do {
                let connection = try await url.connect(quietLogger)
                defer { Task { try? await connection.close() } }
                if progress.withLock({ $0.cursor == nil }) {
                    _ = try await Schema.migrate(connection)
                    try await load(connection)
                }
                status.update { $0.followerConnected = true }
                delay = 0.25
                try await connection.listen(on: "hubtop_events") { notifications in
                    let wasLost = status.state.withLock { $0.lostAt != nil }
                    if wasLost { status.update { $0.catchingUp = true } }
                    // Listening first, then reading: nothing committed in between is missed.
                    try await catchUp(connection)
                    status.update { state in
                        state.lostAt = nil
                        state.catchingUp = false
                    }
                    for try await _ in notifications {
                        try await catchUp(connection)
                    }
                }
                throw CancellationError()
            } catch {
                if Task.isCancelled { break }
                status.failed(error, now: clock(), follower: true)
                try? await Task.sleep(for: .seconds(delay))
                delay = min(5, delay * 2)
            }
        }
    }

    static let columns = "id, received_at, last_delivered_at, deliveries, body, delivery, txid::text, change"
    typealias Row = (Int64, Double, Double, Int32, ByteBuffer, String, String, Int64)

    /// The newest `initialLimit` events, oldest first, from one snapshot; the cursor starts at
    /// that snapshot's horizon.
    func load(_ connection: PostgresConnection) async throws {
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: quietLogger)
        do {
            var horizon: UInt64 = 0
            var total = 0
            var lowest: Int64 = 0
            for try await (xmin, count) in try await connection.query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, count(*) FROM hubtop_events",
                logger: quietLogger
            ).decode((String, Int).self) {
                horizon = UInt64(xmin) ?? 0
                total = min(count, initialLimit)
            }
            if total > 0 {
                for try await (id) in try await connection.query(
                    "SELECT id FROM hubtop_events ORDER BY id DESC OFFSET \(total - 1) LIMIT 1",
                    logger: quietLogger
                ).decode(Int64.self) {
                    lowest = id
                }
            }
            status.update { $0.loading = (0, total) }
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(Self.columns) FROM hubtop_events WHERE id >= $1 ORDER BY id",
                    binds: Self.binds(lowest)), logger: quietLogger)
            // Rows are read on, a chunk at a time, while earlier chunks are decoded on the other
            // cores and stored in order, each after the one before. Reading never waits for a
            // store unless `chunksInFlight` are queued (when it stored chunks itself, a profile
            // showed one core of two busy: reading and storing took turns).
            var chunk: [Row] = []
            var inFlight: [Task<Void, Never>] = []
            let expected = total
            func send(_ rows: [Row]) {
                let before = inFlight.last
                inFlight.append(
                    Task.detached {
                        let decoded = rows.map { ($0, Self.decode($0.4)) }
                        await before?.value
                        self.store(decoded, total: expected)
                    })
            }
            do {
                for try await row in rows.decode(Row.self) {
                    chunk.append(row)
                    guard chunk.count == Self.chunkRows else { continue }
                    send(chunk)
                    chunk = []
                    if inFlight.count > Self.chunksInFlight { await inFlight.removeFirst().value }
                }
            } catch {
                // Nothing stored behind a retry's back.
                for task in inFlight { await task.value }
                throw error
            }
            send(chunk)
            for task in inFlight { await task.value }
            try await connection.query("COMMIT", logger: quietLogger)
            progress.withLock { $0.cursor = (horizon, -1) }
            status.update { $0.loading = nil }
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: quietLogger)
            status.update { $0.loading = nil }
            throw error
        }
    }

    static func binds(_ id: Int64) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(id)
        return binds
    }

    /// Reads every row past the cursor that this moment's snapshot shows, in cursor order, and
    /// moves the cursor only as far as the snapshot's horizon: rows of transactions still
    /// running then (which may commit later with a smaller txid) are read again next time.
    /// Applying a row twice changes nothing, so re-reading is safe; it costs only the rows of
    /// transactions newer than the oldest one running — few, unless a session somewhere sits in
    /// an open transaction for long.
    func catchUp(_ connection: PostgresConnection) async throws {
        guard let start = progress.withLock({ $0.cursor }) else { return }
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: quietLogger)
        do {
            var horizon: UInt64 = 0
            for try await (xmin) in try await connection.query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", logger: quietLogger
            ).decode(String.self) {
                horizon = UInt64(xmin) ?? 0
            }
            var position = start
            var applied = 0
            while true {
                var read = 0
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM hubtop_events
                    WHERE (txid, change) > (\(String(position.tx))::xid8, \(position.change))
                    ORDER BY txid, change LIMIT 5000
                    """, logger: quietLogger)
                for try await row in rows.decode(Row.self) {
                    if apply(row, payload: nil) { applied += 1 }
                    position = (UInt64(row.6) ?? position.tx, row.7)
                    read += 1
                }
                if read < 5000 { break }
            }
            try await connection.query("COMMIT", logger: quietLogger)
            let safe = position.tx < horizon ? position : (horizon, Int64(-1))
            progress.withLock { progress in
                // Never backwards.
                if let cursor = progress.cursor, (safe.0, safe.1) > (cursor.tx, cursor.change) {
                    progress.cursor = (safe.0, safe.1)
                }
            }
            if status.state.withLock({ $0.catchingUp }) { status.update { $0.caughtUp += applied } }
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: quietLogger)
            throw error
        }
    }

    static let chunkRows = 2048
    static let chunksInFlight = 8

    /// A chunk of the initial load into the store, in order. Rows new to the store go in as one
    /// batch (one hold of the store's lock, the observers told after); a row already applied (a
    /// retried load's overlap) is applied on its own.
    private func store(_ decoded: [(Row, WebhookPayload?)], total: Int) {
        let held = progress.withLock { progress in decoded.map { progress.local[$0.0.0] != nil } }
        var ids: [Int64] = []
        var events: [CountedEvent] = []
        var undecodable = 0
        for ((row, payload), held) in zip(decoded, held) {
            if held {
                apply(row, payload: payload)
            } else if let payload {  // decoded with the chunk; nil: it does not decode
                ids.append(row.0)
                events.append(
                    CountedEvent(
                        payload: payload, receivedAt: row.1, delivery: DeliveryRecord.info(row.5),
                        deliveries: Int(row.3), lastDeliveredAt: row.2))
            } else {
                undecodable += 1
            }
        }
        let changes = store.ingest(counted: events)
        var recorded: [(Int64, UInt64)] = []
        recorded.reserveCapacity(changes.count)
        for (id, change) in zip(ids, changes) {
            switch change {
            case .appended(let local), .folded(let local, _): recorded.append((id, local))
            case .annotated: break
            }
        }
        progress.withLock { progress in
            progress.undecodable += undecodable
            for (id, local) in recorded { remember(id, as: local, in: &progress) }
        }
        if let applied { for (id, local) in recorded { applied(id, local) } }
        status.update { status in
            status.loading = ((status.loading?.done ?? 0) + decoded.count, total)
        }
    }

    static func decode(_ body: ByteBuffer) -> WebhookPayload? {
        body.withUnsafeReadableBytes { raw in
            try? WebhookDecoder.decodeStored(raw.bindMemory(to: UInt8.self)).events.first
        }
    }

    /// One row into the local store: a new event, or a fold into one it already holds (the
    /// body already decoded, or nil to decode it here). Applying a row again changes nothing.
    /// True when it was new to the store.
    @discardableResult
    func apply(_ row: Row, payload decoded: WebhookPayload?) -> Bool {
        let (id, receivedAt, lastDeliveredAt, deliveries, body, delivery, _, _) = row
        if let local = progress.withLock({ $0.local[id] }) {
            if store.event(id: local) != nil {
                store.setDeliveries(local, Int(deliveries), lastDeliveredAt: lastDeliveredAt)
                applied?(id, local)
            }
            return false
        }
        guard let payload = decoded ?? Self.decode(body) else {
            progress.withLock { $0.undecodable += 1 }
            return false
        }
        let stored = store.ingest(
            payload, receivedAt: receivedAt, delivery: DeliveryRecord.info(delivery),
            deliveries: Int(deliveries), lastDeliveredAt: lastDeliveredAt)
        let localID: UInt64
        switch stored {
        case .appended(let appended): localID = appended
        case .folded(let folded, _): localID = folded
        case .annotated: return false
        }
        progress.withLock { remember(id, as: localID, in: &$0) }
        applied?(id, localID)
        return true
    }

    private func remember(_ id: Int64, as local: UInt64, in progress: inout Progress) {
        progress.local[id] = local
        // Ids of events the store has evicted are no use: forget them now and then.
        if progress.local.count > 2 * store.capacity + 1024 {
            let oldest = store.totals.newestID &- UInt64(store.totals.events)
            progress.local = progress.local.filter { $0.value > oldest }
        }
    }
}
