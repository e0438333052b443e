import HubtopCore
import HubtopDatabase
import HubtopIO
import HubtopServer

/// `--database`: what a receiver, a viewer, or both run beside the listener — the group
/// committer the listener hands deliveries to, the follower that fills the local store from
/// the shared history, and `--retain`'s pruning.
struct TeamMode {
    let url: DatabaseURL
    let status: DatabaseStatus
    let committer: GroupCommitter?
    let follower: DatabaseFollower
    let retention: Task<Void, Never>?

    /// Starts team mode when `--database` (or `$HUBTOP_DATABASE_URL`) is given; nil otherwise.
    /// A receiver that cannot reach or migrate the database does not start.
    static func start(
        _ settings: RunSettings, store: EventStore, outcomes: Outcomes,
        configuration: inout ListenerConfiguration
    ) async throws -> TeamMode? {
        guard let database = settings.database else { return nil }
        let url = database.url
        let status = DatabaseStatus()
        var committer: GroupCommitter?
        if settings.listens {
            let writer = GroupCommitter(url: url, status: status, maxRows: database.commitGroup)
            do {
                try await writer.start()
            } catch {
                throw fail("hubtop: cannot use the database \(url): \(DatabaseStatus.describe(error))")
            }
            configuration.durability = DatabaseDurability(committer: writer)
            committer = writer
        }
        // Outcomes of forwarding a delivery committed here land once its row is read back.
        let follower = DatabaseFollower(
            url: url, store: store, status: status, initialLimit: settings.store.capacity,
            applied: { outcomes.arrived(row: $0, local: $1) })
        outcomes.locateShared { follower.localID(of: $0) }
        follower.start()
        let retention = database.retainSeconds.map { seconds in
            let pruning = Retention(url: url, seconds: seconds, status: status)
            return Task.detached { await pruning.run() }
        }
        return TeamMode(
            url: url, status: status, committer: committer, follower: follower, retention: retention)
    }

    func stop() async {
        retention?.cancel()
        await committer?.stop()
        await follower.stop()
    }
}

/// The shared database as the listener's durability: a delivery is answered once its
/// transaction committed. (The database module knows nothing of the listener; this is where
/// the two meet.)
struct DatabaseDurability: Durability {
    let committer: GroupCommitter

    func persist(_ delivery: AdmittedDelivery, completion: @escaping @Sendable (Persisted) -> Void) {
        let shared = GroupCommitter.Delivery(
            body: delivery.storedBody, payload: delivery.payload, delivery: delivery.delivery,
            receivedAt: delivery.receivedAt)
        committer.commit(shared) { outcome in
            switch outcome {
            case .committed(let id, let deliveries): completion(.committed(id: id, deliveries: deliveries))
            case .failed(let reason): completion(.failed(code: "database_unavailable", reason: reason))
            }
        }
    }

    func health(_ writer: inout JSONWriter, detailed: Bool) { committer.health(&writer, detailed: detailed) }
    var unavailableReason: String? { committer.unavailableReason }
    func gauges() -> [(name: String, help: String, value: Double)] { committer.gauges() }
}
