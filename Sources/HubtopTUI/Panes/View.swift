import HubtopCore

/// Draws the dashboard state into a cell buffer. Pure: no store, no terminal, no clock.
public enum View {
    public static func render(_ state: DashboardState) -> CellBuffer {
        var buffer = CellBuffer(width: state.width, height: state.height)
        if state.isTooSmall {
            drawTooSmall(state, &buffer)
            return buffer
        }
        let layout = state.layout
        HeaderView.draw(state, layout.header, &buffer)
        for pane in PaneID.allCases {
            guard let rect = layout.panes[pane] else { continue }
            ListPanes.draw(pane, state, rect, &buffer)
        }
        let shown = state.showingViewBehindPrompt
        if shown.detail != nil {
            DetailPane.draw(shown, layout.overlay, &buffer)
        } else if shown.inspector != nil {
            InspectorPane.draw(shown, layout.overlay, &buffer)
        } else if shown.dockerfile != nil {
            DockerfilePane.draw(shown, layout.overlay, &buffer)
        }
        FooterView.draw(state, layout.footer, &buffer)
        if state.showHelp {
            HelpOverlay.draw(
                Rect(x: 0, y: 0, width: state.width, height: state.height), top: state.helpView.top, &buffer)
        }
        return buffer
    }

    static func drawTooSmall(_ state: DashboardState, _ buffer: inout CellBuffer) {
        let lines = [
            "terminal too small — need \(Layout.minimumWidth)×\(Layout.minimumHeight)",
            "now \(state.width)×\(state.height) · q quits",
        ]
        for (offset, line) in lines.enumerated() {
            let width = DisplayWidth.of(line)
            let y = state.height / 2 - 1 + offset
            buffer.write(
                line, x: max(0, (state.width - width) / 2), y: y,
                style: Style(offset == 0 ? .warning : .muted))
        }
    }
}

enum HeaderView {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        buffer.fill(rect, style: Style(.header))
        let status: String
        let statusRole: Role
        if state.paused {
            status = " PAUSED +\(state.newSincePause) new "
            statusRole = .paused
        } else {
            status = " LIVE "
            statusRole = .live
        }
        let statusWidth = DisplayWidth.of(status)
        let bell = state.bell ? " BELL " : ""
        let bellWidth = DisplayWidth.of(bell)
        var x = buffer.write(" hubtop ", x: 0, y: rect.y, style: Style(.headerAccent))
        x += buffer.write(
            " ⇢ " + state.webhookURL, x: x, y: rect.y,
            maxWidth: max(0, rect.width - x - statusWidth - bellWidth - 1),
            style: Style(.header))
        buffer.write(bell, x: rect.width - statusWidth - bellWidth, y: rect.y, style: Style(.headerAccent))
        buffer.write(status, x: rect.width - statusWidth, y: rect.y, style: Style(statusRole))

        let totals = state.data.totals
        var parts = [
            "events \(grouped(totals.events))", "repos \(grouped(totals.repositories))",
            "evicted \(grouped(totals.evicted))", rejectedText(state.data),
            "\(grouped(Int(state.data.eventsPerMinute)))/min",
        ]
        if totals.folded > 0 { parts.insert("redelivered \(grouped(totals.folded))", at: 1) }
        if totals.artifacts > 0 { parts.insert("artifacts \(grouped(totals.artifacts))", at: 1) }
        if state.data.staleCount > 0 { parts.insert("stale \(grouped(state.data.staleCount))", at: 2) }
        // A sender's greeting (a GitHub webhook just made), for ten minutes.
        if let ping = state.data.lastPing, state.now - ping.at < 600 {
            parts.append("✓ " + TerminalSanitizer.line(ping.text) + " " + Timestamp.timeOfDay(ping.at))
        }
        let line = " " + parts.joined(separator: " · ")
        var filters: [String] = []
        if !state.filterText.isEmpty { filters.append("/\(TerminalSanitizer.line(state.filterText))") }
        if let repository = state.narrowedRepository {
            filters.append("repo=\(TerminalSanitizer.line(repository))")
        }
        if let tag = state.narrowedTag { filters.append("tag=\(TerminalSanitizer.line(tag ?? "(none)"))") }
        if let pusher = state.narrowedPusher { filters.append("pusher=\(TerminalSanitizer.line(pusher))") }
        if state.hideArtifacts { filters.append("no artifacts") }
        if state.onlyVulnerabilityFixes { filters.append("fixes only") }
        if let source = state.sourceFilter { filters.append("source=\(source.rawValue)") }
        if state.onlyUnmirrored { filters.append("unmirrored") }
        var used = 0
        if let problem = state.data.problem {
            used = buffer.write(
                " ⚠ " + TerminalSanitizer.line(problem) + " ", x: 0, y: rect.y + 1, maxWidth: rect.width,
                style: Style(.error, [.reverse]))
        }
        used += buffer.write(line, x: used, y: rect.y + 1, maxWidth: rect.width - used, style: Style(.header))
        let filterText = filters.isEmpty ? "" : "  filter: " + filters.joined(separator: " ")
        // Events per minute over the last half hour, when the filters the user set still fit.
        if !state.data.activity.isEmpty
            && rect.width - used > state.data.activity.count + 2 + DisplayWidth.of(filterText)
        {
            used += buffer.write(" ", x: used, y: rect.y + 1, style: Style(.header))
            used += buffer.write(
                Sparkline.render(state.data.activity), x: used, y: rect.y + 1, maxWidth: rect.width - used,
                style: Style(.sparkline))
        }
        if !filters.isEmpty {
            buffer.write(
                filterText, x: used, y: rect.y + 1, maxWidth: rect.width - used, style: Style(.headerAccent))
        }
    }

    /// `rejected 12 (rate_limited 10, invalid_payload 2)`
    static func rejectedText(_ data: DashboardData) -> String {
        var text = "rejected \(grouped(data.rejected))"
        if !data.topRejections.isEmpty {
            text +=
                " (" + data.topRejections.map { "\($0.reason) \(grouped($0.count))" }.joined(separator: ", ")
                + ")"
        }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        guard digits.count > 3 else { return digits }
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return String(out.reversed())
    }
}

enum FooterView {
    static func draw(_ state: DashboardState, _ rect: Rect, _ buffer: inout CellBuffer) {
        if state.editingFilter {
            let x = buffer.write(" / ", x: 0, y: rect.y, style: Style(.key))
            let shown = buffer.write(
                TerminalSanitizer.line(state.filterText) + "▏", x: x, y: rect.y,
                maxWidth: rect.width - x - 28,
                style: Style(.filter))
            buffer.write(
                "  Enter keep · Esc clear", x: x + shown, y: rect.y, maxWidth: rect.width - x - shown,
                style: Style(.muted))
            return
        }
        if let prompt = state.prompt {
            let question: String
            let hint: String
            switch prompt.kind {
            case .exportPath:
                question = " export the filtered events to: "
                hint = "  Enter write (.csv → CSV, else NDJSON) · Esc cancel"
            case .confirmOverwrite(let path):
                question = " \(TerminalSanitizer.line(path)) exists — overwrite? "
                hint = "y yes · any other key no"
            case .resendTarget(_, let request):
                question = " re-send \(TerminalSanitizer.line(request.deliveryID)) to: "
                let targets = state.forwardTargets
                hint =
                    (targets.isEmpty
                        ? "  type a URL"
                        : "  Enter: the --forward target\(targets.count == 1 ? "" : "s") (\(targets.map { TerminalSanitizer.line($0) }.joined(separator: ", "))) or type a URL")
                    + " · Esc cancel"
            }
            let x = buffer.write(question, x: 0, y: rect.y, maxWidth: rect.width, style: Style(.key))
            let shown = buffer.write(
                TerminalSanitizer.line(prompt.text) + "▏", x: x, y: rect.y, maxWidth: rect.width - x,
                style: Style(.filter))
            buffer.write(
                hint, x: x + shown, y: rect.y, maxWidth: rect.width - x - shown, style: Style(.muted))
            return
        }
        if let viewer = state.dockerfile, viewer.editingSearch {
            let x = buffer.write(" search: ", x: 0, y: rect.y, style: Style(.key))
            buffer.write(
                TerminalSanitizer.line(viewer.search) + "▏  Enter keep · Esc cancel", x: x, y: rect.y,
                maxWidth: rect.width - x, style: Style(.filter))
            return
        }
        var x = 0
        if let flash = state.flash {
            x += buffer.write(" " + flash + " ", x: 0, y: rect.y, maxWidth: rect.width, style: Style(.filter))
        }
        for (key, action) in hints(state) {
            guard x < rect.width else { break }
            x += buffer.write(" " + key, x: x, y: rect.y, maxWidth: rect.width - x, style: Style(.key))
            x += buffer.write(
                " " + action + " ", x: x, y: rect.y, maxWidth: rect.width - x, style: Style(.muted))
        }
    }

    static func hints(_ state: DashboardState) -> [(String, String)] {
        if state.showHelp { return [("↑↓", "scroll"), ("Esc", "close help"), ("q", "close")] }
        if state.detail != nil {
            return [
                ("↑↓", "scroll"), ("i", "raw request"), ("y/Y", "copy body/curl"), ("r", "re-send"),
                ("d", "Dockerfile"), ("Esc", "back"), ("q", "quit"),
            ]
        }
        if state.inspector != nil {
            return [
                ("↑↓", "scroll"), ("[ ]", "delivery"), ("y", "copy body"), ("Y", "copy curl"),
                ("r", "re-send"),
                ("Esc", "detail"), ("q", "quit"),
            ]
        }
        if state.dockerfile != nil {
            let platforms =
                state.data.focusedEvent.flatMap { state.imageLookups[$0.id]?.image }
                .map { $0.runnablePlatforms.count > 1 } == true
            return [
                ("↑↓/PgUp/PgDn", "scroll"), ("/", "search"), ("n/N", "next/prev"),
                ("D", state.dockerfile?.showDiff == true ? "plain" : "diff"),
            ] + (platforms ? [("P", "platform")] : []) + [("d/Esc", "close"), ("q", "quit")]
        }
        return KeyMap.paneHints(state)
    }
}

enum HelpOverlay {
    /// Every key with what it does (from the one key map), then what the history's marks mean.
    static let keys: [(String, String)] = KeyMap.bindings.map { ($0.label, $0.help) } + KeyMap.legend

    /// Columns for the keys, before each description.
    static let keyColumns = 19

    /// The box's width on a screen `screenWidth` wide: as wide as the longest line needs, at
    /// most the screen less a margin.
    static func boxWidth(screenWidth: Int) -> Int {
        let longest = keys.map { DisplayWidth.of($0.1) }.max() ?? 0
        return max(20, min(screenWidth - 4, keyColumns + longest + 4))
    }

    /// The rows on a screen `screenWidth` wide: every description whole, wrapped at word
    /// boundaries onto rows without a key when the box cannot hold it on one.
    static func rows(screenWidth: Int) -> [(key: String, text: String)] {
        let textWidth = max(8, boxWidth(screenWidth: screenWidth) - keyColumns - 4)
        return keys.flatMap { key, text in
            DetailContent.wrap(text, width: textWidth).enumerated().map {
                ($0.offset == 0 ? key : "", $0.element)
            }
        }
    }

    /// Rows that fit a screen `height` rows high, of `count`.
    static func shownLines(height: Int, count: Int) -> Int { max(1, min(height - 2, count + 4) - 3) }

    /// The first row shown when `top` is asked for: the last page at most.
    static func lastTop(height: Int, count: Int) -> Int {
        max(0, count - shownLines(height: height, count: count))
    }

    static func draw(_ screen: Rect, top: Int = 0, _ buffer: inout CellBuffer) {
        let rows = rows(screenWidth: screen.width)
        let width = boxWidth(screenWidth: screen.width)
        let height = min(screen.height - 2, rows.count + 4)
        let rect = Rect(
            x: (screen.width - width) / 2, y: (screen.height - height) / 2, width: width, height: height)
        buffer.fill(rect, style: Style(.text))
        let shown = shownLines(height: screen.height, count: rows.count)
        let top = Viewport(top: top).shownTop(lines: rows.count, rows: shown)
        // Longer than the screen: it scrolls, and the border says so.
        let title =
            shown < rows.count
            ? "Keys \(top + 1)-\(top + shown)/\(rows.count) ↑↓ — Esc closes" : "Keys — Esc closes"
        buffer.box(rect, style: Style(.borderFocused), title: title, titleStyle: Style(.titleFocused))
        for (index, row) in rows.dropFirst(top).prefix(shown).enumerated() {
            let y = rect.y + 2 + index
            buffer.write(
                DisplayWidth.fit(row.key, to: keyColumns - 1), x: rect.x + 2, y: y, style: Style(.key))
            buffer.write(
                row.text, x: rect.x + 2 + keyColumns, y: y, maxWidth: rect.width - keyColumns - 4,
                style: Style(.text))
        }
    }
}

/// Everything on screen that moves with the clock alone — ages, staleness, whether a history
/// row shows a time of day or a date, and what a tick's snapshot and status bring (rates,
/// sparklines, totals, rejections, the standing problem).
/// When a tick leaves it unchanged the frame would be the same, so the loop skips drawing it:
/// idle with a full store, most ticks cost this instead of a frame.
public struct ClockFace: Equatable, Sendable {
    var ages: [String] = []
    var stale: [Bool] = []
    var recent: [Bool] = []
    var eventsPerMinute = 0.0
    var activity: [Int] = []
    var sparklines: [String: [Int]] = [:]
    var staleCount = 0
    var totals = StoreTotals()
    var rejections: [String] = []
    var problem: String?
    var headline = ""

    public init(_ state: DashboardState) {
        let now = state.now
        func window<T>(_ items: [T], _ pane: PaneID) -> ArraySlice<T> {
            items.dropFirst(state.cursor(pane).top).prefix(max(1, state.layout.rows(pane)))
        }
        let repositories = window(state.data.repositories, .repositories)
        ages = repositories.map { Timestamp.age($0.lastPushedAt, now: now) }
        stale = repositories.map { state.isStale($0) }
        ages += window(state.data.tags, .tags).map { Timestamp.age($0.lastPushedAt, now: now) }
        ages += window(state.data.pushers, .pushers).map { Timestamp.age($0.lastSeen, now: now) }
        // By index: a row copied out of the array would retain its every reference, each tick.
        let history = state.data.history
        recent = history.indices.map {
            ListPanes.showsTimeOfDay(history[$0].event.pushedOrReceivedAt, now: now)
        }
        eventsPerMinute = state.data.eventsPerMinute
        activity = state.data.activity
        sparklines = state.data.sparklines
        staleCount = state.data.staleCount
        totals = state.data.totals
        rejections = ["\(state.data.rejected)"] + state.data.topRejections.map { "\($0.reason) \($0.count)" }
        problem = state.data.problem
        headline = state.webhookURL
    }
}
