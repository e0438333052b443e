import HubtopCore

/// Prompts (export path, re-send target), the filter, pause and going back.
extension DashboardModel {
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
}
