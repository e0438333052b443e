import DequeModule
import HubtopCore
import NIOCore
import Synchronization

/// Which event an accepted delivery became: one of this process's store, or a row of the
/// shared history (team mode), whose local copy the follower makes a moment later.
public enum EventReference: Sendable, Hashable {
    case local(UInt64)
    case shared(Int64)
}

/// The deliveries this process made durable, one stream for every reaction that follows them
/// (forwarding, metrics). In team mode a delivery is in the stream of the receiver that
/// committed it only, so it is forwarded once whichever receiver took it.
public final class AcceptedDeliveries: Sendable {
    public struct Accepted: Sendable {
        public var event: EventReference
        /// The delivery's own id (`X-Hubtop-Delivery` when forwarded).
        public var deliveryID: String
        public var body: ByteBuffer
        public var contentType: String
        public var repository: String
        public var receivedAt: Double
        /// Deliveries of the event so far, this one included (more than 1: a redelivery).
        public var deliveries: Int
        /// The sender's headers that say its format (`X-GitHub-Event`, its signature, `ce-*`):
        /// forwarded with the body, so that the next receiver reads it as this one did.
        public var formatHeaders: [(String, String)] = []
    }

    private let observers = Mutex<[@Sendable (Accepted) -> Void]>([])

    public init() {}

    /// Registers `handler`, called on the thread that answered the delivery: it must not block.
    public func observe(_ handler: @escaping @Sendable (Accepted) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    func publish(_ accepted: Accepted) {
        for handler in observers.withLock({ $0 }) { handler(accepted) }
    }
}

/// Where integration outcomes (forward, notify) are recorded: on the local event at once, or —
/// for a row of the shared history — on its local copy once the follower has read it; until
/// then they wait here (for at most `waitingLimit` rows).
public final class Outcomes: Sendable {
    static let waitingLimit = 1024
    let store: EventStore
    private let state = Mutex<State>(State())

    struct State {
        var locate: (@Sendable (Int64) -> UInt64?)?
        var waiting: [Int64: [IntegrationOutcome]] = [:]
        var order: Deque<Int64> = []
    }

    public init(store: EventStore) { self.store = store }

    /// Team mode: how a shared row's local id is found (the follower's map).
    public func locateShared(with locate: @escaping @Sendable (Int64) -> UInt64?) {
        state.withLock { $0.locate = locate }
    }

    public func record(_ event: EventReference, _ outcome: IntegrationOutcome) {
        switch event {
        case .local(let id):
            store.annotate(id, outcome)
        case .shared(let row):
            // Looked up and parked under one lock, so a row that arrives meanwhile finds it.
            let local = state.withLock { state -> UInt64? in
                if let local = state.locate?(row) { return local }
                if state.waiting[row] == nil {
                    state.order.append(row)
                    if state.order.count > Self.waitingLimit, let oldest = state.order.popFirst() {
                        state.waiting[oldest] = nil
                    }
                }
                state.waiting[row, default: []].append(outcome)
                return nil
            }
            if let local { store.annotate(local, outcome) }
        }
    }

    /// Rows whose outcomes wait for the follower.
    var waitingRows: Int { state.withLock { $0.waiting.count } }

    /// The follower stored shared row `row` as local event `local`: what waited for it lands.
    public func arrived(row: Int64, local: UInt64) {
        let waiting = state.withLock { state -> [IntegrationOutcome]? in
            guard let outcomes = state.waiting.removeValue(forKey: row) else { return nil }
            state.order.removeAll { $0 == row }
            return outcomes
        }
        for outcome in waiting ?? [] { store.annotate(local, outcome) }
    }
}
