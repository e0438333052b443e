/// Selection and scroll position of a list.
public struct ListCursor: Equatable, Sendable {
    public var selected = 0
    public var top = 0

    public init(selected: Int = 0, top: Int = 0) {
        self.selected = selected
        self.top = top
    }

    /// Keeps the selection inside `count` and visible in `rows` rows.
    public mutating func clamp(count: Int, rows: Int) {
        selected = count == 0 ? 0 : min(max(0, selected), count - 1)
        let rows = max(1, rows)
        if selected < top { top = selected }
        if selected >= top + rows { top = selected - rows + 1 }
        top = max(0, min(top, max(0, count - rows)))
    }
}

/// A list as a frame shows it: where its cursor is and how many rows it has on screen.
public struct ListWindow: Equatable, Sendable {
    public var cursor: ListCursor
    public var rows: Int

    public init(cursor: ListCursor = ListCursor(), rows: Int = 1) {
        self.cursor = cursor
        self.rows = rows
    }
}

/// Everything one dashboard frame asks of the store. The dashboard builds it from its state; the
/// store answers it in one `StoreSnapshot`, under one lock, so that every pane and the header
/// come from the same moment.
public struct SnapshotQuery: Equatable, Sendable {
    /// How much a frame needs: everything, only the counts (a paused view still counts what
    /// arrives), or the counts and what moves with the clock (ages, rates, sparklines: a tick).
    public enum Scope: Sendable, Comparable {
        case totals, activity, full
    }

    public var scope = Scope.full
    /// The `/` filter and the narrowing (repository, tag, pusher) of the history.
    public var filter = EventFilter()
    /// The repositories pane: its window, and the repository to keep selected if it is still
    /// listed (nil: the cursor's position is kept, so a selection on the first row follows the
    /// newest repository).
    public var repositories = ListWindow()
    public var keepRepository: String?
    public var tags = ListWindow()
    /// `.some(tag)`: keep this tag selected.
    public var keepTag: String??
    public var pushers = ListWindow()
    public var keepPusher: String?
    /// The history: its window, the bursts shown expanded, and the row to stay on while newer
    /// rows arrive above it.
    public var history = ListWindow()
    public var expanded: Set<UInt64> = []
    public var keepRow: HistoryKey?
    /// The event the detail shows.
    public var detailEventID: UInt64?
    /// The Dockerfile viewer: a fixed event, or (with `followsRepository`) the latest event of
    /// the selected repository; `diff` also fetches what it is compared with.
    public var viewerEventID: UInt64?
    public var viewerFollowsRepository = false
    public var diff = false
    /// Sparklines for the repositories on screen, in this many bars.
    public var sparklineBars = 12
    /// Minutes of the header's activity sparkline.
    public var activityMinutes = 30
    /// With `.activity`: the repositories on screen, whose sparklines are wanted.
    public var visibleRepositories: [String] = []
    /// For the bell: report the newest event matching the filter when it is newer than this.
    public var bellAfterID: UInt64?
    public var now: Double = 0

    public init() {}
}

/// What the store answers a `SnapshotQuery` with: the data of one frame, consistent with itself.
public struct StoreSnapshot: Equatable, Sendable {
    /// What was asked for: the fields outside the scope are left empty.
    public var scope = SnapshotQuery.Scope.full
    public var totals = StoreTotals()
    public var repositories: [RepositorySummary] = []
    public var repositoryCursor = ListCursor()
    /// The repository the tags pane follows (the narrowed one, else the selected one).
    public var selectedRepository: String?
    public var tags: [TagSummary] = []
    public var tagCursor = ListCursor()
    public var pushers: [PusherSummary] = []
    public var pusherCursor = ListCursor()
    public var history: [HistoryRow] = []
    public var historyTotal = 0
    public var historyCursor = ListCursor()
    public var focusedEvent: StoredEvent?
    public var focusedOutcomes: [IntegrationOutcome] = []
    /// The raw requests kept of the detail's event, oldest first.
    public var focusedRequests: [ReceivedRequest] = []
    /// Whether the store keeps raw requests at all.
    public var keepsRequests = false
    public var diffBase: StoredEvent?
    /// The focused event's digest and platforms, when the registry has told.
    public var focusedImage: ImageFacts?
    /// The diff base's, likewise.
    public var diffBaseImage: ImageFacts?
    /// Signature, attestation and SBOM pushes folded under the focused event.
    public var focusedArtifacts: [StoredEvent] = []
    public var eventsInLastMinute = 0
    public var activity: [Int] = []
    public var sparklines: [String: [Int]] = [:]
    /// The newest event matching the filter, when newer than `bellAfterID`.
    public var newMatchingID: UInt64?

    public init() {}
}

extension EventStore {
    /// One frame's data, under one lock.
    public func snapshot(for query: SnapshotQuery) -> StoreSnapshot {
        snapshotsTaken.add(1, ordering: .relaxed)
        return state.withLock { $0.snapshot(for: query) }
    }

    /// Snapshots taken so far (the dashboard takes at most one a frame).
    public var snapshotCount: Int { snapshotsTaken.load(ordering: .relaxed) }
}

extension StoreState {
    func snapshot(for query: SnapshotQuery) -> StoreSnapshot {
        var snapshot = StoreSnapshot()
        snapshot.scope = query.scope
        snapshot.totals = totals
        var bellFilter = query.filter
        bellFilter.upToID = nil  // a paused view still rings
        if let seen = query.bellAfterID, nextID - 1 > seen,
            let newest = historyPage(filter: bellFilter, expanded: [], offset: 0, limit: 1).rows.first?.event
                .id,
            newest > seen
        {
            snapshot.newMatchingID = newest
        }
        guard query.scope > .totals else { return snapshot }
        snapshot.eventsInLastMinute = perSecond.recent(60, now: query.now).reduce(0, +)
        snapshot.activity = perMinute.recent(query.activityMinutes, now: query.now)
        if query.scope == .activity {
            // The repositories on screen stay as they are; only their sparklines move.
            let visible = query.visibleRepositories
            snapshot.sparklines = repositoryActivity(visible, bars: query.sparklineBars, now: query.now)
            return snapshot
        }

        snapshot.repositories = repositorySummaries(matching: NamePattern(query.filter.repositoryContains))
        snapshot.repositoryCursor = Self.place(
            query.repositories,
            found: query.keepRepository.flatMap { name in snapshot.repositories.firstIndex { $0.name == name }
            },
            count: snapshot.repositories.count)
        let selected =
            query.filter.repository
            ?? snapshot.repositories.indices.contains(snapshot.repositoryCursor.selected)
            .then { snapshot.repositories[snapshot.repositoryCursor.selected].name }
        snapshot.selectedRepository = selected
        snapshot.tags = selected.map { tagSummaries(of: $0) } ?? []
        snapshot.tagCursor = Self.place(
            query.tags, found: query.keepTag.flatMap { tag in snapshot.tags.firstIndex { $0.tag == tag } },
            count: snapshot.tags.count)
        snapshot.pushers = pusherSummaries(
            filter: EventFilter(
                repositoryContains: query.filter.repositoryContains, repository: query.filter.repository))
        snapshot.pusherCursor = Self.place(
            query.pushers,
            found: query.keepPusher.flatMap { name in snapshot.pushers.firstIndex { $0.name == name } },
            count: snapshot.pushers.count)

        fillHistory(&snapshot, for: query)

        let visible = snapshot.repositories.dropFirst(snapshot.repositoryCursor.top).prefix(
            query.repositories.rows)
        snapshot.sparklines = repositoryActivity(
            visible.map(\.name), bars: query.sparklineBars, now: query.now)

        fillFocus(&snapshot, for: query, selected: selected)
        return snapshot
    }

    /// The history page around the cursor, kept on the same row while newer ones arrive above it.
    private func fillHistory(_ snapshot: inout StoreSnapshot, for query: SnapshotQuery) {
        var cursor = query.history.cursor
        if let keep = query.keepRow,
            let position = historyPosition(of: keep, filter: query.filter, expanded: query.expanded)
        {
            // Stay on the same row while newer ones arrive above it.
            cursor.top += position - cursor.selected
            cursor.selected = position
        }
        let total = historyPage(filter: query.filter, expanded: query.expanded, offset: 0, limit: 0).total
        cursor.clamp(count: total, rows: query.history.rows)
        let page = historyPage(
            filter: query.filter, expanded: query.expanded, offset: cursor.top, limit: query.history.rows)
        snapshot.history = page.rows
        snapshot.historyTotal = page.total
        snapshot.historyCursor = cursor
    }

    /// The event the detail, inspector or Dockerfile viewer is open on, and what it shows beside it.
    private func fillFocus(_ snapshot: inout StoreSnapshot, for query: SnapshotQuery, selected: String?) {
        if let id = query.detailEventID {
            snapshot.focusedEvent = event(id: id)
            snapshot.focusedOutcomes = annotations[id] ?? []
            snapshot.focusedRequests = snapshot.focusedEvent == nil ? [] : requests.requests(of: id)
            snapshot.keepsRequests = requests.budget > 0
        } else if let id = query.viewerEventID {
            snapshot.focusedEvent = event(id: id)
        } else if query.viewerFollowsRepository, let selected {
            snapshot.focusedEvent = latestEvent(of: selected)
        }
        if let focused = snapshot.focusedEvent {
            snapshot.focusedImage = images[focused.id]
            snapshot.focusedArtifacts = (ownedArtifacts[focused.id] ?? []).compactMap { event(id: $0) }
            if query.diff {
                snapshot.diffBase =
                    focused.payload.repository.dockerfile != nil
                    ? previousDifferentDockerfile(before: focused.id)
                    : previousDifferentImage(before: focused.id)
                snapshot.diffBaseImage = snapshot.diffBase.flatMap { images[$0.id] }
            }
        }
    }

    /// A list's cursor after a refresh: on the kept item when it is still there, inside the list.
    static func place(_ window: ListWindow, found: Int?, count: Int) -> ListCursor {
        var cursor = window.cursor
        if let found { cursor.selected = found }
        cursor.clamp(count: count, rows: window.rows)
        return cursor
    }
}

extension Bool {
    /// `value()` when true, else nil.
    fileprivate func then<T>(_ value: () -> T) -> T? { self ? value() : nil }
}
