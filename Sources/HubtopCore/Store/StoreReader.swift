/// One consistent look at the store: every answer comes from the same moment, since the store's
/// lock is held for the length of `EventStore.read`. It answers domain questions only — what a
/// screen makes of them (cursors, pages on screen, what stays selected) is the dashboard's.
///
/// Not copyable and lent to the closure only, so it cannot outlive the lock it reads under. Do
/// not call back into the store from inside a read (the lock is not reentrant).
public struct StoreReader: ~Copyable {
    private let state: UnsafePointer<StoreState>

    init(_ state: UnsafePointer<StoreState>) { self.state = state }

    public var totals: StoreTotals { state.pointee.totals }

    /// Repositories whose name matches `pattern`, most recently active first.
    public func repositories(matching pattern: NamePattern, source: EventSource? = nil) -> [RepositorySummary]
    {
        state.pointee.repositorySummaries(matching: pattern, source: source)
    }

    /// Tags of one repository, most recently pushed first.
    public func tags(of repository: String) -> [TagSummary] { state.pointee.tagSummaries(of: repository) }

    /// Pushers overall, or of the repositories matching the filter, most recently seen first.
    public func pushers(filter: EventFilter) -> [PusherSummary] {
        state.pointee.pusherSummaries(filter: filter)
    }

    /// A page of the grouped history, newest first: one row per burst, plus the deliveries of
    /// the bursts in `expanded` right under their row.
    public func history(filter: EventFilter, expanded: Set<UInt64>, offset: Int, limit: Int) -> HistoryPage {
        state.pointee.historyPage(
            filter: filter, expanded: expanded, offset: max(0, offset), limit: max(0, limit))
    }

    /// Where a history row stands (0 = newest), or nil when the filter hides it.
    public func historyPosition(of key: HistoryKey, filter: EventFilter, expanded: Set<UInt64>) -> Int? {
        state.pointee.historyPosition(of: key, filter: filter, expanded: expanded)
    }

    /// A page of events matching `filter`, newest first.
    public func events(filter: EventFilter, offset: Int, limit: Int) -> EventPage {
        state.pointee.page(filter: filter, offset: max(0, offset), limit: max(0, limit))
    }

    public func event(id: UInt64) -> StoredEvent? { state.pointee.event(id: id) }

    /// The newest event of a repository, if any is stored.
    public func latestEvent(of repository: String) -> StoredEvent? {
        state.pointee.latestEvent(of: repository)
    }

    /// What forwarding and notifications did with event `id`.
    public func outcomes(of id: UInt64) -> [IntegrationOutcome] { state.pointee.annotations[id] ?? [] }

    /// The kept raw requests of event `id`'s deliveries, oldest first.
    public func requests(of id: UInt64) -> [ReceivedRequest] {
        state.pointee.event(id: id) == nil ? [] : state.pointee.requests.requests(of: id)
    }

    /// Whether raw requests are kept at all (`--keep-requests` above 0).
    public var keepsRequests: Bool { state.pointee.requests.budget > 0 }

    /// The digest and platforms of event `id`'s image, once the registry has told.
    public func image(of id: UInt64) -> ImageFacts? { state.pointee.images[id] }

    /// Pushes of the same digest as `id` in other registries, oldest first.
    public func mirrors(of id: UInt64) -> [StoredEvent] {
        (state.pointee.mirrors[id] ?? []).sorted().compactMap { state.pointee.event(id: $0) }
    }

    /// The platform manifests (by digest) folded under push `id`.
    public func children(of id: UInt64) -> [String] { state.pointee.childManifests[id] ?? [] }

    /// The scan result kept with push `id` (Harbor's `SCANNING_COMPLETED`).
    public func scan(of id: UInt64) -> ScanSummary? { state.pointee.scans[id] }

    /// Pulls a registry reported of a repository's tag.
    public func pulls(of repository: String, tag: String) -> Int {
        state.pointee.pullCounts[PullCount(repository: repository, tag: tag)] ?? 0
    }

    /// The kinds of registry the held repositories come from, Docker Hub first.
    public var sources: [EventSource] {
        var seen = Set<EventSource>()
        for repo in state.pointee.repositories where repo.summary.events > 0 { seen.insert(repo.source) }
        return EventSource.allCases.filter(seen.contains)
    }

    /// The latest greeting a sender sent (GitHub's ping), and when.
    public var lastPing: SenderPing? { state.pointee.lastPing }

    /// Signature, attestation and SBOM pushes folded under event `id`.
    public func artifacts(of id: UInt64) -> [StoredEvent] {
        (state.pointee.ownedArtifacts[id] ?? []).compactMap { state.pointee.event(id: $0) }
    }

    /// The newest event of the same repository before `id` whose Dockerfile differs from that
    /// event's: what `D` compares against.
    public func previousDifferentDockerfile(before id: UInt64) -> StoredEvent? {
        state.pointee.previousDifferentDockerfile(before: id)
    }

    /// Likewise for an event without a Dockerfile: the one before it with a different image.
    public func previousDifferentImage(before id: UInt64) -> StoredEvent? {
        state.pointee.previousDifferentImage(before: id)
    }

    /// Events (not redeliveries) received in the last `seconds` (at most a minute) up to `now`.
    public func eventsInLast(seconds: Int, now: Double) -> Int {
        state.pointee.perSecond.recent(seconds, now: now).reduce(0, +)
    }

    /// Events received per minute over the last `minutes` minutes, oldest first.
    public func activity(minutes: Int, now: Double) -> [Int] {
        state.pointee.perMinute.recent(minutes, now: now)
    }

    /// Each repository's events over the last hour in `bars` bars, oldest first (for sparklines).
    public func activity(of repositories: [String], bars: Int, now: Double) -> [String: [Int]] {
        state.pointee.repositoryActivity(repositories, bars: bars, now: now)
    }
}

extension EventStore {
    /// Runs `body` with one consistent look at the store, under its lock: a dashboard frame asks
    /// everything it shows in one read.
    public func read<T: Sendable>(_ body: (borrowing StoreReader) -> T) -> T {
        reads.add(1, ordering: .relaxed)
        return reading(body)
    }

    /// A read that is not counted: the one-question conveniences (`event(id:)`, `history`, …)
    /// other parts of the program ask.
    func reading<T: Sendable>(_ body: (borrowing StoreReader) -> T) -> T {
        state.withLock { state in
            withUnsafePointer(to: &state) { body(StoreReader($0)) }
        }
    }

    /// Reads taken so far through `read` (the dashboard takes at most one a frame).
    public var readCount: Int { reads.load(ordering: .relaxed) }
}
