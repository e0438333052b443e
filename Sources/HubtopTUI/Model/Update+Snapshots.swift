import HubtopCore

/// The query the next frame runs, and its answer applied to the state.
extension DashboardModel {
    /// What the next frame needs from the store, from the state as it is now.
    public func query(_ state: DashboardState) -> FrameQuery {
        let layout = state.layout
        var query = FrameQuery()
        query.scope = state.wants ?? .full
        query.now = state.now
        query.filter = state.eventFilter
        query.filter.upToID = state.pausedAtID
        query.bellAfterID = state.bell ? state.bellSeenID : nil
        query.sparklineBars = 12
        let repositories = state.cursor(.repositories)
        query.repositories = ListWindow(cursor: repositories, rows: layout.rows(.repositories))
        query.visibleRepositories = state.data.repositories.dropFirst(repositories.top)
            .prefix(layout.rows(.repositories)).map(\.name)
        guard query.scope == .full else { return query }
        // A selection on the first row follows the newest item; elsewhere it stays on its item.
        query.keepRepository = repositories.selected > 0 ? state.selectedRepository : nil
        let tags = state.cursor(.tags)
        query.tags = ListWindow(cursor: tags, rows: layout.rows(.tags))
        query.keepTag =
            tags.selected > 0 && state.data.tags.indices.contains(tags.selected)
            ? .some(state.data.tags[tags.selected].tag) : .none
        let pushers = state.cursor(.pushers)
        query.pushers = ListWindow(cursor: pushers, rows: layout.rows(.pushers))
        query.keepPusher =
            pushers.selected > 0 && state.data.pushers.indices.contains(pushers.selected)
            ? state.data.pushers[pushers.selected].name : nil
        let events = state.cursor(.events)
        query.history = ListWindow(cursor: events, rows: layout.rows(.events))
        query.expanded = state.expandedBursts
        query.keepRow = state.keepRow ?? (events.selected > 0 ? state.selectedRow?.key : nil)
        let shown = state.showingViewBehindPrompt
        if let id = shown.detail?.eventID ?? shown.inspector?.eventID {
            query.detailEventID = id
        } else if let viewer = shown.dockerfile {
            query.viewerEventID = viewer.eventID
            query.viewerFollowsRepository = viewer.eventID == nil
            query.diff = viewer.showDiff
        }
        return query
    }

    /// Takes in what the frame's read answered: the data whole, the cursors where it placed them.
    func apply(_ read: DashboardRead, _ state: inout DashboardState) {
        state.wants = nil
        state.data = read.data
        // The bell: at most once a second, for an event that arrived since the last look and
        // matches the filter. Redeliveries are not new events.
        if state.bell, read.newMatchingID != nil, state.now - state.lastBellAt >= 1 {
            state.lastBellAt = state.now
            state.effects.append(.bell)
        }
        state.bellSeenID = max(state.bellSeenID, read.data.totals.newestID)
        guard read.scope > .totals else { return }
        if read.scope == .full {
            state.cursors.merge(read.cursors) { $1 }
            state.keepRow = nil
            lookUpImages(&state)
        }
        state.data.staleCount = state.data.repositories.count { state.isStale($0) }
    }
}
