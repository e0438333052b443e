import HubtopCore

/// The dashboard's one `update`: every message goes through here, and only here does state
/// change. It never reads the store: data arrives as a `.read` message, which it asks for by
/// setting `state.wants` (`DashboardDriver` answers, once a frame, with
/// `store.read { $0.frame(query(state), data: state.data) }`).
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
                .map { RejectionCount(reason: $0.key, count: $0.value) }
            state.data.problem = problem
        case .headline(let text):
            state.webhookURL = text
        case .read(let read):
            apply(read, &state)
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
                state.helpView.scroll(motion, lines: count, rows: shown)
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
            state.sourceFilter = nil
            state.onlyUnmirrored = false
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
        case .source:
            let sources = state.data.sources
            let next = state.sourceFilter.flatMap { sources.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
            state.sourceFilter = next < sources.count && sources.count > 1 ? sources[next] : nil
            state.cursors[.repositories] = ListCursor()
            state.cursors[.events] = ListCursor()
            state.flash = state.sourceFilter.map { "only \($0.title) repositories" } ?? "every registry"
            state.want(.full)
        case .unmirrored:
            guard let lag = state.mirrorLag else {
                state.flash = "start hubtop with --mirror-lag DURATION to list pushes not mirrored in time"
                return
            }
            state.onlyUnmirrored.toggle()
            state.cursors[.events] = ListCursor()
            state.flash =
                state.onlyUnmirrored
                ? "pushes with a known digest not in another registry within \(DurationText.describe(lag))"
                : "all pushes"
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
            state.dockerfile?.viewport.top = 0
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
}
