import HubtopCore

/// The Dockerfile viewer, drawn over the right side (or the whole body when narrow).
enum DockerfilePane {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        guard let viewer = state.dockerfile else { return }
        buffer.fill(rect, style: Style(.text))
        let event = state.data.focusedEvent
        var title = "Dockerfile"
        if let event {
            title +=
                " — \(TerminalSanitizer.line(event.repoName)):\(TerminalSanitizer.line(event.tag ?? "(no tag)")) #\(event.id)"
        }
        if viewer.showDiff {
            return drawDiff(state, viewer, rect, &buffer)
        }
        let lines = DockerfileContent.lines(of: event)
        if !viewer.search.isEmpty {
            title +=
                " · /\(TerminalSanitizer.line(viewer.search)) \(DockerfileContent.matchCount(of: viewer.search, in: lines)) lines"
        }
        buffer.box(rect, style: Style(.borderFocused), title: title, titleStyle: Style(.titleFocused))
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        guard event != nil else {
            buffer.write(
                " no event selected", x: inner.x, y: inner.y, maxWidth: inner.width, style: Style(.muted))
            return
        }
        guard !lines.isEmpty else {
            buffer.write(
                " no Dockerfile in this event", x: inner.x, y: inner.y, maxWidth: inner.width,
                style: Style(.muted))
            return
        }
        let highlighted = DockerfileContent.highlight(lines)
        let gutter = String(lines.count).count + 1
        let top = min(viewer.top, max(0, lines.count - inner.height))
        for row in 0..<inner.height {
            let index = top + row
            guard index < lines.count else { break }
            let y = inner.y + row
            buffer.write(
                DisplayWidth.fit(String(index + 1), to: gutter, alignRight: true) + " ", x: inner.x, y: y,
                style: Style(.lineNumber))
            var x = inner.x + gutter + 1
            for span in highlighted[index] {
                x += buffer.write(span.text, x: x, y: y, maxWidth: inner.maxX - x, style: Style(span.role))
                if x >= inner.maxX { break }
            }
            if !viewer.search.isEmpty, lines[index].lowercased().contains(viewer.search.lowercased()) {
                markMatches(
                    of: viewer.search, in: lines[index], x: inner.x + gutter + 1, y: y, limit: inner.maxX,
                    &buffer)
            }
            if viewer.matchLine == index {
                buffer.write("▶", x: inner.x, y: y, style: Style(.searchMatch))
            }
        }
        if lines.count > inner.height {
            let position = " \(top + 1)-\(min(lines.count, top + inner.height))/\(lines.count) "
            buffer.write(
                position, x: rect.maxX - DisplayWidth.of(position) - 2, y: rect.maxY - 1,
                style: Style(.titleFocused))
        }
    }

    static func drawDiff(
        _ state: DashboardState, _ viewer: DockerfileViewer, _ rect: Rect, _ buffer: inout CellBuffer
    ) {
        let event = state.data.focusedEvent
        let base = state.data.diffBase
        var title = "Dockerfile diff"
        if let event {
            title += " — \(TerminalSanitizer.line(event.repoName))"
            title +=
                base.map { " #\($0.id) (\(TerminalSanitizer.line($0.tag ?? "no tag"))) → #\(event.id)" }
                ?? " #\(event.id)"
            title += " (\(TerminalSanitizer.line(event.tag ?? "no tag")))"
        }
        buffer.box(
            rect, style: Style(.borderFocused), title: title + " · D plain", titleStyle: Style(.titleFocused))
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        guard let event, event.payload.repository.dockerfile != nil else {
            buffer.write(
                " no Dockerfile in this event", x: inner.x, y: inner.y, maxWidth: inner.width,
                style: Style(.muted))
            return
        }
        guard base != nil else {
            buffer.write(
                " first Dockerfile seen for this repository: nothing to compare with", x: inner.x, y: inner.y,
                maxWidth: inner.width, style: Style(.muted))
            return
        }
        let lines = DockerfileContent.diff(base: base, event: event)
        let top = min(viewer.top, max(0, lines.count - inner.height))
        for row in 0..<inner.height {
            let index = top + row
            guard index < lines.count else { break }
            let line = lines[index]
            let (marker, role): (String, Role) =
                switch line.kind {
                case .same: ("  ", .text)
                case .added: ("+ ", .diffAdded)
                case .removed: ("- ", .diffRemoved)
                }
            buffer.write(
                marker + line.text, x: inner.x, y: inner.y + row, maxWidth: inner.width, style: Style(role))
        }
    }

    static func markMatches(
        of needle: String, in line: String, x: Int, y: Int, limit: Int, _ buffer: inout CellBuffer
    ) {
        let lowered = Array(line.lowercased())
        let target = Array(needle.lowercased())
        let characters = Array(line)
        guard lowered.count == characters.count, !target.isEmpty, target.count <= lowered.count else {
            return
        }
        var column = x
        var index = 0
        while index < characters.count {
            if index + target.count <= lowered.count && Array(lowered[index..<index + target.count]) == target
            {
                let text = String(characters[index..<index + target.count])
                column += buffer.write(
                    text, x: column, y: y, maxWidth: max(0, limit - column), style: Style(.searchMatch))
                index += target.count
            } else {
                column += DisplayWidth.of(characters[index])
                index += 1
            }
        }
    }
}

/// The event detail: every field of the delivery.
enum DetailPane {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        guard let detail = state.detail else { return }
        buffer.fill(rect, style: Style(.text))
        let title = "Event #\(detail.eventID) — Esc back · d Dockerfile"
        buffer.box(rect, style: Style(.borderFocused), title: title, titleStyle: Style(.titleFocused))
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        let lines = DetailContent.lines(
            for: state.data.focusedEvent, outcomes: state.data.focusedOutcomes, width: inner.width)
        let top = min(detail.top, max(0, lines.count - inner.height))
        let labelWidth = 14
        for row in 0..<inner.height {
            let index = top + row
            guard index < lines.count else { break }
            let line = lines[index]
            let y = inner.y + row
            buffer.write(
                " " + DisplayWidth.fit(line.label, to: labelWidth), x: inner.x, y: y, style: Style(.muted))
            buffer.write(
                line.value, x: inner.x + labelWidth + 2, y: y, maxWidth: inner.width - labelWidth - 2,
                style: Style(line.role))
        }
        if lines.count > inner.height {
            let position = " \(top + 1)-\(min(lines.count, top + inner.height))/\(lines.count) "
            buffer.write(
                position, x: rect.maxX - DisplayWidth.of(position) - 2, y: rect.maxY - 1,
                style: Style(.titleFocused))
        }
    }
}
