import HubtopCore

/// The dashboard's one `update`: every message goes through here, and only here does state
/// change. It never reads the store: data arrives as a `.snapshot` message, which it asks for by
/// setting `state.wants` (the run loop, or `DashboardDriver` in tests, answers with
/// `EventStore.snapshot(for: query(state))`).
public struct DashboardModel: Sendable {
    public init() {}

    public func update(_ state: inout DashboardState, _ message: Message) {
        switch message {
        case .resize(let width, let height):
            state.width = width
            state.height = height
            state.want(.full)
        case .storeChanged:
            // A frozen view still counts what arrives.
            state.want(state.paused ? .totals : .full)
        case .tick(let now):
            state.now = now
            state.want(.activity)
        case .status(let rejections, let problem):
            state.data.rejected = rejections.values.reduce(0, +)
            state.data.topRejections = rejections.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(2)
                .map { ($0.key, $0.value) }
            state.data.problem = problem
        case .snapshot(let snapshot):
            apply(snapshot, &state)
        case .key(let key):
            handle(key, &state)
        case .mouse(let mouse):
            handle(mouse, &state)
        case .exported(let outcome):
            switch outcome {
            case .written(let path, let events):
                state.flash =
                    "exported \(events) event\(events == 1 ? "" : "s") to \(TerminalSanitizer.line(path))"
            case .exists(let path):
                state.prompt = Prompt(kind: .confirmOverwrite(path: path), text: "")
            case .failed(let path, let reason):
                state.flash = "export to \(TerminalSanitizer.line(path)) failed: \(reason)"
            }
        case .imageLookup(let request, let lookup):
            if case .failed(let reason) = lookup, request.platform != nil,
                state.imageLookups[request.eventID]?.image != nil
            {
                // Another platform could not be fetched: the one shown stays.
                state.flash = "platform: " + TerminalSanitizer.line(reason)
                state.imagePlatforms[request.eventID] = nil
            } else {
                state.remember(lookup, for: request.eventID)
            }
            // The store may now know the digest: the tags pane and history show it.
            state.want(.full)
        case .notice(let text):
            state.flash = text
        }
    }

    // MARK: - Keys

    func handle(_ key: Key, _ state: inout DashboardState) {
        state.flash = nil
        if key == .control("c") {
            state.quit = true
            return
        }
        // What is open takes the key first; keys it leaves go to the panes.
        switch state.overlay {
        case .help?:
            if key == .escape || key == .character("?") || key == .character("q") { state.overlay = nil }
            if let motion = Motion(key) {
                let count = HelpOverlay.rows(screenWidth: state.width).count
                let shown = HelpOverlay.shownLines(height: state.height, count: count)
                state.helpTop = motion.scroll(
                    state.helpTop, page: max(1, shown - 1),
                    lastTop: HelpOverlay.lastTop(height: state.height, count: count))
            }
            return
        case .prompt?: return answerPrompt(key, &state)
        case .filter?: return editFilter(key, &state)
        case .dockerfile(let viewer)? where viewer.editingSearch: return editSearch(key, &state)
        case .detail?: if handleDetail(key, &state) { return }
        case .inspector?: if handleInspector(key, &state) { return }
        case .dockerfile?: if handleDockerfile(key, &state) { return }
        case nil: break
        }

        guard let action = KeyMap.paneAction(for: key) else { return }
        perform(action, &state)
    }

    /// What a key does on the panes (`KeyMap` says which key does what).
    func perform(_ action: KeyMap.PaneAction, _ state: inout DashboardState) {
        switch action {
        case .quit: state.quit = true
        case .help: state.showHelp = true
        case .nextPane: focus(PaneID(rawValue: (state.focus.rawValue + 1) % 4)!, &state)
        case .previousPane: focus(PaneID(rawValue: (state.focus.rawValue + 3) % 4)!, &state)
        case .focus(let pane): focus(pane, &state)
        case .move(let motion):
            switch motion {
            case .by(let rows): move(by: rows, &state)
            case .pages(let pages): move(by: pages * max(1, state.layout.rows(state.focus) - 1), &state)
            case .first: move(to: 0, &state)
            case .last: move(to: Int.max, &state)
            }
        case .choose: choose(&state)
        case .back:
            if !collapseSelectedBurst(&state) { back(&state) }
        case .filter:
            state.editingFilter = true
        case .clearFilters:
            state.filterText = ""
            state.narrowedRepository = nil
            state.narrowedTag = nil
            state.narrowedPusher = nil
            state.onlyVulnerabilityFixes = false
            state.want(.full)
        case .pause: togglePause(&state)
        case .dockerfile: toggleDockerfile(&state)
        case .inspector:
            guard state.focus == .events, let event = state.selectedEvent else { return }
            state.inspector = InspectorView(eventID: event.id)
            state.want(.full)
        case .diff:
            toggleDockerfile(&state)
            state.dockerfile?.showDiff = true
            state.want(.full)
        case .artifacts:
            state.hideArtifacts.toggle()
            state.cursors[.events] = ListCursor()
            state.flash =
                state.hideArtifacts ? "signatures, attestations and SBOMs hidden" : "artifacts shown"
            state.want(.full)
        case .vulnerabilityFixes:
            state.onlyVulnerabilityFixes.toggle()
            state.cursors[.events] = ListCursor()
            state.flash = state.onlyVulnerabilityFixes ? "only pushes that fix vulnerabilities" : "all pushes"
            state.want(.full)
        case .bell:
            state.bell.toggle()
            state.bellSeenID = state.data.totals.newestID
            state.flash = state.bell ? "bell on: new matching events ring" : "bell off"
        case .export:
            state.prompt = Prompt(kind: .exportPath, text: Self.defaultExportPath(now: state.now))
        case .theme:
            state.themeIndex = (state.themeIndex + 1) % max(1, state.themeNames.count)
            state.flash = "theme: \(state.themeNames[state.themeIndex])"
        }
    }

    func focus(_ pane: PaneID, _ state: inout DashboardState) {
        state.focus = pane
        state.detail = nil
        state.inspector = nil
        // The Dockerfile viewer covers the events pane in the wide layout: focusing events closes it.
        if pane == .events, state.width >= Layout.wideWidth { state.dockerfile = nil }
        state.want(.full)
    }

    func count(of pane: PaneID, _ state: DashboardState) -> Int {
        switch pane {
        case .repositories: return state.data.repositories.count
        case .tags: return state.data.tags.count
        case .pushers: return state.data.pushers.count
        case .events: return state.data.eventTotal
        }
    }

    func move(by delta: Int, _ state: inout DashboardState) {
        let current = state.cursor(state.focus).selected
        let target = delta < 0 ? max(0, current + delta) : min(Int.max - 1, current + delta)
        move(to: target, &state)
    }

    func move(to index: Int, _ state: inout DashboardState) {
        let pane = state.focus
        var cursor = state.cursor(pane)
        cursor.selected = min(index, max(0, count(of: pane, state) - 1))
        cursor.clamp(
            count: count(of: pane, state), rows: state.layout.rows(pane))
        state.cursors[pane] = cursor
        if pane == .repositories, state.dockerfile != nil, state.dockerfile?.eventID == nil {
            state.dockerfile?.top = 0
        }
        state.want(.full)
    }

    /// Enter: open an event, or narrow the other panes to a repository, tag or pusher.
    func choose(_ state: inout DashboardState) {
        switch state.focus {
        case .repositories:
            guard let name = state.selectedRepository else { return }
            if state.narrowedRepository == name {
                state.narrowedRepository = nil
                state.narrowedTag = nil
            } else {
                state.narrowedRepository = name
                state.narrowedTag = nil
            }
            state.cursors[.events] = ListCursor()
        case .tags:
            let index = state.cursor(.tags).selected
            guard state.data.tags.indices.contains(index) else { return }
            let tag = state.data.tags[index]
            if state.narrowedTag == .some(tag.tag) && state.narrowedRepository == tag.repository {
                state.narrowedTag = nil
            } else {
                state.narrowedRepository = tag.repository
                state.narrowedTag = .some(tag.tag)
            }
            state.cursors[.events] = ListCursor()
        case .pushers:
            let index = state.cursor(.pushers).selected
            guard state.data.pushers.indices.contains(index) else { return }
            let name = state.data.pushers[index].name
            state.narrowedPusher = state.narrowedPusher == name ? nil : name
            state.cursors[.events] = ListCursor()
        case .events:
            guard let row = state.selectedRow else { return }
            if !row.isMember && row.size > 1 {
                // A burst row opens into its deliveries, and closes again.
                if state.expandedBursts.remove(row.burst) == nil { state.expandedBursts.insert(row.burst) }
            } else {
                state.detail = DetailView(eventID: row.event.id)
            }
        }
        state.want(.full)
    }

    /// ← on an expanded burst or one of its deliveries closes the burst and selects its row.
    func collapseSelectedBurst(_ state: inout DashboardState) -> Bool {
        guard state.focus == .events, state.detail == nil, state.dockerfile == nil,
            let row = state.selectedRow, state.expandedBursts.contains(row.burst)
        else { return false }
        state.expandedBursts.remove(row.burst)
        state.keepRow = HistoryKey(burst: row.burst)
        state.want(.full)
        return true
    }

    // MARK: - Prompts and export

    /// `./hubtop-export-20261129T081001Z.ndjson`
    static func defaultExportPath(now: Double) -> String {
        let stamp = Timestamp.utc(now).filter { $0.isNumber }
        return "./hubtop-export-\(stamp.prefix(8))T\(stamp.dropFirst(8).prefix(6))Z.ndjson"
    }

    func answerPrompt(_ key: Key, _ state: inout DashboardState) {
        guard var prompt = state.prompt else { return }
        switch prompt.kind {
        case .exportPath:
            switch LineEditor.apply(key, to: &prompt.text) {
            case .cancelled:
                state.prompt = nil
                state.flash = "export cancelled"
            case .submitted:
                state.prompt = nil
                guard !prompt.text.isEmpty else {
                    state.flash = "export cancelled: no path"
                    return
                }
                state.effects.append(
                    .export(path: prompt.text, filter: exportFilter(state), overwrite: false))
            case .edited, .ignored:
                state.prompt = prompt
            }
        case .confirmOverwrite(let path):
            state.prompt = nil
            if key == .character("y") || key == .character("Y") {
                state.effects.append(.export(path: path, filter: exportFilter(state), overwrite: true))
            } else {
                state.flash = "export cancelled: \(TerminalSanitizer.line(path)) left as it was"
            }
        case .resendTarget(let eventID, let request):
            switch LineEditor.apply(key, to: &prompt.text) {
            case .cancelled:
                state.overlay = prompt.behind
                state.flash = "re-send cancelled"
            case .submitted:
                state.overlay = prompt.behind
                let url = prompt.text.filter { !$0.isWhitespace }
                state.effects.append(
                    .resend(eventID: eventID, request: request, url: url.isEmpty ? nil : url))
            case .edited, .ignored:
                state.prompt = prompt
            }
        }
    }

    /// What the history shows: the filter, narrowing and pause.
    func exportFilter(_ state: DashboardState) -> EventFilter {
        var filter = state.eventFilter
        filter.upToID = state.pausedAtID
        return filter
    }

    /// Esc: close what is open, else undo the latest narrowing.
    func back(_ state: inout DashboardState) {
        if let inspector = state.inspector {
            state.detail = DetailView(eventID: inspector.eventID)
        } else if state.detail != nil {
            state.detail = nil
        } else if state.dockerfile != nil {
            state.dockerfile = nil
        } else if state.narrowedPusher != nil {
            state.narrowedPusher = nil
        } else if state.narrowedTag != nil {
            state.narrowedTag = nil
        } else if state.narrowedRepository != nil {
            state.narrowedRepository = nil
        } else if !state.filterText.isEmpty {
            state.filterText = ""
        }
        state.want(.full)
    }

    func togglePause(_ state: inout DashboardState) {
        state.paused.toggle()
        state.pausedAtID = state.paused ? state.data.totals.newestID : nil
        state.want(.full)
    }

    func toggleDockerfile(_ state: inout DashboardState) {
        if state.dockerfile != nil {
            state.dockerfile = nil
        } else {
            let fixed = state.detail?.eventID ?? (state.focus == .events ? state.selectedEvent?.id : nil)
            state.dockerfile = DockerfileViewer(eventID: fixed)
            state.detail = nil
        }
        state.want(.full)
    }

    func editFilter(_ key: Key, _ state: inout DashboardState) {
        switch LineEditor.apply(key, to: &state.filterText) {
        case .submitted: state.editingFilter = false
        case .cancelled:
            state.editingFilter = false
            state.filterText = ""
        case .edited: break
        case .ignored: return
        }
        state.cursors[.repositories] = ListCursor()
        state.cursors[.events] = ListCursor()
        state.want(.full)
    }

    // MARK: - Detail and Dockerfile views

    /// Keys the detail view takes; false lets the dashboard handle the key.
    func handleDetail(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var detail = state.detail else { return false }
        let inner = state.layout.overlay.inner
        let page = max(1, state.layout.overlay.height - 3)
        let count = DetailContent.lines(for: state, width: inner.width).count
        switch key {
        case .escape, .left, .character("h"): state.detail = nil
        case .enter, .character("i"):
            state.inspector = InspectorView(eventID: detail.eventID)
        case .character("y"), .character("Y"), .character("r"):
            act(on: key, &state)
            return true
        default:
            guard let motion = Motion(key) else { return false }
            detail.top = motion.scroll(detail.top, page: page, lastTop: max(0, count - inner.height))
            state.detail = detail
        }
        state.want(.full)
        return true
    }

    /// Keys the raw request inspector takes; false lets the dashboard handle the key.
    func handleInspector(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var inspector = state.inspector else { return false }
        let inner = state.layout.overlay.inner
        let count = state.data.focusedRequests.count
        switch key {
        case .escape, .left, .character("h"), .character("i"):
            state.detail = DetailView(eventID: inspector.eventID)
        case .enter: return true
        case .character("["), .character("]"):
            guard count > 1 else {
                state.flash =
                    count == 1 ? "one delivery kept of this event" : "no delivery kept of this event"
                return true
            }
            let current = min(inspector.delivery ?? count - 1, count - 1)
            inspector.delivery = max(0, min(count - 1, current + (key == .character("]") ? 1 : -1)))
            inspector.top = 0
            state.inspector = inspector
        case .character("y"), .character("Y"), .character("r"):
            act(on: key, &state)
            return true
        default:
            guard let motion = Motion(key) else { return false }
            let lines = InspectorContent.lines(for: state, width: inner.width).count
            inspector.top = motion.scroll(
                inspector.top, page: max(1, inner.height - 1), lastTop: max(0, lines - inner.height))
            state.inspector = inspector
            return true
        }
        state.want(.full)
        return true
    }

    /// `y` copy the body, `Y` copy a `curl` command, `r` re-send: on the delivery the
    /// inspector shows, or from the detail the newest kept.
    func act(on key: Key, _ state: inout DashboardState) {
        guard let eventID = state.inspector?.eventID ?? state.detail?.eventID else { return }
        guard let request = state.selectedRequest else {
            state.flash = InspectorContent.whyNoRequest(state)
            return
        }
        switch key {
        case .character("y"):
            guard request.bodyIsWhole else {
                state.flash = "not copied: the body was cut when kept"
                return
            }
            // Escaped: a hostile body's ESC bytes must not ride along into a terminal on paste.
            state.effects.append(.copy(JSONWriter.escapingUnsafeText(in: request.body), what: "body"))
        case .character("Y"):
            guard request.bodyIsWhole else {
                state.flash = "not copied: the body was cut when kept"
                return
            }
            let command = CurlCommand.command(
                body: request.body, url: state.curlURL,
                contentType: request.contentType ?? "application/json", deliveryID: request.deliveryID)
            state.effects.append(.copy(Array(command.utf8), what: "curl command"))
        default:
            guard state.canResend else {
                state.flash = "re-send needs this hubtop's listener (not with --listen none)"
                return
            }
            state.prompt = Prompt(
                kind: .resendTarget(eventID: eventID, request: request), text: "", behind: state.overlay)
        }
    }

    func handleDockerfile(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var viewer = state.dockerfile else { return false }
        // The viewer takes the moving keys when it has the focus (opened from events, or narrow).
        let lines = DockerfileContent.shownLines(state)
        let page = max(1, state.layout.overlay.height - 3)
        let lastTop = max(0, lines.count - page)
        switch key {
        case .escape: state.dockerfile = nil
        // Nothing to open in the viewer: Enter must not act on the pane behind it.
        case .enter: return true
        case _ where Motion(key) != nil:
            viewer.top = Motion(key)!.scroll(viewer.top, page: page, lastTop: lastTop)
        // Sideways, while a line is wider than the viewer; at the left edge `←` is back, as elsewhere.
        case .right, .character("l"):
            let widest = lines.map { DisplayWidth.of($0) }.max() ?? 0
            let room = DockerfilePane.textWidth(state, lineCount: lines.count)
            guard widest > room + viewer.left else { return viewer.left > 0 }
            viewer.left = min(viewer.left + max(8, room / 2), widest - room)
        case .left where viewer.left > 0, .character("h") where viewer.left > 0:
            let room = DockerfilePane.textWidth(state, lineCount: lines.count)
            viewer.left = max(0, viewer.left - max(8, room / 2))
        case .character("D"):
            viewer.showDiff.toggle()
            viewer.top = 0
            viewer.left = 0
            viewer.matchLine = nil
            state.dockerfile = viewer
            state.want(.full)
            return true
        case .character("P"):
            state.dockerfile = viewer
            switchPlatform(&state)
            return true
        case .character("/"):
            viewer.editingSearch = true
            viewer.search = ""
            viewer.matchLine = nil
        case .character("n"), .character("N"):
            let forward = key == .character("n")
            viewer.matchLine = DockerfileContent.nextMatch(
                of: viewer.search, in: lines, after: viewer.matchLine ?? (forward ? -1 : lines.count),
                forward: forward)
            if let line = viewer.matchLine { viewer.top = min(lastTop, max(0, line - page / 2)) }
        default: return false
        }
        if state.dockerfile != nil { state.dockerfile = viewer }
        return true
    }

    func editSearch(_ key: Key, _ state: inout DashboardState) {
        guard var viewer = state.dockerfile else { return }
        let lines = DockerfileContent.shownLines(state)
        switch LineEditor.apply(key, to: &viewer.search) {
        case .submitted: viewer.editingSearch = false
        case .cancelled:
            viewer.editingSearch = false
            viewer.search = ""
            viewer.matchLine = nil
        case .edited, .ignored: break
        }
        if !viewer.search.isEmpty {
            // Incremental: jump to the first match at or after the current position as you type.
            viewer.matchLine = DockerfileContent.nextMatch(
                of: viewer.search, in: lines, after: max(-1, (viewer.matchLine ?? viewer.top) - 1),
                forward: true)
            let page = max(1, state.layout.overlay.height - 3)
            if let line = viewer.matchLine {
                viewer.top = min(max(0, lines.count - page), max(0, line - page / 2))
            }
        }
        state.dockerfile = viewer
    }

    // MARK: - Registry lookups

    /// `--enrich on-demand`: the Dockerfile viewer or the detail is open on an event (or a diff
    /// base) without a Dockerfile that nobody has asked the registry about yet: ask, once.
    func lookUpImages(_ state: inout DashboardState) {
        guard state.enrichment != .off, state.detail != nil || state.dockerfile != nil else { return }
        var wanted: [(StoredEvent, ImageFacts?)] = []
        if let focused = state.data.focusedEvent { wanted.append((focused, state.data.focusedImage)) }
        if state.dockerfile?.showDiff == true, let base = state.data.diffBase {
            wanted.append((base, state.data.diffBaseImage))
        }
        for (event, facts) in wanted
        where event.payload.repository.dockerfile == nil && event.payload.artifact == nil
            && state.imageLookups[event.id] == nil
        {
            guard let reference = facts?.digest ?? event.tag else {
                state.remember(.failed("the delivery names no tag to look up"), for: event.id)
                continue
            }
            state.remember(.loading, for: event.id)
            state.effects.append(
                .lookUpImage(
                    ImageRequest(eventID: event.id, repository: event.repoName, reference: reference)))
        }
    }

    /// `P`: the next platform of a reconstructed image; its config is fetched when not yet held.
    func switchPlatform(_ state: inout DashboardState) {
        guard let event = state.data.focusedEvent, let image = state.imageLookups[event.id]?.image else {
            state.flash = "no image looked up for this event"
            return
        }
        let runnable = image.platforms.indices.filter { image.platforms[$0].os != "unknown" }
        guard runnable.count > 1 else {
            state.flash = "the image has one platform"
            return
        }
        let current = state.platform(of: event.id, in: image)
        let next = runnable[((runnable.firstIndex(of: current) ?? -1) + 1) % runnable.count]
        state.imagePlatforms[event.id] = next
        state.dockerfile?.top = 0
        if image.platforms[next].config == nil {
            state.effects.append(
                .lookUpImage(
                    ImageRequest(
                        eventID: event.id, repository: event.repoName, reference: image.digest, platform: next
                    )))
        }
    }

    // MARK: - Mouse

    func handle(_ mouse: MouseEvent, _ state: inout DashboardState) {
        guard !state.showHelp, !state.isTooSmall else { return }
        let layout = state.layout
        let coveredByOverlay =
            (state.detail != nil || state.inspector != nil || state.dockerfile != nil)
            && layout.overlay.contains(x: mouse.x, y: mouse.y)
        if coveredByOverlay {
            switch mouse.kind {
            case .wheelUp: update(&state, .key(.up))
            case .wheelDown: update(&state, .key(.down))
            case .press: break
            }
            return
        }
        guard let pane = layout.pane(atX: mouse.x, y: mouse.y), let rect = layout.panes[pane] else { return }
        switch mouse.kind {
        case .press:
            if state.focus != pane { focus(pane, &state) }
            let row = mouse.y - rect.y - 1
            if row >= 0, row < layout.rows(pane) { move(to: state.cursor(pane).top + row, &state) }
        case .wheelUp, .wheelDown:
            let previous = state.focus
            state.focus = pane
            move(by: mouse.kind == .wheelUp ? -3 : 3, &state)
            state.focus = previous
        }
    }

    // MARK: - Snapshots

    /// What the next frame needs from the store, from the state as it is now.
    public func query(_ state: DashboardState) -> SnapshotQuery {
        let layout = state.layout
        var query = SnapshotQuery()
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
        if let id = state.detail?.eventID ?? state.inspector?.eventID {
            query.detailEventID = id
        } else if let viewer = state.dockerfile {
            query.viewerEventID = viewer.eventID
            query.viewerFollowsRepository = viewer.eventID == nil
            query.diff = viewer.showDiff
        }
        return query
    }

    /// Takes in what the store answered.
    func apply(_ snapshot: StoreSnapshot, _ state: inout DashboardState) {
        state.wants = nil
        state.data.totals = snapshot.totals
        // The bell: at most once a second, for an event that arrived since the last look and
        // matches the filter. Redeliveries are not new events.
        if state.bell, snapshot.newMatchingID != nil, state.now - state.lastBellAt >= 1 {
            state.lastBellAt = state.now
            state.effects.append(.bell)
        }
        state.bellSeenID = max(state.bellSeenID, snapshot.totals.newestID)
        guard snapshot.scope > .totals else { return }
        state.data.eventsPerMinute = Double(snapshot.eventsInLastMinute)
        state.data.activity = snapshot.activity
        state.data.sparklines = snapshot.sparklines
        if snapshot.scope == .full {
            state.data.repositories = snapshot.repositories
            state.cursors[.repositories] = snapshot.repositoryCursor
            state.data.tags = snapshot.tags
            state.cursors[.tags] = snapshot.tagCursor
            state.data.pushers = snapshot.pushers
            state.cursors[.pushers] = snapshot.pusherCursor
            state.data.history = snapshot.history
            state.data.eventTotal = snapshot.historyTotal
            state.cursors[.events] = snapshot.historyCursor
            state.data.focusedEvent = snapshot.focusedEvent
            state.data.focusedOutcomes = snapshot.focusedOutcomes
            state.data.focusedRequests = snapshot.focusedRequests
            state.data.keepsRequests = snapshot.keepsRequests
            state.data.diffBase = snapshot.diffBase
            state.data.focusedImage = snapshot.focusedImage
            state.data.diffBaseImage = snapshot.diffBaseImage
            state.data.focusedArtifacts = snapshot.focusedArtifacts
            state.keepRow = nil
            lookUpImages(&state)
        }
        state.data.staleCount = state.data.repositories.count { state.isStale($0) }
    }
}
