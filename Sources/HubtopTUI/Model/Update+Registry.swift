import HubtopCore

/// Registry lookups the open views ask for, and the mouse.
extension DashboardModel {
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
        state.dockerfile?.viewport.top = 0
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
}
