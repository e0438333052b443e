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
        // One scale for the pane's sparklines and one set of event columns, worked out once per
        // frame, not once per row.
        let eventColumns =
            pane == .events ? EventColumns(state.data.history, width: inner.width, now: state.now) : nil
        let repositoryWidths = pane == .repositories ? repositoryColumnWidths(width: inner.width, state) : nil
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
                drawn = drawRepository(
                    index, state, inner.x, y, inner.width, peak: peak, widths: repositoryWidths!, &buffer)
            case .tags: drawn = drawTag(index, state, inner.x, y, inner.width, &buffer)
            case .pushers: drawn = drawPusher(index, state, inner.x, y, inner.width, &buffer)
            case .events:
                drawn = drawEvent(index - cursor.top, state, eventColumns!, inner.x, y, inner.width, &buffer)
            }
            if drawn && index == cursor.selected {
                let role: Role = focused ? .selection : .selectionInactive
                buffer.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1)) {
                    Style(role, $0.attributes)
                }
            }
        }
        // A name cut to fit shows whole in the bottom border while its row is selected.
        if let full = cutName(pane, state, eventColumns, width: inner.width) {
            buffer.write(
                " " + DisplayWidth.truncate(full, to: rect.width - 6) + " ", x: rect.x + 2, y: rect.maxY - 1,
                maxWidth: rect.width - 4, style: Style(focused ? .titleFocused : .title))
        }
    }

    /// The selected row's whole name, when its column is too narrow for it.
    static func cutName(_ pane: PaneID, _ state: DashboardState, _ columns: EventColumns?, width: Int)
        -> String?
    {
        let cursor = state.cursor(pane)
        switch pane {
        case .events:
            let row = cursor.selected - cursor.top
            guard let columns, state.data.history.indices.contains(row) else { return nil }
            let name = columns.names[row]
            return DisplayWidth.of(name) > columns.name ? name : nil
        case .repositories:
            guard state.data.repositories.indices.contains(cursor.selected) else { return nil }
            let name = TerminalSanitizer.line(state.data.repositories[cursor.selected].name)
            let room = repositoryNameWidth(width: width, state)
            return DisplayWidth.of(name) + (state.narrowedRepository != nil ? 1 : 0) > room ? name : nil
        case .tags, .pushers:
            return nil
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
        let (shown, firstWidth) = fit(rest.map(\.1), width: width)
        let shownColumns = Array(rest.prefix(shown))
        buffer.write(
            " " + DisplayWidth.fit(first.0, to: firstWidth), x: x, y: y, maxWidth: width,
            style: Style(first.1))
        var column = x + 1 + firstWidth
        for (text, columnWidth, role) in shownColumns {
            buffer.write(
                " " + DisplayWidth.fit(text, to: columnWidth, alignRight: true), x: column, y: y,
                style: Style(role))
            column += columnWidth + 1
        }
    }

    /// How many of the fixed columns fit beside a readable first column, and the first
    /// column's width.
    static func fit(_ widths: [Int], width: Int) -> (shown: Int, first: Int) {
        var shown = widths.count
        while shown > 0, width - 1 - widths.prefix(shown).reduce(0, { $0 + $1 + 1 }) < min(14, width / 2) {
            shown -= 1
        }
        return (shown, max(1, width - widths.prefix(shown).reduce(0) { $0 + $1 + 1 } - 1))
    }

    /// Twelve 5-minute bars when there is room for them and a readable name, else six.
    static func sparklineBars(width: Int) -> Int { width >= 46 ? 12 : 6 }

    /// The repositories pane's fixed columns, each as wide as the rows on screen need: the
    /// name column gets what they and the sparkline do not.
    static func repositoryColumnWidths(width: Int, _ state: DashboardState) -> [Int] {
        let cursor = state.cursor(.repositories)
        let visible = state.data.repositories.dropFirst(cursor.top).prefix(
            max(1, state.layout.rows(.repositories)))
        let counts = visible.map { HeaderView.grouped($0.events).count }.max() ?? 1
        let ages = visible.map { Timestamp.age($0.lastPushedAt, now: state.now).count + 1 }.max() ?? 3
        return [max(2, counts), min(5, max(3, ages)), sparklineBars(width: width), 3]
    }

    static func repositoryNameWidth(width: Int, _ state: DashboardState) -> Int {
        fit(repositoryColumnWidths(width: width, state), width: width).first
    }

    static func drawRepository(
        _ index: Int, _ state: DashboardState, _ x: Int, _ y: Int, _ width: Int, peak: Int, widths: [Int],
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
                (HeaderView.grouped(repo.events), widths[0], .text),
                (stale ? "!" + age : age, widths[1], stale ? .stale : .time),
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
        var fixed: [(String, Int, Role)] = [
            (Timestamp.age(tag.lastPushedAt, now: state.now), 4, .time),
            ("×" + HeaderView.grouped(tag.events), 6, .text),
        ]
        // The short digest of the tag's newest push, once the registry has told (dropped first
        // when the pane is narrow).
        if state.data.tags.contains(where: { $0.digest != nil }) {
            fixed.append((tag.digest.map(ImageFacts.short) ?? "", 12, .muted))
        }
        // Pulls a self-hosted registry or Harbor reported.
        if state.data.tags.contains(where: { $0.pulls > 0 }) {
            fixed.insert((tag.pulls > 0 ? "↓" + HeaderView.grouped(tag.pulls) : "", 6, .muted), at: 2)
        }
        columns(
            (
                (narrowed ? "▸" : "") + TerminalSanitizer.line(tag.tag ?? "(no tag)"),
                tag.tag == nil ? .muted : .tag
            ),
            fixed, x: x, y: y, width: width, &buffer)
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

    /// Widths of the events pane's columns for the rows on screen: each column as wide as its
    /// content needs, and the name column takes what is left (htop's command column), so that
    /// names show whole whenever the pane can hold them.
    struct EventColumns: Equatable {
        var time = 8
        var name = 8
        var pusher = 0
        var burst = 0
        var images = 0
        var redeliveries = 0
        var repairs = 0
        /// `sig`/`att`/`sbom` for artifact pushes, `CVE` for pushes that fix vulnerabilities.
        var marks = 0
        /// Where each row came from (`hub`, `dist`, `ghcr`, …), once rows of another source show.
        var source = 0
        /// Per row: its time and `repo:tag` as drawn, worked out once for sizing and drawing.
        var whens: [String] = []
        var names: [String] = []

        init(_ rows: [HistoryRow], width: Int, now: Double) {
            guard !rows.isEmpty else { return }
            whens = rows.map { ListPanes.when($0.event, now: now) }
            names = rows.map { ListPanes.name(of: $0.event) }
            time = whens.map(\.count).max() ?? 8
            burst = rows.contains { $0.size > 1 && !$0.isMember } ? 4 : 0
            images = rows.contains { !$0.event.payload.images.isEmpty } ? 5 : 0
            redeliveries = rows.contains { $0.event.deliveries > 1 } ? 4 : 0
            repairs = rows.contains { !$0.event.payload.repairs.isEmpty } ? 2 : 0
            marks = rows.map { (ListPanes.mark(of: $0)?.text.count).map { $0 + 1 } ?? 0 }.max() ?? 0
            source = rows.contains { $0.event.payload.origin != nil } ? 5 : 0
            let nameWidth = names.map { DisplayWidth.of($0) }.max() ?? 8
            let pushers =
                rows.map { DisplayWidth.of(TerminalSanitizer.line($0.event.pusher ?? "?")) }.max() ?? 1
            // Leading space, time, space, gutter; then the name, the pusher and the small columns.
            let available =
                width - (1 + time + 1 + 2) - (burst + images + redeliveries + repairs + marks + source)
            let pusherWidth = min(pushers, 14)
            if available - nameWidth - 1 >= min(pusherWidth, 4) {
                // Everything on screen fits.
                pusher = min(pusherWidth, available - nameWidth - 1)
            } else {
                // It does not: the pusher column stays while three rows in four keep their whole
                // name (a cut one shows whole in the border when selected); past that it goes.
                let widths = names.map { DisplayWidth.of($0) }.sorted()
                let most = widths[max(0, (widths.count * 3 + 3) / 4 - 1)]
                let left = available - max(8, most) - 1
                pusher = left >= min(pusherWidth, 6) ? min(pusherWidth, left) : 0
            }
            // What nobody needs goes to the name column, so the small columns stay at the right edge.
            name = max(8, available - (pusher > 0 ? pusher + 1 : 0))
        }
    }

    /// What kind of push a row is, when it is not a plain image push: `sig`/`att`/`sbom`, `CVE`
    /// (fixes vulnerabilities), `same` (a re-push of the digest the tag had), and `+sig` or
    /// `+2` for artifacts folded under it.
    static func mark(of row: HistoryRow) -> (text: String, role: Role)? {
        let payload = row.event.payload
        var text = ""
        var role = Role.warning
        if payload.action == .delete {
            return ("deleted", .error)
        } else if let scan = row.scan ?? payload.origin?.scan {
            return (scan.mark, scan.isSevere ? .error : .muted)
        } else if let artifact = payload.artifact {
            text = artifact.rawValue
            role = .muted
        } else if payload.fixesVulnerabilities {
            text = "CVE"
        } else if row.image?.unchanged == true {
            text = "same"
            role = .muted
        }
        if !row.artifacts.isEmpty {
            text += row.artifacts.count == 1 ? "+" + row.artifacts[0].rawValue : "+\(row.artifacts.count)"
            if role == .warning && text.hasPrefix("+") { role = .marker }
        }
        // The same digest landed in another registry too (a mirror).
        if row.mirrors > 0 {
            if text.isEmpty { role = .marker }
            text += "⇄"
        }
        return text.isEmpty ? nil : (text, role)
    }

    static func when(_ event: StoredEvent, now: Double) -> String {
        let time = event.pushedOrReceivedAt
        return showsTimeOfDay(time, now: now)
            ? Timestamp.timeOfDay(time) : String(Timestamp.utc(time).prefix(10))
    }

    /// Whether `when` shows a time of day (within the last day) rather than a date.
    static func showsTimeOfDay(_ time: Double, now: Double) -> Bool {
        now - time < 86_400 && time <= now + 60
    }

    /// `repository:tag`, made safe for the terminal.
    static func name(of event: StoredEvent) -> String {
        TerminalSanitizer.line(event.repoName) + ":" + TerminalSanitizer.line(event.tag ?? "(no tag)")
    }

    static func drawEvent(
        _ row: Int, _ state: DashboardState, _ columns: EventColumns, _ x: Int, _ y: Int, _ width: Int,
        _ buffer: inout CellBuffer
    ) -> Bool {
        guard state.data.history.indices.contains(row) else { return false }
        let entry = state.data.history[row]
        let event = entry.event
        var column = x
        column += buffer.write(
            " " + DisplayWidth.fit(columns.whens[row], to: columns.time) + " ", x: column, y: y,
            maxWidth: width, style: Style(.time))
        // Gutter: ▸ a closed burst, ▾ an open one, │ its deliveries.
        let gutter: String
        if entry.isMember {
            gutter = "│ "
        } else if entry.size > 1 {
            gutter = state.expandedBursts.contains(entry.burst) ? "▾ " : "▸ "
        } else {
            gutter = "  "
        }
        if columns.source > 0 {
            column += buffer.write(
                DisplayWidth.fit(event.payload.source.marker, to: columns.source - 1) + " ", x: column, y: y,
                maxWidth: x + width - column, style: Style(.muted))
        }
        column += buffer.write(gutter, x: column, y: y, maxWidth: x + width - column, style: Style(.marker))
        let nameWidth = columns.name
        let repo = TerminalSanitizer.line(event.repoName)
        let name = DisplayWidth.truncate(columns.names[row], to: nameWidth)
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
        if columns.pusher > 0 {
            buffer.write(
                " " + DisplayWidth.fit(TerminalSanitizer.line(event.pusher ?? "?"), to: columns.pusher),
                x: column, y: y,
                maxWidth: x + width - column, style: Style(.pusher))
            column += columns.pusher + 1
        }
        let mark = mark(of: entry)
        let cells: [(String, Int, Role)] = [
            (mark.map { " " + $0.text } ?? "", columns.marks, mark?.role ?? .muted),
            (entry.size > 1 ? "×\(entry.size)" : "", columns.burst, .marker),
            (event.payload.images.isEmpty ? "" : "\(event.payload.images.count)img", columns.images, .muted),
            // Redeliveries of the same push, folded by the store.
            (event.deliveries > 1 ? "↻\(event.deliveries)" : "", columns.redeliveries, .warning),
        ]
        for (text, cellWidth, role) in cells where cellWidth > 0 {
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
