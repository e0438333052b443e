import HubtopCore

/// What one frame's read of the store gives the dashboard: its data, whole (what the query's
/// scope did not cover is as it was), where the lists' cursors land, and whether the bell is due.
public struct DashboardRead: Equatable, Sendable {
    public var scope = FrameQuery.Scope.full
    public var data = DashboardData()
    /// The lists' cursors, placed on the kept items (with `.full` only).
    public var cursors: [PaneID: ListCursor] = [:]
    /// The newest event matching the filter, when newer than `bellAfterID`.
    public var newMatchingID: UInt64?

    public init(scope: FrameQuery.Scope = .full, data: DashboardData = DashboardData()) {
        self.scope = scope
        self.data = data
    }
}

extension StoreReader {
    /// Answers a frame's query from this one read: the dashboard's data and cursor placement.
    public func frame(_ query: FrameQuery, data: DashboardData) -> DashboardRead {
        var read = DashboardRead(scope: query.scope, data: data)
        read.data.totals = totals
        var bellFilter = query.filter
        bellFilter.upToID = nil  // a paused view still rings
        if let seen = query.bellAfterID, read.data.totals.newestID > seen,
            let newest = history(filter: bellFilter, expanded: [], offset: 0, limit: 1).rows.first?.event.id,
            newest > seen
        {
            read.newMatchingID = newest
        }
        guard query.scope > .totals else { return read }
        read.data.eventsPerMinute = Double(eventsInLast(seconds: 60, now: query.now))
        read.data.activity = activity(minutes: query.activityMinutes, now: query.now)
        guard query.scope == .full else {
            // The repositories on screen stay as they are; only their sparklines move.
            read.data.sparklines = activity(
                of: query.visibleRepositories, bars: query.sparklineBars, now: query.now)
            return read
        }
        let selected = fillLists(&read, for: query)
        fillHistory(&read, for: query)
        fillFocus(&read, for: query, selected: selected)
        return read
    }

    /// The repositories, tags and pushers, each list's cursor on its kept item; returns the
    /// repository the tags follow (the narrowed one, else the selected one).
    private func fillLists(_ read: inout DashboardRead, for query: FrameQuery) -> String? {
        let repositories = self.repositories(
            matching: NamePattern(query.filter.repositoryContains), source: query.filter.source)
        read.data.repositories = repositories
        let repositoryCursor = Self.place(
            query.repositories,
            found: query.keepRepository.flatMap { name in repositories.firstIndex { $0.name == name } },
            count: repositories.count)
        read.cursors[.repositories] = repositoryCursor
        let selected =
            query.filter.repository
            ?? (repositories.indices.contains(repositoryCursor.selected)
                ? repositories[repositoryCursor.selected].name : nil)
        let tags = selected.map { self.tags(of: $0) } ?? []
        read.data.tags = tags
        read.cursors[.tags] = Self.place(
            query.tags, found: query.keepTag.flatMap { tag in tags.firstIndex { $0.tag == tag } },
            count: tags.count)
        let pushers = self.pushers(
            filter: EventFilter(
                repositoryContains: query.filter.repositoryContains, repository: query.filter.repository))
        read.data.pushers = pushers
        read.cursors[.pushers] = Self.place(
            query.pushers, found: query.keepPusher.flatMap { name in pushers.firstIndex { $0.name == name } },
            count: pushers.count)
        let visible = repositories.dropFirst(repositoryCursor.top).prefix(query.repositories.rows)
        read.data.sparklines = activity(of: visible.map(\.name), bars: query.sparklineBars, now: query.now)
        return selected
    }

    /// The history page around the cursor, kept on the same row while newer ones arrive above it.
    private func fillHistory(_ read: inout DashboardRead, for query: FrameQuery) {
        var cursor = query.history.cursor
        if let keep = query.keepRow,
            let position = historyPosition(of: keep, filter: query.filter, expanded: query.expanded)
        {
            cursor.top += position - cursor.selected
            cursor.selected = position
        }
        let total = history(filter: query.filter, expanded: query.expanded, offset: 0, limit: 0).total
        cursor.clamp(count: total, rows: query.history.rows)
        let page = history(
            filter: query.filter, expanded: query.expanded, offset: cursor.top, limit: query.history.rows)
        read.data.history = page.rows
        read.data.eventTotal = page.total
        read.cursors[.events] = cursor
    }

    /// The event the detail, inspector or Dockerfile viewer is open on, and what it shows beside it.
    private func fillFocus(_ read: inout DashboardRead, for query: FrameQuery, selected: String?) {
        var focused: StoredEvent?
        read.data.focusedOutcomes = []
        read.data.focusedRequests = []
        read.data.keepsRequests = false
        if let id = query.detailEventID {
            focused = event(id: id)
            read.data.focusedOutcomes = outcomes(of: id)
            read.data.focusedRequests = focused == nil ? [] : requests(of: id)
            read.data.keepsRequests = keepsRequests
        } else if let id = query.viewerEventID {
            focused = event(id: id)
        } else if query.viewerFollowsRepository, let selected {
            focused = latestEvent(of: selected)
        }
        read.data.focusedEvent = focused
        read.data.focusedImage = focused.flatMap { image(of: $0.id) }
        read.data.focusedArtifacts = focused.map { artifacts(of: $0.id) } ?? []
        read.data.focusedScan = focused.flatMap { scan(of: $0.id) }
        read.data.focusedMirrors = focused.map { mirrors(of: $0.id) } ?? []
        read.data.focusedChildren = focused.map { children(of: $0.id) } ?? []
        read.data.focusedPulls =
            focused.flatMap { event in event.tag.map { pulls(of: event.repoName, tag: $0) } } ?? 0
        read.data.lastPing = lastPing
        read.data.sources = sources
        var base: StoredEvent?
        if query.diff, let focused {
            base =
                focused.payload.repository.dockerfile != nil
                ? previousDifferentDockerfile(before: focused.id) : previousDifferentImage(before: focused.id)
        }
        read.data.diffBase = base
        read.data.diffBaseImage = base.flatMap { image(of: $0.id) }
    }

    /// A list's cursor after a refresh: on the kept item when it is still there, inside the list.
    static func place(_ window: ListWindow, found: Int?, count: Int) -> ListCursor {
        var cursor = window.cursor
        if let found { cursor.selected = found }
        cursor.clamp(count: count, rows: window.rows)
        return cursor
    }
}
