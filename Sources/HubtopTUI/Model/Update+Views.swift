import HubtopCore

/// Keys of the open views: detail, inspector, Dockerfile viewer and its search.
extension DashboardModel {
    /// Keys the detail view takes (`KeyMap` says which); false lets the dashboard handle the key.
    func handleDetail(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var detail = state.detail, let action = KeyMap.viewAction(for: key, in: .detail) else {
            return false
        }
        switch action {
        case .close: state.detail = nil
        case .inspect: state.inspector = InspectorView(eventID: detail.eventID)
        case .copyBody, .copyCurl, .resend:
            act(action, &state)
            return true
        case .scroll(let motion):
            let inner = state.layout.overlay.inner
            let count = DetailContent.lines(for: state, width: inner.width).count
            detail.viewport.scroll(motion, lines: count, rows: inner.height)
            state.detail = detail
        default: return false
        }
        state.want(.full)
        return true
    }

    /// Keys the raw request inspector takes (`KeyMap` says which); false lets the dashboard
    /// handle the key.
    func handleInspector(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var inspector = state.inspector, let action = KeyMap.viewAction(for: key, in: .inspector)
        else { return false }
        let count = state.data.focusedRequests.count
        switch action {
        case .close: state.detail = DetailView(eventID: inspector.eventID)
        case .swallow: return true
        case .delivery(let step):
            guard count > 1 else {
                state.flash =
                    count == 1 ? "one delivery kept of this event" : "no delivery kept of this event"
                return true
            }
            let current = min(inspector.delivery ?? count - 1, count - 1)
            inspector.delivery = max(0, min(count - 1, current + step))
            inspector.viewport = Viewport()
            state.inspector = inspector
        case .copyBody, .copyCurl, .resend:
            act(action, &state)
            return true
        case .scroll(let motion):
            let inner = state.layout.overlay.inner
            // The width the pane draws it at (a column is kept for the margin).
            let lines = InspectorContent.lines(for: state, width: inner.width - 1).count
            inspector.viewport.scroll(motion, lines: lines, rows: inner.height)
            state.inspector = inspector
            return true
        default: return false
        }
        state.want(.full)
        return true
    }

    /// `y` copy the body, `Y` copy a `curl` command, `r` re-send: on the delivery the
    /// inspector shows, or from the detail the newest kept.
    func act(_ action: KeyMap.ViewAction, _ state: inout DashboardState) {
        guard let eventID = state.inspector?.eventID ?? state.detail?.eventID else { return }
        guard let request = state.selectedRequest else {
            state.flash = InspectorContent.whyNoRequest(state)
            return
        }
        switch action {
        case .copyBody:
            guard request.bodyIsWhole else {
                state.flash = "not copied: the body was cut when kept"
                return
            }
            // Escaped: a hostile body's ESC bytes must not ride along into a terminal on paste.
            state.effects.append(.copy(JSONWriter.escapingUnsafeText(in: request.body), what: "body"))
        case .copyCurl:
            guard request.bodyIsWhole else {
                state.flash = "not copied: the body was cut when kept"
                return
            }
            let command = CurlCommand.command(
                body: request.body, url: state.curlURL,
                contentType: request.contentType ?? "application/json", deliveryID: request.deliveryID)
            state.effects.append(.copy(Array(command.utf8), what: "curl command"))
        case .resend:
            guard state.canResend else {
                state.flash = "re-send needs this hubtop's listener (not with --listen none)"
                return
            }
            state.prompt = Prompt(
                kind: .resendTarget(eventID: eventID, request: request), text: "", behind: state.overlay)
        default: break
        }
    }

    /// Keys the Dockerfile viewer takes (`KeyMap` says which); false lets the dashboard handle
    /// the key.
    func handleDockerfile(_ key: Key, _ state: inout DashboardState) -> Bool {
        guard var viewer = state.dockerfile, let action = KeyMap.viewAction(for: key, in: .dockerfile) else {
            return false
        }
        let lines = DockerfileContent.shownLines(state)
        let rows = state.layout.overlay.inner.height
        switch action {
        case .close: state.dockerfile = nil
        case .swallow: return true
        case .scroll(let motion): viewer.viewport.scroll(motion, lines: lines.count, rows: rows)
        // Sideways, while a line is wider than the viewer; at the left edge `←` is back, as elsewhere.
        case .sideways(let direction):
            let room = DockerfilePane.textWidth(state, lineCount: lines.count)
            if direction > 0 {
                let widest = lines.map { DisplayWidth.of($0) }.max() ?? 0
                guard widest > room + viewer.viewport.left else { return viewer.viewport.left > 0 }
                viewer.viewport.left = min(viewer.viewport.left + max(8, room / 2), widest - room)
            } else {
                guard viewer.viewport.left > 0 else { return false }
                viewer.viewport.left = max(0, viewer.viewport.left - max(8, room / 2))
            }
        case .diff:
            viewer.showDiff.toggle()
            viewer.viewport = Viewport()
            viewer.matchLine = nil
            state.dockerfile = viewer
            state.want(.full)
            return true
        case .platform:
            state.dockerfile = viewer
            switchPlatform(&state)
            return true
        case .search:
            viewer.editingSearch = true
            viewer.search = ""
            viewer.matchLine = nil
        case .match(let forward):
            viewer.matchLine = DockerfileContent.nextMatch(
                of: viewer.search, in: lines, after: viewer.matchLine ?? (forward ? -1 : lines.count),
                forward: forward)
            if let line = viewer.matchLine { viewer.viewport.center(line, lines: lines.count, rows: rows) }
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
                of: viewer.search, in: lines, after: max(-1, (viewer.matchLine ?? viewer.viewport.top) - 1),
                forward: true)
            if let line = viewer.matchLine {
                viewer.viewport.center(line, lines: lines.count, rows: state.layout.overlay.inner.height)
            }
        }
        state.dockerfile = viewer
    }
}
