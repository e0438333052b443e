import Synchronization

/// Applies a receiver's stream to a viewer's store: each event stored once however often it is
/// sent (a reconnect sends the history again), folds set as counts, so that catching up neither
/// stores an event twice nor counts it as a redelivery.
public final class StreamApplier: Sendable {
    public let store: EventStore
    private struct State {
        /// The receiver's id → (this store's id, when it arrived). An id that comes again with
        /// another time belongs to another history (the receiver started over): not the same event.
        var local: [UInt64: (id: UInt64, receivedAt: Double)] = [:]
        /// This store's id → the receiver's (to fetch an event's raw requests).
        var remote: [UInt64: UInt64] = [:]
        var decoder = StreamDecoder()
        var applied = 0
        var caughtUp = false
    }
    private let state = Mutex(State())

    public init(store: EventStore) {
        self.store = store
    }

    /// The receiver's id of an event of this store.
    public func receiverID(of local: UInt64) -> UInt64? {
        state.withLock { $0.remote[local] }
    }

    /// Events stored so far (not counting ones sent again).
    public var applied: Int { state.withLock { $0.applied } }

    /// Decodes and applies one message's data; what it was, for the caller to act on (nil for
    /// an event the store held already).
    @discardableResult
    public func apply(_ data: [UInt8]) throws(StreamError) -> StreamMessage? {
        try apply(batch: [data])[0].get()
    }

    /// Decodes and applies messages in order, each one's outcome in its place. New events go
    /// into the store as one batch (one hold of its lock, the observers told once), which is
    /// stored before any other message is applied, so that a fold finds its event.
    public func apply(batch: [[UInt8]]) -> [Result<StreamMessage?, StreamError>] {
        state.withLock { state in
            var outcomes: [Result<StreamMessage?, StreamError>] = []
            outcomes.reserveCapacity(batch.count)
            var pending: [StreamedEvent] = []
            var pendingIDs = Set<UInt64>()
            func storePending() {
                guard !pending.isEmpty else { return }
                store(pending, &state)
                pending.removeAll(keepingCapacity: true)
                pendingIDs.removeAll(keepingCapacity: true)
            }
            for data in batch {
                let message: StreamMessage
                do throws(StreamError) {
                    message = try state.decoder.decode(data)
                } catch {
                    outcomes.append(.failure(error))
                    continue
                }
                if case .event(let event) = message {
                    // Sent again within the batch (a reconnect): stored first, then seen as held.
                    if pendingIDs.contains(event.id) { storePending() }
                    if let local = state.local[event.id], local.receivedAt == event.receivedAt {
                        store.setDeliveries(
                            local.id, event.deliveries, lastDeliveredAt: event.lastDeliveredAt)
                        outcomes.append(.success(nil))
                        continue
                    }
                    pending.append(event)
                    pendingIDs.insert(event.id)
                    outcomes.append(.success(message))
                    continue
                }
                storePending()
                switch message {
                case .fold(let id, let deliveries, let lastDeliveredAt):
                    if let local = state.local[id] {
                        store.setDeliveries(local.id, deliveries, lastDeliveredAt: lastDeliveredAt)
                    }
                case .caughtUp: state.caughtUp = true
                case .event, .hello, .other: break
                }
                outcomes.append(.success(message))
            }
            storePending()
            return outcomes
        }
    }

    private func store(_ events: [StreamedEvent], _ state: inout State) {
        let changes = store.ingest(
            counted: events.map {
                CountedEvent(
                    payload: $0.payload, receivedAt: $0.receivedAt, delivery: $0.delivery,
                    deliveries: $0.deliveries, lastDeliveredAt: $0.lastDeliveredAt)
            })
        for (event, change) in zip(events, changes) {
            guard let id = change.eventID else { continue }
            state.local[event.id] = (id, event.receivedAt)
            state.remote[id] = event.id
            state.applied += 1
        }
        // Ids of events the store has evicted are no use: forget them now and then.
        if state.local.count > 2 * store.capacity + 1024 {
            let oldest = store.totals.newestID &- UInt64(store.totals.events)
            state.local = state.local.filter { $0.value.id > oldest }
            state.remote = state.remote.filter { $0.key > oldest }
        }
    }
}
