import HubtopCore

/// The Dockerfile viewer, drawn over the right side (or the whole body when narrow).
enum DockerfilePane {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        guard let viewer = state.dockerfile else { return }
        buffer.fill(rect, style: Style(.text))
        let event = state.data.focusedEvent
        if viewer.showDiff {
            return drawDiff(state, viewer, rect, &buffer)
        }
        let document = DockerfileContent.document(for: event, state)
        let lines = document.lines
        var title = "Dockerfile"
        if let event {
            title =
                (document.isReconstructed ? "Reconstructed Dockerfile" : "Dockerfile") + " — "
                + ListPanes.name(of: event) + " #\(event.id)"
        }
        if !viewer.search.isEmpty {
            title +=
                " · /\(TerminalSanitizer.line(viewer.search)) \(DockerfileContent.matchCount(of: viewer.search, in: lines)) lines"
        }
        buffer.box(rect, style: Style(.borderFocused), title: title, titleStyle: Style(.titleFocused))
        if case .reconstructed(let digest, let platform, let index, let count, let byTag) = document.kind {
            // Which image and platform, in the bottom border: the title keeps the name whole.
            var image = " \(ImageFacts.short(digest)) · \(platform)"
            if count > 1 { image += " \(index)/\(count) · P platform" }
            if byTag { image += " · the tag as it is now" }
            buffer.write(
                image + " ", x: rect.x + 2, y: rect.maxY - 1, maxWidth: max(0, rect.width - 16),
                style: Style(.titleFocused))
        }
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        if case .message(let text) = document.kind {
            for (row, piece) in DetailContent.wrap(text, width: max(10, inner.width - 2)).prefix(inner.height)
                .enumerated()
            {
                buffer.write(
                    " " + piece, x: inner.x, y: inner.y + row, maxWidth: inner.width, style: Style(.muted))
            }
            return
        }
        let highlighted = DockerfileContent.highlight(lines)
        let gutter = String(lines.count).count + 1
        let top = viewer.viewport.shownTop(lines: lines.count, rows: inner.height)
        for row in 0..<inner.height {
            let index = top + row
            guard index < lines.count else { break }
            let y = inner.y + row
            buffer.write(
                DisplayWidth.fit(String(index + 1), to: gutter, alignRight: true) + " ", x: inner.x, y: y,
                style: Style(.lineNumber))
            var x = inner.x + gutter + 1
            for span in Self.spans(highlighted[index], from: viewer.viewport.left) {
                x += buffer.write(span.text, x: x, y: y, maxWidth: inner.maxX - x, style: Style(span.role))
                if x >= inner.maxX { break }
            }
            markCut(
                lines[index], left: viewer.viewport.left, from: inner.x + gutter + 1, to: inner.maxX, y: y,
                &buffer)
            if viewer.viewport.left == 0, !viewer.search.isEmpty,
                lines[index].lowercased().contains(viewer.search.lowercased())
            {
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

    /// Columns for a line's text on this screen (the gutter takes the rest).
    static func textWidth(_ state: DashboardState, lineCount: Int) -> Int {
        max(1, state.layout.overlay.width - 2 - (String(lineCount).count + 2))
    }

    /// A line's spans from display column `left` on.
    static func spans(_ spans: [DockerfileContent.Span], from left: Int) -> [DockerfileContent.Span] {
        guard left > 0 else { return spans }
        var skip = left
        var kept: [DockerfileContent.Span] = []
        for span in spans {
            if skip <= 0 {
                kept.append(span)
                continue
            }
            var text = Substring(span.text)
            while skip > 0, let first = text.first {
                skip -= DisplayWidth.of(String(first))
                text = text.dropFirst()
            }
            if !text.isEmpty { kept.append(DockerfileContent.Span(text: String(text), role: span.role)) }
        }
        return kept
    }

    /// `‹` where a line goes on to the left of the view, `›` where it goes on to the right.
    static func markCut(
        _ line: String, left: Int, from start: Int, to end: Int, y: Int, _ buffer: inout CellBuffer
    ) {
        let width = DisplayWidth.of(line)
        if left > 0, width > 0 { buffer.write("‹", x: start, y: y, style: Style(.muted)) }
        if width - left > end - start { buffer.write("›", x: end - 1, y: y, style: Style(.muted)) }
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
        let document = DockerfileContent.document(for: event, state)
        if case .message(let text) = document.kind {
            buffer.write(" " + text, x: inner.x, y: inner.y, maxWidth: inner.width, style: Style(.muted))
            return
        }
        guard let base else {
            let what = document.isReconstructed ? "image with another digest" : "Dockerfile"
            buffer.write(
                " no earlier \(what) of this repository: nothing to compare with", x: inner.x, y: inner.y,
                maxWidth: inner.width, style: Style(.muted))
            return
        }
        if case .message(let text) = DockerfileContent.document(for: base, state).kind {
            buffer.write(
                " #\(base.id): " + text, x: inner.x, y: inner.y, maxWidth: inner.width, style: Style(.muted))
            return
        }
        let lines = DockerfileContent.diff(state)
        let top = viewer.viewport.shownTop(lines: lines.count, rows: inner.height)
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
            let shown = spans(
                [DockerfileContent.Span(text: line.text, role: role)], from: viewer.viewport.left)
            buffer.write(
                marker + (shown.first?.text ?? ""), x: inner.x, y: inner.y + row, maxWidth: inner.width,
                style: Style(role))
            markCut(
                line.text, left: viewer.viewport.left, from: inner.x + 2, to: inner.maxX, y: inner.y + row,
                &buffer)
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
        let lines = DetailContent.lines(for: state, width: inner.width)
        let top = detail.viewport.shownTop(lines: lines.count, rows: inner.height)
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

/// The raw request inspector: one delivery as it arrived, and what hubtop answered.
enum InspectorPane {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        guard let inspector = state.inspector else { return }
        buffer.fill(rect, style: Style(.text))
        var title = "Raw request — "
        if let event = state.data.focusedEvent {
            title += ListPanes.name(of: event) + " "
        }
        title += "#\(inspector.eventID)"
        let count = state.data.focusedRequests.count
        if count > 1 {
            title += " · delivery \(min(inspector.delivery ?? count - 1, count - 1) + 1)/\(count)"
        }
        buffer.box(rect, style: Style(.borderFocused), title: title, titleStyle: Style(.titleFocused))
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        let lines = InspectorContent.lines(for: state, width: inner.width - 1)
        let top = inspector.viewport.shownTop(lines: lines.count, rows: inner.height)
        for row in 0..<inner.height {
            let index = top + row
            guard index < lines.count else { break }
            var x = inner.x + 1
            for span in lines[index] {
                x += buffer.write(
                    span.text, x: x, y: inner.y + row, maxWidth: inner.maxX - x, style: Style(span.role))
                if x >= inner.maxX { break }
            }
        }
        let keys =
            count > 1 ? " [ ] delivery · y body · Y curl · r re-send " : " y body · Y curl · r re-send "
        buffer.write(
            keys, x: rect.x + 2, y: rect.maxY - 1, maxWidth: max(0, rect.width - 16),
            style: Style(.titleFocused))
        if lines.count > inner.height {
            let position = " \(top + 1)-\(min(lines.count, top + inner.height))/\(lines.count) "
            buffer.write(
                position, x: rect.maxX - DisplayWidth.of(position) - 2, y: rect.maxY - 1,
                style: Style(.titleFocused))
        }
    }
}
