import HubtopCore

/// The four list panes: repositories, tags, pushers and the event history.
enum ListPanes {
    static func draw(_ pane: PaneID, _ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        let focused =
            state.focus == pane && state.detail == nil && !(state.dockerfile != nil && pane == .events)
        let count: Int
        switch pane {
        case .repositories: count = state.data.repositories.count
        case .tags: count = state.data.tags.count
        case .pushers: count = state.data.pushers.count
        case .events: count = state.data.eventTotal
        }
        var title = "[\(pane.rawValue + 1)] \(pane.title)"
        if pane == .tags, let repository = state.selectedRepository {
            title += " of \(TerminalSanitizer.line(repository))"
        }
        let cursor = state.cursor(pane)
        title += count > 0 ? " \(cursor.selected + 1)/\(count)" : " 0"
        buffer.box(
            rect, style: Style(focused ? .borderFocused : .border), title: title,
            titleStyle: Style(focused ? .titleFocused : .title))
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        if count == 0 {
            buffer.write(
                emptyText(pane, state), x: inner.x + 1, y: inner.y, maxWidth: inner.width - 1,
                style: Style(.muted))
            return
        }
        // One scale for the pane's sparklines, worked out once per frame, not once per row.
        let bars = sparklineBars(width: inner.width)
        let peak =
            pane == .repositories
            ? state.data.sparklines.values.map { Sparkline.downsample($0, to: bars).max() ?? 0 }.max() ?? 0
            : 0
        for row in 0..<inner.height {
            let index = cursor.top + row
            let y = inner.y + row
            let drawn: Bool
            switch pane {
            case .repositories:
                drawn = drawRepository(index, state, inner.x, y, inner.width, peak: peak, &buffer)
            case .tags: drawn = drawTag(index, state, inner.x, y, inner.width, &buffer)
            case .pushers: drawn = drawPusher(index, state, inner.x, y, inner.width, &buffer)
            case .events: drawn = drawEvent(index - cursor.top, state, inner.x, y, inner.width, &buffer)
            }
            if drawn && index == cursor.selected {
                let role: Role = focused ? .selection : .selectionInactive
                buffer.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1)) {
                    Style(role, $0.attributes)
                }
            }
        }
    }

    static func emptyText(_ pane: PaneID, _ state: DashboardState) -> String {
        let filtered = !state.eventFilter.isEmpty
        switch pane {
        case .repositories: return filtered ? "no repository matches the filter" : "waiting for webhooks…"
        case .tags: return "no tags"
        case .pushers: return "no pushers"
        case .events: return filtered ? "no event matches the filter" : "no events yet"
        }
    }

    /// Draws a flexible first column, then fixed columns; the last fixed columns are dropped
    /// when the pane is too narrow to leave the first one readable.
    static func columns(
        _ first: (String, Role), _ rest: [(String, Int, Role)], x: Int, y: Int, width: Int,
        _ buffer: inout CellBuffer
    ) {
        var shown = rest
        while !shown.isEmpty, width - 1 - shown.reduce(0, { $0 + $1.1 + 1 }) < min(14, width / 2) {
            shown.removeLast()
        }
        let fixed = shown.reduce(0) { $0 + $1.1 + 1 }
        let firstWidth = max(1, width - fixed - 1)
        buffer.write(
            " " + DisplayWidth.fit(first.0, to: firstWidth), x: x, y: y, maxWidth: width,
            style: Style(first.1))
        var column = x + 1 + firstWidth
        for (text, columnWidth, role) in shown {
            buffer.write(
                " " + DisplayWidth.fit(text, to: columnWidth, alignRight: true), x: column, y: y,
                style: Style(role))
            column += columnWidth + 1
        }
    }

    /// Twelve 5-minute bars when there is room for them and a readable name, else six.
    static func sparklineBars(width: Int) -> Int { width >= 46 ? 12 : 6 }

    static func drawRepository(
        _ index: Int, _ state: DashboardState, _ x: Int, _ y: Int, _ width: Int, peak: Int,
        _ buffer: inout CellBuffer
    ) -> Bool {
        guard state.data.repositories.indices.contains(index) else { return false }
        let repo = state.data.repositories[index]
        let narrowed = state.narrowedRepository == repo.name
        let flags =
            (repo.isPrivate ? "P" : "·") + (repo.isOfficial ? "O" : "·") + (repo.isTrusted ? "T" : "·")
        let age = Timestamp.age(repo.lastPushedAt, now: state.now)
        let stale = state.isStale(repo)
        let bars = sparklineBars(width: width)
        let activity = Sparkline.downsample(state.data.sparklines[repo.name] ?? [], to: bars)
        columns(
            ((narrowed ? "▸" : "") + TerminalSanitizer.line(repo.name), stale ? .stale : .repository),
            [
                (HeaderView.grouped(repo.events), 6, .text),
                (stale ? "!" + age : age, 5, stale ? .stale : .time),
                (Sparkline.render(activity, peak: peak), bars, .sparkline),
                (flags, 3, .marker),
            ], x: x, y: y, width: width, &buffer)
        return true
    }

    static func drawTag(
        _ index: Int, _ state: DashboardState, _ x: Int, _ y: Int, _ width: Int, _ buffer: inout CellBuffer
    ) -> Bool {
        guard state.data.tags.indices.contains(index) else { return false }
        let tag = state.data.tags[index]
        let narrowed = state.narrowedTag == .some(tag.tag) && state.narrowedRepository == tag.repository
        columns(
            (
                (narrowed ? "▸" : "") + TerminalSanitizer.line(tag.tag ?? "(no tag)"),
                tag.tag == nil ? .muted : .tag
            ),
            [
                (Timestamp.age(tag.lastPushedAt, now: state.now), 4, .time),
                ("×" + HeaderView.grouped(tag.events), 6, .text),
            ],
            x: x, y: y, width: width, &buffer)
        return true
    }

    static func drawPusher(
        _ index: Int, _ state: DashboardState, _ x: Int, _ y: Int, _ width: Int, _ buffer: inout CellBuffer
    ) -> Bool {
        guard state.data.pushers.indices.contains(index) else { return false }
        let pusher = state.data.pushers[index]
        let narrowed = state.narrowedPusher == pusher.name
        columns(
            ((narrowed ? "▸" : "") + TerminalSanitizer.line(pusher.name), .pusher),
            [
                (HeaderView.grouped(pusher.events), 6, .text),
                (Timestamp.age(pusher.lastSeen, now: state.now), 4, .time),
            ],
            x: x, y: y, width: width, &buffer)
        return true
    }

    static func drawEvent(
        _ row: Int, _ state: DashboardState, _ x: Int, _ y: Int, _ width: Int, _ buffer: inout CellBuffer
    ) -> Bool {
        guard state.data.history.indices.contains(row) else { return false }
        let entry = state.data.history[row]
        let event = entry.event
        let time = event.pushedOrReceivedAt
        let when =
            state.now - time < 86_400 && time <= state.now + 60
            ? Timestamp.timeOfDay(time) : String(Timestamp.utc(time).prefix(10))
        var column = x
        column += buffer.write(
            " " + DisplayWidth.fit(when, to: 10) + " ", x: column, y: y, maxWidth: width, style: Style(.time))
        // Gutter: ▸ a closed burst, ▾ an open one, │ its deliveries.
        let gutter: String
        if entry.isMember {
            gutter = "│ "
        } else if entry.size > 1 {
            gutter = state.expandedBursts.contains(entry.burst) ? "▾ " : "▸ "
        } else {
            gutter = "  "
        }
        column += buffer.write(gutter, x: column, y: y, maxWidth: x + width - column, style: Style(.marker))
        let remaining = x + width - column
        // Right side: pusher, burst size, images, redeliveries, repair marker.
        let pusherWidth = remaining >= 66 ? 14 : (remaining >= 44 ? 10 : 0)
        let tail = 4 + 5 + 4 + 2
        let nameWidth = max(8, remaining - pusherWidth - tail - (pusherWidth > 0 ? 1 : 0))
        let repo = TerminalSanitizer.line(event.repoName)
        let tag = TerminalSanitizer.line(event.tag ?? "(no tag)")
        let name = DisplayWidth.truncate(repo + ":" + tag, to: nameWidth)
        let repoPart = DisplayWidth.truncate(repo, to: DisplayWidth.of(name))
        let repoColumns = buffer.write(
            repoPart == name ? name : repo, x: column, y: y, maxWidth: min(nameWidth, DisplayWidth.of(repo)),
            style: Style(.repository))
        if repoColumns < DisplayWidth.of(name) {
            buffer.write(
                String(name.dropFirst(repo.count)), x: column + repoColumns, y: y,
                maxWidth: nameWidth - repoColumns,
                style: Style(.tag))
        }
        column += nameWidth
        if pusherWidth > 0 {
            buffer.write(
                " " + DisplayWidth.fit(TerminalSanitizer.line(event.pusher ?? "?"), to: pusherWidth),
                x: column, y: y,
                maxWidth: x + width - column, style: Style(.pusher))
            column += pusherWidth + 1
        }
        let cells: [(String, Int, Role)] = [
            (entry.size > 1 ? "×\(entry.size)" : "", 4, .marker),
            ("\(event.payload.images.count)img", 5, .muted),
            // Redeliveries of the same push, folded by the store.
            (event.deliveries > 1 ? "↻\(event.deliveries)" : "", 4, .warning),
        ]
        for (text, cellWidth, role) in cells {
            buffer.write(
                DisplayWidth.fit(text, to: cellWidth, alignRight: true), x: column, y: y,
                maxWidth: x + width - column, style: Style(role))
            column += cellWidth
        }
        if !event.payload.repairs.isEmpty {
            buffer.write(" !", x: column, y: y, maxWidth: x + width - column, style: Style(.warning))
        }
        return true
    }
}
