/// Every key the dashboard takes, in one table: what the panes do with it (dispatch), what the
/// panes' footer hints, what the help overlay lists, and what `docs/dashboard.md` documents (a
/// test keeps the two equal).
/// The open views (the detail, the raw request, the Dockerfile viewer) take keys first, by the
/// same table: a binding says what each of its keys does in each view, if anything.
enum KeyMap {
    /// The views that take keys before the panes.
    enum View: Sendable {
        case detail, inspector, dockerfile
    }

    /// What a key does in an open view.
    enum ViewAction: Equatable, Sendable {
        /// Close the view (the raw request goes back to the detail).
        case close
        /// Detail → the raw request of the event.
        case inspect
        case scroll(Motion)
        /// Sideways through wide lines: +1 right, -1 left.
        case sideways(Int)
        /// The raw request's previous (-1) or next (+1) delivery.
        case delivery(Int)
        case copyBody, copyCurl, resend
        case diff, platform, search
        case match(forward: Bool)
        /// Taken and ignored, so it does not reach the pane behind.
        case swallow
    }

    /// What a key does on the panes when nothing open takes it.
    enum PaneAction: Equatable, Sendable {
        case quit, help, nextPane, previousPane, choose, back
        case focus(PaneID)
        case move(Motion)
        case filter, clearFilters, pause, dockerfile, inspector, diff
        case artifacts, vulnerabilityFixes, source, unmirrored, bell, export, theme
    }

    struct Binding: Sendable {
        let keys: [Key]
        let help: String
        /// The footer's word for it on the panes as they are now; nil: not hinted there.
        let hint: @Sendable (DashboardState) -> String?
        /// The action on the panes for each of `keys`; nil: only an open view takes it.
        let action: @Sendable (Key) -> PaneAction?
        /// The action in each open view; nil: the view leaves the key to the panes.
        let inView: @Sendable (View, Key) -> ViewAction?

        init(
            keys: [Key], help: String, hint: @escaping @Sendable (DashboardState) -> String? = { _ in nil },
            inView: @escaping @Sendable (View, Key) -> ViewAction? = { _, _ in nil },
            action: @escaping @Sendable (Key) -> PaneAction?
        ) {
            self.keys = keys
            self.help = help
            self.hint = hint
            self.inView = inView
            self.action = action
        }

        /// The keys as the help overlay and the documentation name them.
        var label: String { keys.map(KeyMap.name).joined(separator: " ") }
    }

    static let bindings: [Binding] = [
        Binding(
            keys: [.tab, .backTab], help: "next / previous pane", hint: { _ in "pane" },
            action: {
                $0 == .tab ? .nextPane : .previousPane
            }),
        Binding(keys: "1234".map { .character($0) }, help: "jump to Repositories, Tags, Pushers, Events") {
            guard case .character(let digit) = $0, let number = digit.wholeNumberValue else { return nil }
            return PaneID(rawValue: number - 1).map(PaneAction.focus)
        },
        Binding(keys: [.up, .down, .character("j"), .character("k")], help: "move", inView: scroll) {
            Motion($0).map(PaneAction.move)
        },
        Binding(keys: [.pageUp, .pageDown], help: "page up / down", inView: scroll) {
            Motion($0).map(PaneAction.move)
        },
        Binding(keys: [.character("g"), .character("G"), .home, .end], help: "first / last", inView: scroll) {
            Motion($0).map(PaneAction.move)
        },
        Binding(
            keys: [.enter, .right, .character("l")],
            help: "event detail; on a burst ▸ ×N: open it; on a repository, tag, pusher: narrow",
            hint: { state in
                switch state.focus {
                case .repositories: return "narrow"
                case .tags: return "narrow to tag"
                case .pushers: return "narrow to pusher"
                case .events:
                    return state.selectedRow.map { !$0.isMember && $0.size > 1 } == true
                        ? "open burst" : "detail"
                }
            },
            inView: { view, key in
                switch (view, key) {
                case (.detail, .enter): return .inspect
                case (.inspector, .enter): return .swallow
                // Nothing to open in the viewer: Enter must not act on the pane behind it.
                case (.dockerfile, .enter): return .swallow
                default: return nil
                }
            }, action: { _ in .choose }),
        Binding(
            keys: [.escape, .left, .character("h")],
            help: "back: close a burst or view, or undo the last narrowing",
            inView: { view, key in view == .dockerfile && key != .escape ? nil : .close },
            action: { _ in .back }),
        Binding(
            keys: [.character("i")], help: "raw request of an event (in it: [ ] delivery, Esc back)",
            hint: { $0.focus == .events ? "raw request" : nil },
            inView: { view, _ in view == .detail ? .inspect : view == .inspector ? .close : nil },
            action: { _ in .inspector }),
        Binding(
            keys: [.character("["), .character("]")], help: "in the raw request: previous / next delivery",
            inView: { view, key in view == .inspector ? .delivery(key == .character("]") ? 1 : -1) : nil },
            action: { _ in nil }),
        Binding(
            keys: [.character("y"), .character("Y"), .character("r")],
            help: "in the detail or raw request: copy body; copy as curl; re-send",
            inView: { view, key in
                guard view != .dockerfile else { return nil }
                return key == .character("y") ? .copyBody : key == .character("Y") ? .copyCurl : .resend
            },
            action: { _ in nil }),
        Binding(
            keys: [.character("d")], help: "show / hide the Dockerfile viewer",
            hint: { $0.focus == .pushers ? nil : "Dockerfile" }, action: { _ in .dockerfile }),
        Binding(
            keys: [.right, .left, .character("l"), .character("h")],
            help: "in the viewer: scroll a wide line sideways (› ‹ mark where it goes on)",
            inView: { view, key in
                guard view == .dockerfile else { return nil }
                return .sideways(key == .right || key == .character("l") ? 1 : -1)
            }, action: { _ in nil }),
        Binding(
            keys: [.character("D")], help: "diff with the previous different Dockerfile",
            inView: { view, _ in view == .dockerfile ? .diff : nil },
            action: { _ in .diff }),
        Binding(
            keys: [.character("P")], help: "in a reconstructed Dockerfile: the next platform",
            inView: { view, _ in view == .dockerfile ? .platform : nil },
            action: { _ in nil }),
        Binding(
            keys: [.character("/")], help: "filter repositories (in the viewer: search)",
            hint: { _ in "filter" }, inView: { view, _ in view == .dockerfile ? .search : nil },
            action: { _ in .filter }),
        Binding(
            keys: [.character("n"), .character("N")], help: "in the viewer: next / previous match",
            inView: { view, key in view == .dockerfile ? .match(forward: key == .character("n")) : nil },
            action: { _ in nil }),
        Binding(
            keys: [.character("c")], help: "clear all filters", hint: { $0.focus == .events ? "clear" : nil },
            action: { _ in .clearFilters }),
        Binding(
            keys: [.character("p"), .character(" ")], help: "pause / resume live following",
            hint: { $0.paused ? "resume" : "pause" }, action: { _ in .pause }),
        Binding(
            keys: [.character("e")], help: "export the filtered history (NDJSON, or CSV for a .csv path)",
            hint: { $0.focus == .events ? "export" : nil }, action: { _ in .export }),
        Binding(keys: [.character("b")], help: "bell on new events matching the filter, on / off") { _ in
            .bell
        },
        Binding(
            keys: [.character("a")],
            help: "signature, attestation and SBOM pushes in the history, shown / hidden",
            action: { _ in .artifacts }),
        Binding(
            keys: [.character("f")], help: "only pushes that fix vulnerabilities (hardened images), on / off"
        ) {
            _ in .vulnerabilityFixes
        },
        Binding(
            keys: [.character("s")],
            help: "one kind of registry only: all, Docker Hub, GitHub, …"
        ) { _ in .source },
        Binding(
            keys: [.character("m")], help: "only pushes not in another registry within --mirror-lag, on / off"
        ) { _ in .unmirrored },
        Binding(keys: [.character("T")], help: "next colour theme") { _ in .theme },
        Binding(keys: [.character("?")], help: "this help", hint: { _ in "help" }, action: { _ in .help }),
        Binding(
            keys: [.character("q"), .control("c")], help: "quit", hint: { _ in "quit" },
            action: { _ in .quit }),
    ]

    /// Not keys, but what the history's marks mean: the help lists them after the keys.
    static let legend: [(String, String)] = [
        ("mouse", "click focuses and selects; wheel scrolls"),
        ("×N  ↻N", "history: a burst of N deliveries; one push delivered N times"),
        ("same  +sig", "history: a re-push; artifacts folded under it"),
        ("ghcr  2C 1H", "history: the registry; a scan's critical, high counts"),
    ]

    /// The footer's hints on the panes, in the table's order: a binding's first key and its word.
    static func paneHints(_ state: DashboardState) -> [(String, String)] {
        bindings.compactMap { binding in binding.hint(state).map { (name(binding.keys[0]), $0) } }
    }

    /// What `key` does in an open view, if anything (else the panes have it).
    static func viewAction(for key: Key, in view: View) -> ViewAction? {
        for binding in bindings where binding.keys.contains(key) {
            if let action = binding.inView(view, key) { return action }
        }
        return nil
    }

    /// Scrolling, in every view.
    private static func scroll(_ view: View, _ key: Key) -> ViewAction? { Motion(key).map(ViewAction.scroll) }

    /// What `key` does on the panes, if anything.
    static func paneAction(for key: Key) -> PaneAction? {
        for binding in bindings where binding.keys.contains(key) { return binding.action(key) }
        return nil
    }

    /// A key's name as the help and the documentation write it.
    static func name(_ key: Key) -> String {
        switch key {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .control(let letter): return "Ctrl-" + letter.uppercased()
        }
    }
}
