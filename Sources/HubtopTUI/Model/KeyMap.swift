/// Every key the dashboard takes, in one table: what the panes do with it (dispatch), what the
/// panes' footer hints, what the help overlay lists, and what `docs/dashboard.md` documents (a
/// test keeps the two equal).
/// Keys that only an open view takes (the detail, the raw request, the Dockerfile viewer) are
/// listed too, with no pane action: those views handle them first.
enum KeyMap {
    /// What a key does on the panes when nothing open takes it.
    enum PaneAction: Equatable, Sendable {
        case quit, help, nextPane, previousPane, choose, back
        case focus(PaneID)
        case move(Motion)
        case filter, clearFilters, pause, dockerfile, inspector, diff
        case artifacts, vulnerabilityFixes, bell, export, theme
    }

    struct Binding: Sendable {
        let keys: [Key]
        let help: String
        /// The footer's word for it on the panes as they are now; nil: not hinted there.
        let hint: @Sendable (DashboardState) -> String?
        /// The action on the panes for each of `keys`; nil: only an open view takes it.
        let action: @Sendable (Key) -> PaneAction?

        init(
            keys: [Key], help: String, hint: @escaping @Sendable (DashboardState) -> String? = { _ in nil },
            action: @escaping @Sendable (Key) -> PaneAction?
        ) {
            self.keys = keys
            self.help = help
            self.hint = hint
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
        Binding(keys: [.up, .down, .character("j"), .character("k")], help: "move") {
            Motion($0).map(PaneAction.move)
        },
        Binding(keys: [.pageUp, .pageDown], help: "page up / down") { Motion($0).map(PaneAction.move) },
        Binding(keys: [.character("g"), .character("G"), .home, .end], help: "first / last") {
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
            }, action: { _ in .choose }),
        Binding(
            keys: [.escape, .left, .character("h")],
            help: "back: close a burst or view, or undo the last narrowing"
        ) { _ in .back },
        Binding(
            keys: [.character("i")], help: "raw request of an event (in it: [ ] delivery, Esc back)",
            hint: { $0.focus == .events ? "raw request" : nil }, action: { _ in .inspector }),
        Binding(
            keys: [.character("["), .character("]")], help: "in the raw request: previous / next delivery"
        ) {
            _ in nil
        },
        Binding(
            keys: [.character("y"), .character("Y"), .character("r")],
            help: "in the detail or raw request: copy body; copy as curl; re-send"
        ) { _ in nil },
        Binding(
            keys: [.character("d")], help: "show / hide the Dockerfile viewer",
            hint: { $0.focus == .pushers ? nil : "Dockerfile" }, action: { _ in .dockerfile }),
        Binding(
            keys: [.right, .left, .character("l"), .character("h")],
            help: "in the viewer: scroll a wide line sideways (› ‹ mark where it goes on)"
        ) { _ in nil },
        Binding(keys: [.character("D")], help: "diff with the previous different Dockerfile") { _ in .diff },
        Binding(keys: [.character("P")], help: "in a reconstructed Dockerfile: the next platform") { _ in nil
        },
        Binding(
            keys: [.character("/")], help: "filter repositories (in the viewer: search)",
            hint: { _ in "filter" }, action: { _ in .filter }),
        Binding(keys: [.character("n"), .character("N")], help: "in the viewer: next / previous match") { _ in
            nil
        },
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
            help: "signature, attestation and SBOM pushes in the history, shown / hidden"
        ) { _ in .artifacts },
        Binding(
            keys: [.character("f")], help: "only pushes that fix vulnerabilities (hardened images), on / off"
        ) {
            _ in .vulnerabilityFixes
        },
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
    ]

    /// The footer's hints on the panes, in the table's order: a binding's first key and its word.
    static func paneHints(_ state: DashboardState) -> [(String, String)] {
        bindings.compactMap { binding in binding.hint(state).map { (name(binding.keys[0]), $0) } }
    }

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
