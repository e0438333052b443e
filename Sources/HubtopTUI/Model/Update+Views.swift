import HubtopCore

/// Keys of the open views: detail, inspector, Dockerfile viewer and its search.
extension DashboardModel {
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
}
