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
        try state.withLock { state throws(StreamError) -> StreamMessage? in
            let message = try state.decoder.decode(data)
            switch message {
            case .event(let event): if !apply(event, &state) { return nil }
            case .fold(let id, let deliveries, let lastDeliveredAt):
                if let local = state.local[id] {
                    store.setDeliveries(local.id, deliveries, lastDeliveredAt: lastDeliveredAt)
                }
            case .caughtUp: state.caughtUp = true
            case .hello, .other: break
            }
            return message
        }
    }

    /// False when the store held it already.
    private func apply(_ event: StreamedEvent, _ state: inout State) -> Bool {
        if let local = state.local[event.id], local.receivedAt == event.receivedAt {
            store.setDeliveries(local.id, event.deliveries, lastDeliveredAt: event.lastDeliveredAt)
            return false
        }
        let change = store.ingest(
            event.payload, receivedAt: event.receivedAt, delivery: event.delivery,
            deliveries: event.deliveries,
            lastDeliveredAt: event.lastDeliveredAt)
        guard let id = change.eventID else { return true }
        state.local[event.id] = (id, event.receivedAt)
        state.remote[id] = event.id
        state.applied += 1
        // Ids of events the store has evicted are no use: forget them now and then.
        if state.local.count > 2 * store.capacity + 1024 {
            let oldest = store.totals.newestID &- UInt64(store.totals.events)
            state.local = state.local.filter { $0.value.id > oldest }
            state.remote = state.remote.filter { $0.key > oldest }
        }
        return true
    }
}
