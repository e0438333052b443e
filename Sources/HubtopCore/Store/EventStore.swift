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
    private let state: Mutex<StoreState>
    private let observers = Mutex<[@Sendable (StoreChange) -> Void]>([])

    public init(capacity: Int = 100_000, groupWindow: Double = 120, memoryBudget: Int = 0) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        self.groupWindow = max(0, groupWindow)
        self.memoryBudget = max(0, memoryBudget)
        self.state = Mutex(StoreState(groupWindow: max(0, groupWindow), memoryBudget: max(0, memoryBudget)))
    }

    /// Registers a handler called after every change, on the writer's thread.
    public func observe(_ handler: @escaping @Sendable (StoreChange) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    /// Stores a decoded delivery, or folds it into the event it redelivers.
    @discardableResult
    public func ingest(_ payload: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo? = nil)
        -> StoreChange
    {
        let change = state.withLock {
            $0.ingest(payload, receivedAt: receivedAt, delivery: delivery, capacity: capacity)
        }
        for handler in observers.withLock({ $0 }) { handler(change) }
        return change
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
            state.annotations[id] = outcomes
            return true
        }
        guard recorded else { return }
        for handler in observers.withLock({ $0 }) { handler(.annotated(id: id)) }
    }

    public func outcomes(of id: UInt64) -> [IntegrationOutcome] {
        state.withLock { $0.annotations[id] ?? [] }
    }

    // MARK: - Queries

    public var totals: StoreTotals {
        state.withLock { state in
            StoreTotals(
                events: state.events.count, repositories: state.liveRepositories, evicted: state.evicted,
                folded: state.folded, accepted: state.accepted, newestID: state.nextID - 1,
                version: state.version, bytes: state.bytes)
        }
    }

    public func event(id: UInt64) -> StoredEvent? {
        state.withLock { $0.event(id: id) }
    }

    /// Repositories whose name matches `pattern` (see `NamePattern`), most recently active first.
    public func repositories(matching pattern: String = "") -> [RepositorySummary] {
        let pattern = NamePattern(pattern)
        return state.withLock { state in
            state.repositories.filter { repo in
                repo.summary.events > 0 && pattern.matches(lowercased: repo.lowercasedName)
            }.map(\.summary)
        }.sorted(by: Self.recentFirst)
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
        state.withLock { state -> [TagSummary] in
            guard let index = state.repositoryIndex[repository] else { return [] }
            return Array(state.repositories[index].tags.values)
        }.sorted { ($0.lastEventID, $0.tag ?? "") > ($1.lastEventID, $1.tag ?? "") }
    }

    /// Pushers overall, or of the repositories matching the filter, most recently seen first.
    public func pushers(filter: EventFilter = EventFilter()) -> [PusherSummary] {
        let result: [PusherSummary] = state.withLock { state in
            if filter.repository == nil && filter.repositoryContains.isEmpty {
                return state.pushers.values.filter { $0.events > 0 }
            }
            var merged: [String: PusherSummary] = [:]
            for repo in state.repositories where repo.summary.events > 0 && state.matches(repo, filter) {
                for (name, pusher) in repo.pushers {
                    if var existing = merged[name] {
                        existing.events += pusher.events
                        existing.lastSeen = max(existing.lastSeen, pusher.lastSeen)
                        merged[name] = existing
                    } else {
                        merged[name] = pusher
                    }
                }
            }
            return Array(merged.values)
        }
        return result.sorted { ($0.lastSeen, $0.name) > ($1.lastSeen, $1.name) }
    }

    /// A page of events matching `filter`, newest first.
    public func events(filter: EventFilter = EventFilter(), offset: Int = 0, limit: Int = 100) -> EventPage {
        state.withLock { $0.page(filter: filter, offset: max(0, offset), limit: max(0, limit)) }
    }

    /// A page of the grouped history, newest first: one row per burst, plus the deliveries of
    /// the bursts in `expanded` right under their row.
    public func history(
        filter: EventFilter = EventFilter(), expanded: Set<UInt64> = [], offset: Int = 0, limit: Int = 100
    ) -> HistoryPage {
        state.withLock {
            $0.historyPage(filter: filter, expanded: expanded, offset: max(0, offset), limit: max(0, limit))
        }
    }

    /// Where a history row stands (0 = newest), or nil when the filter hides it.
    public func historyPosition(
        of key: HistoryKey, filter: EventFilter = EventFilter(), expanded: Set<UInt64> = []
    ) -> Int? {
        state.withLock { state in
            // A row the filter hides would be looked for through the whole store.
            guard state.mayShow(key, filter) else { return nil }
            var found: Int?
            var row = 0
            state.walkHistory(filter, expanded: expanded) { index, burst, isMember in
                let matched =
                    isMember
                    ? key.member == state.events[index].id : (key.member == nil && key.burst == burst)
                if matched {
                    found = row
                    return false
                }
                row += 1
                return true
            }
            return found
        }
    }

    /// Events (not redeliveries) received in the last minute up to `now`.
    public func eventsInLastMinute(now: Double) -> Int {
        state.withLock { $0.perSecond.recent(60, now: now).reduce(0, +) }
    }

    /// Events received per minute over the last `minutes` minutes, oldest first.
    public func activity(minutes: Int, now: Double) -> [Int] {
        state.withLock { $0.perMinute.recent(minutes, now: now) }
    }

    /// Each repository's events over the last hour in `bars` bars, oldest first (for sparklines).
    public func activity(of repositories: [String], bars: Int, now: Double) -> [String: [Int]] {
        let group = max(1, 60 / max(1, bars))
        return state.withLock { state in
            var result: [String: [Int]] = [:]
            for name in repositories {
                guard let index = state.repositoryIndex[name] else { continue }
                result[name] = state.repositories[index].activity.recent(bars, of: group, now: now)
            }
            return result
        }
    }

    /// The newest event of the same repository before `id` whose Dockerfile differs from that
    /// event's: what `D` compares against.
    public func previousDifferentDockerfile(before id: UInt64) -> StoredEvent? {
        state.withLock { state in
            guard let first = state.events.first?.id, id >= first, id < first + UInt64(state.events.count)
            else {
                return nil
            }
            let target = Int(id - first)
            let repository = state.eventRepository[target]
            let current = state.events[target].payload.repository.dockerfile
            var index = target - 1
            while index >= 0 {
                if state.eventRepository[index] == repository,
                    let dockerfile = state.events[index].payload.repository.dockerfile,
                    dockerfile != current
                {
                    return state.events[index]
                }
                index -= 1
            }
            return nil
        }
    }

    /// The newest event of a repository, if any is stored.
    public func latestEvent(of repository: String) -> StoredEvent? {
        state.withLock { state in
            guard let index = state.repositoryIndex[repository], state.repositories[index].summary.events > 0
            else { return nil }
            return state.event(id: state.repositories[index].summary.lastEventID)
        }
    }

    static func recentFirst(_ a: RepositorySummary, _ b: RepositorySummary) -> Bool {
        if a.lastEventID != b.lastEventID { return a.lastEventID > b.lastEventID }
        return a.name < b.name
    }
}

/// Everything behind the store's lock.
struct StoreState {
    struct Repository {
        var summary: RepositorySummary
        let lowercasedName: String
        var tags: [TagKey: TagSummary] = [:]
        var pushers: [String: PusherSummary] = [:]
        /// The burst a new delivery of each tag may still join.
        var openBursts: [TagKey: UInt64] = [:]
        /// Events received per minute over the last hour.
        var activity = ActivityRing(bucketSeconds: 60, buckets: 60)
        /// The latest repository info, shared by the events that repeat it.
        var info: RepositoryBox?
        /// Ids of this repository's stored events, oldest first: filtered histories walk these
        /// instead of the whole store.
        var eventIDs = Deque<UInt64>()

        /// A slot whose repository has no events left, waiting for reuse.
        static let vacant = Repository(
            summary: RepositorySummary(
                name: "", events: 0, lastPushedAt: 0, lastReceivedAt: 0, lastEventID: 0, isPrivate: false,
                isOfficial: false, isTrusted: false, tagCount: 0),
            lowercasedName: "")

        /// Drops this copy's hold on the tables, so that a copy taken just before owns them
        /// alone and changes them in place (otherwise each change copies whole tables).
        mutating func releaseTables() {
            tags = [:]
            pushers = [:]
            openBursts = [:]
            eventIDs = []
        }
    }

    /// Deliveries of one repository and tag that arrived close together. Its id is the id of
    /// its first event; members are contiguous in id order only per burst, not in the store.
    struct Burst {
        var lastID: UInt64
        let firstReceivedAt: Double
        var live: Int
    }

    /// Dictionary key for an optional tag.
    struct TagKey: Hashable {
        let tag: String?
    }

    let groupWindow: Double
    let memoryBudget: Int
    /// What the stored events and the per-repository tables hold, as `MemoryCost` counts it.
    var bytes = 0
    /// Repository infos in use, with how many events hold each: one is counted once, and
    /// uncounted when its last event goes.
    var boxes: [ObjectIdentifier: (events: Int, bytes: Int)] = [:]
    /// Long repository text (Dockerfiles, descriptions), one copy per distinct value while an
    /// info holding it is stored.
    var texts = TextPool()
    /// Slots of `repositories` whose last event was evicted, for reuse.
    var vacantRepositories: [Int] = []
    var events = Deque<StoredEvent>()
    /// Parallel to `events`: the repository index of each event, for filtering without hashing.
    var eventRepository = Deque<Int32>()
    /// Parallel to `events`: the burst each event belongs to, and whether it is the burst's newest.
    var eventBurst = Deque<UInt64>()
    var isBurstHead = Deque<Bool>()
    var bursts: [UInt64: Burst] = [:]
    var perMinute = ActivityRing(bucketSeconds: 60, buckets: 60)
    var perSecond = ActivityRing(bucketSeconds: 1, buckets: 61)
    var annotations: [UInt64: [IntegrationOutcome]] = [:]
    /// The info of a repository seen for the first time, until `addToIndexes` creates it.
    var pendingInfo: RepositoryBox?
    var nextID: UInt64 = 1
    var repositories: [Repository] = []
    var repositoryIndex: [String: Int] = [:]
    var liveRepositories = 0
    var pushers: [String: PusherSummary] = [:]
    /// Redeliveries: a 64-bit hash of the fold key → event id (a key string per event would
    /// cost more than the event). A hit is confirmed against the stored event.
    var foldIndex: [UInt64: UInt64] = [:]
    var interner = StringInterner()
    var evicted = 0
    var folded = 0
    var accepted = 0
    var version: UInt64 = 0

    init(groupWindow: Double, memoryBudget: Int = 0) {
        self.groupWindow = groupWindow
        self.memoryBudget = memoryBudget
    }

    /// The hash of what identifies a redelivery — the callback URL and push time, else the
    /// repository, tag and push time; nil when the payload has no push time to compare.
    static func foldHash(_ payload: WebhookPayload) -> UInt64? {
        guard let pushedAt = payload.pushedAt else { return nil }
        var hasher = Hasher()
        if let callback = payload.callbackURL, !callback.isEmpty {
            hasher.combine(0 as UInt8)
            hasher.combine(callback)
        } else {
            hasher.combine(1 as UInt8)
            hasher.combine(payload.repository.repoName)
            hasher.combine(payload.tag)
        }
        hasher.combine(pushedAt)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Whether two payloads are the same push by the rule `foldHash` hashes.
    static func sameFoldKey(_ a: WebhookPayload, _ b: WebhookPayload) -> Bool {
        guard a.pushedAt == b.pushedAt, a.pushedAt != nil else { return false }
        let aCallback = a.callbackURL.flatMap { $0.isEmpty ? nil : $0 }
        let bCallback = b.callbackURL.flatMap { $0.isEmpty ? nil : $0 }
        if aCallback != nil || bCallback != nil { return aCallback == bCallback }
        return a.repository.repoName == b.repository.repoName && a.tag == b.tag
    }

    func event(id: UInt64) -> StoredEvent? {
        guard let first = events.first?.id, id >= first else { return nil }
        let index = Int(id - first)
        return index < events.count ? events[index] : nil
    }

    mutating func ingest(
        _ incoming: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo?, capacity: Int
    ) -> StoreChange {
        accepted += 1
        version += 1
        let key = Self.foldHash(incoming)
        if let key, let id = foldIndex[key], let first = events.first?.id,
            Self.sameFoldKey(events[Int(id - first)].payload, incoming)
        {
            let index = Int(id - first)
            events[index].deliveries += 1
            events[index].lastDeliveredAt = receivedAt
            folded += 1
            return .folded(id: id, deliveries: events[index].deliveries)
        }
        var payload = incoming
        interner.intern(&payload)
        shareRepositoryInfo(&payload)
        let id = nextID
        nextID += 1
        let event = StoredEvent(
            id: id, receivedAt: receivedAt, deliveries: 1, lastDeliveredAt: receivedAt, payload: payload,
            delivery: delivery)
        let (repoIndex, burst) = addToIndexes(event)
        events.append(event)
        eventRepository.append(Int32(repoIndex))
        eventBurst.append(burst)
        isBurstHead.append(true)
        perMinute.add(at: receivedAt)
        perSecond.add(at: receivedAt)
        if let key { foldIndex[key] = id }
        bytes += MemoryCost.event(event)
        holdBox(event.payload.repositoryBox)
        // The newest event stays even when it alone is over the budget.
        while events.count > capacity || (memoryBudget > 0 && bytes > memoryBudget && events.count > 1) {
            evictOldest()
        }
        return .appended(id: id)
    }

    /// Uses the repository's previous info when this payload's is the same, so that a million
    /// events of a few hundred repositories hold a few hundred copies.
    mutating func shareRepositoryInfo(_ payload: inout WebhookPayload) {
        let name = payload.repository.repoName
        if let index = repositoryIndex[name], let shared = repositories[index].info,
            shared == payload.repositoryBox
        {
            payload.repositoryBox = shared
        } else {
            // A new info (a star more, a new Dockerfile, a repository seen first): its long
            // text is shared through the pool with every other info that has the same.
            var info = payload.repository
            info.dockerfile = texts.share(info.dockerfile)
            info.description = texts.share(info.description)
            info.fullDescription = texts.share(info.fullDescription)
            payload.repository = info
            if let index = repositoryIndex[name] {
                repositories[index].info = payload.repositoryBox
            } else {
                pendingInfo = payload.repositoryBox
            }
        }
    }

    mutating func holdBox(_ box: RepositoryBox) {
        let key = ObjectIdentifier(box)
        if let use = boxes[key] {
            boxes[key] = (use.events + 1, use.bytes)
        } else {
            let size = MemoryCost.repositoryInfo(box.value)
            boxes[key] = (1, size)
            bytes += size
            for text in TextPool.pooled(box.value) { bytes += texts.hold(text) }
        }
    }

    mutating func releaseBox(_ box: RepositoryBox) {
        let key = ObjectIdentifier(box)
        guard let use = boxes[key] else { return }
        if use.events > 1 {
            boxes[key] = (use.events - 1, use.bytes)
        } else {
            boxes[key] = nil
            bytes -= use.bytes
            for text in TextPool.pooled(box.value) { bytes -= texts.release(text) }
        }
    }

    /// Counts the event in its repository, tag and pusher aggregates and puts it in a burst.
    /// Returns the repository index and the burst id.
    mutating func addToIndexes(_ event: StoredEvent) -> (Int, UInt64) {
        let info = event.payload.repository
        let time = event.pushedOrReceivedAt
        let index: Int
        if let existing = repositoryIndex[info.repoName] {
            index = existing
        } else {
            let summary = RepositorySummary(
                name: info.repoName, events: 0, lastPushedAt: time, lastReceivedAt: event.receivedAt,
                lastEventID: event.id, isPrivate: false, isOfficial: false, isTrusted: false, tagCount: 0)
            let repository = Repository(
                summary: summary, lowercasedName: info.repoName.lowercased(), info: pendingInfo)
            if let vacant = vacantRepositories.popLast() {
                index = vacant
                repositories[index] = repository
            } else {
                index = repositories.count
                repositories.append(repository)
            }
            repositoryIndex[info.repoName] = index
            bytes += MemoryCost.repository(info.repoName)
            pendingInfo = nil
        }
        var repo = repositories[index]
        repositories[index].releaseTables()
        if repo.summary.events == 0 { liveRepositories += 1 }
        repo.summary.events += 1
        repo.summary.lastPushedAt = max(repo.summary.lastPushedAt, time)
        repo.summary.lastReceivedAt = event.receivedAt
        repo.summary.lastEventID = event.id
        repo.summary.isPrivate = info.isPrivate ?? repo.summary.isPrivate
        repo.summary.isOfficial = info.isOfficial ?? repo.summary.isOfficial
        repo.summary.isTrusted = info.isTrusted ?? repo.summary.isTrusted
        let tagKey = TagKey(tag: event.tag)
        var tag =
            repo.tags[tagKey]
            ?? TagSummary(
                repository: info.repoName, tag: event.tag, events: 0, lastPushedAt: time,
                lastEventID: event.id,
                bursts: 0)
        tag.events += 1
        tag.lastPushedAt = max(tag.lastPushedAt, time)
        tag.lastEventID = event.id
        let burstID = joinBurst(event, open: repo.openBursts[tagKey])
        if burstID == event.id {
            repo.openBursts[tagKey] = burstID
            repo.summary.bursts += 1
            tag.bursts += 1
        }
        repo.tags[tagKey] = tag
        repo.summary.tagCount = repo.tags.count
        repo.activity.add(at: event.receivedAt)
        repo.eventIDs.append(event.id)
        if let pusher = event.pusher {
            Self.count(pusher, at: time, in: &repo.pushers)
            Self.count(pusher, at: time, in: &pushers)
        }
        repositories[index] = repo
        return (index, burstID)
    }

    /// Adds the event to the open burst when it arrived within the window of that burst's first
    /// delivery (it becomes the burst's newest); otherwise it starts a burst of its own.
    mutating func joinBurst(_ event: StoredEvent, open: UInt64?) -> UInt64 {
        if groupWindow > 0, let open, var burst = bursts[open],
            abs(event.receivedAt - burst.firstReceivedAt) <= groupWindow,
            let first = events.first?.id
        {
            isBurstHead[Int(burst.lastID - first)] = false
            burst.lastID = event.id
            burst.live += 1
            bursts[open] = burst
            return open
        }
        bursts[event.id] = Burst(lastID: event.id, firstReceivedAt: event.receivedAt, live: 1)
        return event.id
    }

    static func count(_ name: String, at time: Double, in table: inout [String: PusherSummary]) {
        if var summary = table[name] {
            summary.events += 1
            summary.lastSeen = max(summary.lastSeen, time)
            table[name] = summary
        } else {
            table[name] = PusherSummary(name: name, events: 1, lastSeen: time)
        }
    }

    static func uncount(_ name: String, in table: inout [String: PusherSummary]) {
        guard var summary = table[name] else { return }
        summary.events -= 1
        table[name] = summary.events > 0 ? summary : nil
    }

    mutating func evictOldest() {
        guard let event = events.popFirst(), let repoIndex = eventRepository.popFirst(),
            let burstID = eventBurst.popFirst()
        else { return }
        isBurstHead.removeFirst()
        evicted += 1
        bytes -= MemoryCost.event(event)
        releaseBox(event.payload.repositoryBox)
        if !annotations.isEmpty { annotations[event.id] = nil }
        if let key = Self.foldHash(event.payload), foldIndex[key] == event.id { foldIndex[key] = nil }
        var repo = repositories[Int(repoIndex)]
        repositories[Int(repoIndex)].releaseTables()
        repo.summary.events -= 1
        repo.eventIDs.removeFirst()
        if repo.summary.events == 0 { liveRepositories -= 1 }
        let tagKey = TagKey(tag: event.tag)
        var burstGone = false
        if var burst = bursts[burstID] {
            burst.live -= 1
            burstGone = burst.live == 0
            bursts[burstID] = burstGone ? nil : burst
        }
        if burstGone {
            repo.summary.bursts -= 1
            if repo.openBursts[tagKey] == burstID { repo.openBursts[tagKey] = nil }
        }
        if var tag = repo.tags[tagKey] {
            tag.events -= 1
            if burstGone { tag.bursts -= 1 }
            repo.tags[tagKey] = tag.events > 0 ? tag : nil
        }
        repo.summary.tagCount = repo.tags.count
        if let pusher = event.pusher {
            Self.uncount(pusher, in: &repo.pushers)
            Self.uncount(pusher, in: &pushers)
        }
        if repo.summary.events == 0 {
            // Its last event is gone: so are its tables, its info and its name in the index.
            repositoryIndex[repo.summary.name] = nil
            bytes -= MemoryCost.repository(repo.summary.name)
            repositories[Int(repoIndex)] = Repository.vacant
            vacantRepositories.append(Int(repoIndex))
            return
        }
        repositories[Int(repoIndex)] = repo
    }

    func matches(_ repo: Repository, _ filter: EventFilter) -> Bool {
        if let exact = filter.repository, repo.summary.name != exact { return false }
        if !filter.repositoryContains.isEmpty,
            !NamePattern(filter.repositoryContains).matches(lowercased: repo.lowercasedName)
        {
            return false
        }
        return true
    }

    /// Index of the newest event the filter admits (events after a pause are skipped).
    func newestIndex(_ filter: EventFilter) -> Int {
        guard let upTo = filter.upToID, let first = events.first?.id else { return events.count - 1 }
        if upTo < first { return -1 }
        return min(events.count - 1, Int(upTo - first))
    }

    func eventMatches(_ index: Int, _ filter: EventFilter) -> Bool {
        let event = events[index]
        if let tag = filter.tag, event.tag != tag { return false }
        if let pusher = filter.pusher, event.pusher != pusher { return false }
        return true
    }

    /// Visits history rows newest first: each burst once, at its newest matching event, followed
    /// by its matching members when it is expanded and has more than one. Stops when `visit`
    /// returns false. Without pusher or pause filters a burst matches as a whole, so its head is
    /// known from a flag; otherwise heads are found by remembering bursts already visited.
    func walkHistory(
        _ filter: EventFilter, expanded: Set<UInt64>, _ visit: (Int, UInt64, Bool) -> Bool
    ) {
        let repoMatches = repositories.map { matches($0, filter) }
        let whole = Self.matchesWholeBursts(filter)
        var seen = Set<UInt64>()
        var candidates = Candidates(self, filter, repoMatches)
        while let index = candidates.next() {
            let burst = eventBurst[index]
            if whole {
                guard isBurstHead[index] else { continue }
                if let tag = filter.tag, events[index].tag != tag { continue }
            } else {
                guard eventMatches(index, filter), seen.insert(burst).inserted else { continue }
                // A burst whose first event is newer than this one cannot come up again.
                if seen.count > 4096 {
                    let id = events[index].id
                    seen = seen.filter { $0 <= id }
                }
            }
            if !visit(index, burst, false) { return }
            guard expanded.contains(burst), burstSize(burst, head: index, filter) > 1 else { continue }
            for member in members(of: burst, head: index, filter) where !visit(member, burst, true) {
                return
            }
        }
    }

    /// The events a filter admits by repository, newest first. When the matching repositories
    /// hold few of the stored events, their own id lists are merged instead of scanning the
    /// whole store past everyone else's events.
    struct Candidates {
        let state: StoreState
        let repoMatches: [Bool]
        let newest: Int
        var index: Int
        /// Per matching repository: its id list and the position of its next (older) id.
        var lists: [(ids: Deque<UInt64>, next: Int)] = []
        let merging: Bool

        init(_ state: StoreState, _ filter: EventFilter, _ repoMatches: [Bool]) {
            self.state = state
            self.repoMatches = repoMatches
            newest = state.newestIndex(filter)
            index = newest
            var matching: [Int] = []
            var admitted = 0
            for (repo, match) in repoMatches.enumerated() where match {
                matching.append(repo)
                admitted += state.repositories[repo].eventIDs.count
            }
            merging = matching.count <= 64 && admitted * 8 < state.events.count
            if merging {
                lists = matching.map { repo in
                    let ids = state.repositories[repo].eventIDs
                    return (ids, ids.count - 1)
                }
            }
        }

        mutating func next() -> Int? {
            guard merging else {
                while index >= 0 {
                    defer { index -= 1 }
                    if repoMatches[Int(state.eventRepository[index])] { return index }
                }
                return nil
            }
            guard let first = state.events.first?.id else { return nil }
            while true {
                var best = -1
                var bestID: UInt64 = 0
                for (slot, list) in lists.enumerated() where list.next >= 0 {
                    let id = list.ids[list.next]
                    if best < 0 || id > bestID {
                        best = slot
                        bestID = id
                    }
                }
                guard best >= 0 else { return nil }
                lists[best].next -= 1
                let position = Int(bestID - first)
                if position <= newest { return position }  // newer than a paused view: skip
            }
        }
    }

    /// Whether the row's event is still stored and its repository and tag pass the filter
    /// (a quick test before a walk).
    func mayShow(_ key: HistoryKey, _ filter: EventFilter) -> Bool {
        guard let first = events.first?.id else { return false }
        let id = key.member ?? bursts[key.burst]?.lastID ?? key.burst
        guard id >= first, id < first + UInt64(events.count) else { return false }
        let index = Int(id - first)
        guard matches(repositories[Int(eventRepository[index])], filter) else { return false }
        if let tag = filter.tag, events[index].tag != tag { return false }
        return true
    }

    static func matchesWholeBursts(_ filter: EventFilter) -> Bool {
        filter.pusher == nil && filter.upToID == nil
    }

    /// Indexes of a burst's matching events, newest first, from its head down.
    func members(of burst: UInt64, head: Int, _ filter: EventFilter) -> [Int] {
        guard let first = events.first?.id else { return [] }
        let lowest = burst >= first ? Int(burst - first) : 0
        let whole = Self.matchesWholeBursts(filter)
        return stride(from: head, through: lowest, by: -1).filter {
            eventBurst[$0] == burst && (whole || eventMatches($0, filter))
        }
    }

    func burstSize(_ burst: UInt64, head: Int, _ filter: EventFilter) -> Int {
        if Self.matchesWholeBursts(filter) { return bursts[burst]?.live ?? 1 }
        return members(of: burst, head: head, filter).count
    }

    func historyPage(filter: EventFilter, expanded: Set<UInt64>, offset: Int, limit: Int) -> HistoryPage {
        var rows: [HistoryRow] = []
        var count = 0
        let knownTotal = historyTotalWithoutScan(filter, expanded: expanded)
        // Nothing to show: do not walk a million events to find that out.
        if let knownTotal, offset >= knownTotal || limit == 0 {
            return HistoryPage(rows: [], total: knownTotal)
        }
        walkHistory(filter, expanded: expanded) { index, burst, isMember in
            defer { count += 1 }
            if count >= offset && rows.count < limit {
                rows.append(
                    HistoryRow(
                        event: events[index], burst: burst,
                        size: isMember ? 1 : burstSize(burst, head: index, filter), isMember: isMember))
            }
            return knownTotal == nil || rows.count < limit
        }
        return HistoryPage(rows: rows, total: knownTotal ?? count)
    }

    /// The number of history rows from the aggregates, when the filter allows it.
    func historyTotalWithoutScan(_ filter: EventFilter, expanded: Set<UInt64>) -> Int? {
        guard Self.matchesWholeBursts(filter) else { return nil }
        var total = 0
        var matching = Set<Int>()
        for (index, repo) in repositories.enumerated() where repo.summary.events > 0 && matches(repo, filter)
        {
            matching.insert(index)
            if let tag = filter.tag {
                total += repo.tags[TagKey(tag: tag)]?.bursts ?? 0
            } else {
                total += repo.summary.bursts
            }
        }
        guard let first = events.first?.id else { return total }
        for id in expanded {
            guard let burst = bursts[id], burst.live > 1 else { continue }
            let head = Int(burst.lastID - first)
            guard matching.contains(Int(eventRepository[head])) else { continue }
            if let tag = filter.tag, events[head].tag != tag { continue }
            total += burst.live
        }
        return total
    }

    func page(filter: EventFilter, offset: Int, limit: Int) -> EventPage {
        // Decide per repository once, then test each event by index: no string work per event.
        let repoMatches = repositories.map { matches($0, filter) }
        let needsEventTest = filter.tag != nil || filter.pusher != nil || filter.upToID != nil
        var total = 0
        if !needsEventTest {
            total = repositories.indices.reduce(0) {
                $0 + (repoMatches[$1] ? repositories[$1].summary.events : 0)
            }
        }
        var page: [StoredEvent] = []
        page.reserveCapacity(min(limit, 256))
        var skipped = 0
        var index = newestIndex(filter)
        while index >= 0 {
            defer { index -= 1 }
            guard repoMatches[Int(eventRepository[index])] else { continue }
            if needsEventTest {
                if !eventMatches(index, filter) { continue }
                total += 1
            } else if page.count >= limit {
                break
            }
            if skipped < offset {
                skipped += 1
            } else if page.count < limit {
                page.append(events[index])
            }
        }
        return EventPage(events: page, total: total)
    }
}
