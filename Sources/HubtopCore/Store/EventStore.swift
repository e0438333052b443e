import DequeModule
import Synchronization

/// The in-memory event store: bounded, safe for concurrent writers, with incremental indexes.
///
/// Writers (listener event loops, the demo feeder) call `ingest`; readers (the dashboard,
/// `/healthz`) call the queries. Observers are told of each change after the lock is released,
/// so the UI can be woken instead of polling.
public final class EventStore: Sendable {
    public let capacity: Int
    /// Deliveries for the same repository and tag received within this many seconds of a burst's
    /// first delivery join that burst (a multi-arch push sends several); 0 turns grouping off.
    public let groupWindow: Double
    /// Bytes the stored events may hold (payload text, unknown fields, indexes, per-repository
    /// tables); the oldest are evicted beyond it, as beyond `capacity`. 0: no budget.
    public let memoryBudget: Int
    /// Bytes for the newest deliveries' raw requests (the inspector); 0 keeps none.
    public let requestBudget: Int
    public var keepsRequests: Bool { requestBudget > 0 }
    let state: Mutex<StoreState>
    let reads = Atomic<Int>(0)
    private let observers = Mutex<[@Sendable (StoreChange) -> Void]>([])

    /// `requestBudget`: bytes for the newest deliveries' raw requests (the inspector), apart
    /// from `memoryBudget`; 0 keeps none.
    public init(
        capacity: Int = 100_000, groupWindow: Double = 120, memoryBudget: Int = 0, requestBudget: Int = 0
    ) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        self.groupWindow = max(0, groupWindow)
        self.memoryBudget = max(0, memoryBudget)
        self.requestBudget = max(0, requestBudget)
        self.state = Mutex(
            StoreState(
                groupWindow: max(0, groupWindow), memoryBudget: max(0, memoryBudget),
                requestBudget: requestBudget))
    }

    /// Registers a handler called after every change, on the writer's thread.
    public func observe(_ handler: @escaping @Sendable (StoreChange) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    /// Stores a decoded delivery, or folds it into the event it redelivers.
    /// `request`: the raw request it came in, kept for the inspector with what it was
    /// answered (`answer`, given the change: the server knows the words).
    @discardableResult
    public func ingest(
        _ payload: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo? = nil,
        request: ReceivedRequest? = nil, answer: (StoreChange) -> String? = { _ in nil }
    ) -> StoreChange {
        let cost = request?.cost
        // Requests over the budget leave the lock here and are freed after it (usually one).
        var released: ReceivedRequest?
        var more: [ReceivedRequest] = []
        let change = state.withLock { state in
            let change = state.ingest(payload, receivedAt: receivedAt, delivery: delivery, capacity: capacity)
            if var request, keepsRequests, let id = change.eventID, let text = answer(change) {
                request.status = 200
                request.answer = text
                state.requests.record(request, for: id, cost: cost)
                while let old = state.requests.popOverBudget() {
                    if released == nil { released = old } else { more.append(old) }
                }
            }
            return change
        }
        released = nil
        more.removeAll()
        for handler in observers.withLock({ $0 }) { handler(change) }
        return change
    }

    /// Stores a run of decoded deliveries in order under one lock (a journal replay).
    @discardableResult
    public func ingest(batch: [Ingestor.Admission], receivedAt: [Double]) -> [StoreChange] {
        precondition(batch.count == receivedAt.count)
        let changes = state.withLock { state in
            var changes: [StoreChange] = []
            changes.reserveCapacity(batch.count)
            // In place: a copy of each admission would retain and release all it holds.
            batch.withUnsafeBufferPointer { batch in
                for index in batch.indices {
                    let time = receivedAt[index]
                    if !batch[index].pulls.isEmpty { state.countPulls(batch[index].pulls) }
                    for child in batch[index].children { state.holdChild(child, at: time) }
                    let delivery = batch[index].delivery
                    batch[index].eachPayload { payload in
                        changes.append(
                            state.ingest(payload, receivedAt: time, delivery: delivery, capacity: capacity))
                    }
                }
            }
            return changes
        }
        notify(changes)
        return changes
    }

    /// Stores an event another process already counted (team mode: a row of the shared
    /// history, with its deliveries so far).
    @discardableResult
    public func ingest(
        _ payload: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo?, deliveries: Int,
        lastDeliveredAt: Double
    ) -> StoreChange {
        ingest(
            counted: [
                CountedEvent(
                    payload: payload, receivedAt: receivedAt, delivery: delivery, deliveries: deliveries,
                    lastDeliveredAt: lastDeliveredAt)
            ])[0]
    }

    /// Stores events another process already counted, in order, under one hold of the lock and
    /// with the observers told after (team mode's initial load: a lock and a round of observers
    /// for each event were a good part of its cost).
    public func ingest(counted events: [CountedEvent]) -> [StoreChange] {
        let changes = state.withLock { state in
            events.map {
                state.ingest(
                    $0.payload, receivedAt: $0.receivedAt, delivery: $0.delivery, capacity: capacity,
                    deliveries: $0.deliveries, lastDeliveredAt: $0.lastDeliveredAt)
            }
        }
        notify(changes)
        return changes
    }

    /// Sets how many deliveries event `id` has had (team mode: another receiver folded one in).
    /// Ignored once the event is evicted, or when it already has at least that many.
    public func setDeliveries(_ id: UInt64, _ deliveries: Int, lastDeliveredAt: Double) {
        let changed = state.withLock { state -> Bool in
            guard let first = state.columns.events.first?.id, id >= first, state.event(id: id) != nil else {
                return false
            }
            let index = Int(id - first)
            guard state.columns.events[index].deliveries < deliveries else { return false }
            state.folded += deliveries - state.columns.events[index].deliveries
            state.columns.events[index].deliveries = deliveries
            state.columns.events[index].lastDeliveredAt = max(
                state.columns.events[index].lastDeliveredAt, lastDeliveredAt)
            state.version += 1
            return true
        }
        if changed { notify(.folded(id: id, deliveries: deliveries)) }
    }

    /// Records what became of a forward or callback of event `id`, replacing the earlier outcome
    /// of the same name. Ignored once the event is evicted.
    public func annotate(_ id: UInt64, _ outcome: IntegrationOutcome) {
        let recorded = state.withLock { state -> Bool in
            guard state.event(id: id) != nil else { return false }
            var outcomes = state.annotations[id] ?? []
            if let index = outcomes.firstIndex(where: { $0.name == outcome.name }) {
                outcomes[index] = outcome
            } else {
                outcomes.append(outcome)
            }
            state.bytes += MemoryCost.outcomes(outcomes) - MemoryCost.outcomes(state.annotations[id] ?? [])
            state.annotations[id] = outcomes
            return true
        }
        guard recorded else { return }
        notify(.annotated(id: id))
    }

    /// Keeps the raw request of one of event `id`'s deliveries for the inspector (the oldest
    /// kept go beyond the request budget). Ignored once the event is evicted.
    public func record(_ request: ReceivedRequest, for id: UInt64) {
        guard keepsRequests else { return }
        let recorded = state.withLock { state -> Bool in
            guard state.event(id: id) != nil else { return false }
            state.requests.record(request, for: id)
            while state.requests.popOverBudget() != nil {}
            return true
        }
        if recorded { notify(.annotated(id: id)) }
    }

    /// The kept raw requests of event `id`'s deliveries, oldest first.
    public func requests(of id: UInt64) -> [ReceivedRequest] {
        reading { $0.requests(of: id) }
    }

    /// Raw requests kept, their bytes, the budget, and how many were let go.
    public var requestLogUsage: (kept: Int, bytes: Int, budget: Int, dropped: Int) {
        state.withLock { ($0.requests.count, $0.requests.bytes, $0.requests.budget, $0.requests.dropped) }
    }

    func notify(_ change: StoreChange) {
        for handler in observers.withLock({ $0 }) { handler(change) }
    }

    /// Tells each observer of each change, in order, reading the observer list once.
    func notify(_ changes: [StoreChange]) {
        let handlers = observers.withLock { $0 }
        if handlers.isEmpty { return }
        for change in changes { for handler in handlers { handler(change) } }
    }

    public func outcomes(of id: UInt64) -> [IntegrationOutcome] {
        reading { $0.outcomes(of: id) }
    }

    // MARK: - Queries

    public var totals: StoreTotals { reading { $0.totals } }

    /// Up to `limit` held events with ids after `id`, oldest first (the stream's history, read a
    /// page at a time so no lock is held for long).
    public func events(after id: UInt64, limit: Int) -> [StoredEvent] {
        state.withLock { state in
            guard let first = state.columns.events.first?.id else { return [] }
            let start = Int(max(id &+ 1, first) - first)
            guard start < state.columns.events.count else { return [] }
            return Array(state.columns.events[start..<min(state.columns.events.count, start + limit)])
        }
    }

    public func event(id: UInt64) -> StoredEvent? {
        reading { $0.event(id: id) }
    }

    /// Repositories whose name matches `pattern` (see `NamePattern`), most recently active first.
    public func repositories(matching pattern: String = "") -> [RepositorySummary] {
        reading { $0.repositories(matching: NamePattern(pattern)) }
    }

    public func repository(named name: String) -> RepositorySummary? {
        state.withLock { state in
            state.repositoryIndex[name].map { state.repositories[$0].summary }.flatMap {
                $0.events > 0 ? $0 : nil
            }
        }
    }

    /// Tags of one repository, most recently pushed first.
    public func tags(of repository: String) -> [TagSummary] {
        reading { $0.tags(of: repository) }
    }

    /// Pushers overall, or of the repositories matching the filter, most recently seen first.
    public func pushers(filter: EventFilter = EventFilter()) -> [PusherSummary] {
        reading { $0.pushers(filter: filter) }
    }

    /// A page of events matching `filter`, newest first.
    public func events(filter: EventFilter = EventFilter(), offset: Int = 0, limit: Int = 100) -> EventPage {
        reading { $0.events(filter: filter, offset: offset, limit: limit) }
    }

    /// A page of the grouped history, newest first: one row per burst, plus the deliveries of
    /// the bursts in `expanded` right under their row.
    public func history(
        filter: EventFilter = EventFilter(), expanded: Set<UInt64> = [], offset: Int = 0, limit: Int = 100
    ) -> HistoryPage {
        reading { $0.history(filter: filter, expanded: expanded, offset: offset, limit: limit) }
    }

    /// Where a history row stands (0 = newest), or nil when the filter hides it.
    public func historyPosition(
        of key: HistoryKey, filter: EventFilter = EventFilter(), expanded: Set<UInt64> = []
    ) -> Int? {
        reading { $0.historyPosition(of: key, filter: filter, expanded: expanded) }
    }

    /// Events (not redeliveries) received in the last minute up to `now`.
    public func eventsInLastMinute(now: Double) -> Int {
        reading { $0.eventsInLast(seconds: 60, now: now) }
    }

    /// Events received per minute over the last `minutes` minutes, oldest first.
    public func activity(minutes: Int, now: Double) -> [Int] {
        reading { $0.activity(minutes: minutes, now: now) }
    }

    /// Each repository's events over the last hour in `bars` bars, oldest first (for sparklines).
    public func activity(of repositories: [String], bars: Int, now: Double) -> [String: [Int]] {
        reading { $0.activity(of: repositories, bars: bars, now: now) }
    }

    /// The newest event of the same repository before `id` whose Dockerfile differs from that
    /// event's: what `D` compares against.
    public func previousDifferentDockerfile(before id: UInt64) -> StoredEvent? {
        reading { $0.previousDifferentDockerfile(before: id) }
    }

    /// The newest event of a repository, if any is stored.
    public func latestEvent(of repository: String) -> StoredEvent? {
        reading { $0.latestEvent(of: repository) }
    }

    static func recentFirst(_ a: RepositorySummary, _ b: RepositorySummary) -> Bool {
        if a.lastEventID != b.lastEventID { return a.lastEventID > b.lastEventID }
        return a.name < b.name
    }
}
