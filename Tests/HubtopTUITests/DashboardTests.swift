import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopTUI

/// A store with a few events and a model/state pair over it, driven only through `update`.
struct Fixture {
    let store: EventStore
    let rejections = RejectionCounter()
    var model: DashboardDriver { DashboardDriver(store: store, rejections: rejections) }
    var state: DashboardState

    init(width: Int = 120, height: Int = 40, requestBudget: Int = 0) {
        store = EventStore(requestBudget: requestBudget)
        state = DashboardState(
            width: width, height: height, now: 1_000_000, webhookURL: "http://h/hook/ab…cd")
    }

    @discardableResult
    func post(
        _ repo: String, tag: String? = "latest", pusher: String = "alice", at time: Double,
        dockerfile: String? = nil
    )
        -> StoreChange
    {
        store.ingest(
            makePayload(
                repo: repo, tag: tag, pusher: pusher, pushedAt: time, dockerfile: dockerfile,
                images: ["sha256:1"]),
            receivedAt: time)
    }

    mutating func send(_ messages: Message...) {
        for message in messages { model.update(&state, message) }
    }

    mutating func type(_ text: String) {
        for character in text { send(.key(.character(character))) }
    }

    var screen: String { View.render(state).text }
}

@Suite struct DashboardTests {
    func populated() -> Fixture {
        var fixture = Fixture()
        fixture.post(
            "acme/api", tag: "v1", pusher: "alice", at: 999_000, dockerfile: "FROM alpine\nRUN true\n")
        fixture.post("acme/web", tag: "latest", pusher: "bob", at: 999_100)
        fixture.post("other/tool", tag: "v2", pusher: "carol", at: 999_200, dockerfile: "# hi\nFROM debian\n")
        fixture.post("acme/api", tag: "v2", pusher: "bob", at: 999_300, dockerfile: "FROM alpine:3\n")
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test func panesShowRepositoriesTagsPushersAndHistory() {
        let fixture = populated()
        let screen = fixture.screen
        for text in [
            "[1] Repositories", "[2] Tags of acme/api", "[3] Pushers", "[4] Events", "acme/web", "other/tool",
        ] {
            #expect(screen.contains(text), "missing \(text)")
        }
        #expect(screen.contains("acme/api:v2"))
        #expect(screen.contains("carol"))
        #expect(screen.contains("events 4"))
        #expect(screen.contains("LIVE"))
        // Newest first in the history.
        let lines = screen.split(separator: "\n")
        let first = lines.firstIndex { $0.contains("acme/api:v2") }!
        let last = lines.firstIndex { $0.contains("acme/api:v1") }!
        #expect(first < last)
    }

    @Test func tabAndNumbersMoveTheFocus() {
        var fixture = populated()
        #expect(fixture.state.focus == .repositories)
        fixture.send(.key(.tab))
        #expect(fixture.state.focus == .tags)
        fixture.send(.key(.backTab), .key(.backTab))
        #expect(fixture.state.focus == .events)
        fixture.send(.key(.character("3")))
        #expect(fixture.state.focus == .pushers)
    }

    @Test func movingSelectsAndTheTagsPaneFollows() {
        var fixture = populated()
        #expect(fixture.state.selectedRepository == "acme/api")
        fixture.send(.key(.character("j")))
        #expect(fixture.state.selectedRepository == "other/tool")
        #expect(fixture.state.data.tags.map(\.tag) == ["v2"])
        fixture.send(.key(.end))
        #expect(fixture.state.selectedRepository == "acme/web")
        fixture.send(.key(.up), .key(.home))
        #expect(fixture.state.cursor(.repositories).selected == 0)
        fixture.send(.key(.down), .key(.down), .key(.down), .key(.down))
        #expect(fixture.state.cursor(.repositories).selected == 2, "stops at the last row")
    }

    @Test func enterOnARepositoryNarrowsTheOtherPanes() {
        var fixture = populated()
        fixture.send(.key(.enter))
        #expect(fixture.state.narrowedRepository == "acme/api")
        #expect(fixture.state.data.eventTotal == 2)
        #expect(fixture.state.data.pushers.map(\.name).sorted() == ["alice", "bob"])
        #expect(fixture.screen.contains("repo=acme/api"))
        fixture.send(.key(.escape))
        #expect(fixture.state.narrowedRepository == nil)
        #expect(fixture.state.data.eventTotal == 4)
    }

    @Test func enterOnATagOrPusherNarrowsEvents() {
        var fixture = populated()
        fixture.send(.key(.character("2")), .key(.down), .key(.enter))
        #expect(fixture.state.narrowedTag == .some("v1"))
        #expect(fixture.state.data.events.map(\.tag) == ["v1"])
        fixture.send(.key(.character("c")))
        #expect(fixture.state.narrowedTag == nil && fixture.state.narrowedRepository == nil)
        fixture.send(.key(.character("3")))
        let carol = fixture.state.data.pushers.firstIndex { $0.name == "carol" }!
        fixture.send(.mouse(MouseEvent(x: 0, y: 0, kind: .press)))
        for _ in 0..<carol { fixture.send(.key(.down)) }
        fixture.send(.key(.enter))
        #expect(fixture.state.data.events.map(\.repoName) == ["other/tool"])
    }

    @Test func slashFiltersAsYouTypeEnterKeepsEscClears() {
        var fixture = populated()
        fixture.send(.key(.character("/")))
        #expect(fixture.state.editingFilter)
        fixture.type("ACM")
        #expect(fixture.state.data.repositories.map(\.name).sorted() == ["acme/api", "acme/web"])
        #expect(fixture.state.data.eventTotal == 3)
        #expect(fixture.screen.contains("/ ACM"))
        fixture.send(.key(.backspace), .key(.enter))
        #expect(!fixture.state.editingFilter)
        #expect(fixture.state.filterText == "AC")
        #expect(fixture.screen.contains("filter: /AC"))
        fixture.send(.key(.character("/")), .key(.escape))
        #expect(fixture.state.filterText.isEmpty)
        #expect(fixture.state.data.repositories.count == 3)
    }

    @Test func pauseFreezesTheViewAndCountsNewEvents() {
        var fixture = populated()
        fixture.send(.key(.character("4")), .key(.down))
        let selected = fixture.state.selectedEvent?.id
        fixture.send(.key(.character("p")))
        #expect(fixture.state.paused)
        fixture.post("new/one", at: 999_400)
        fixture.post("new/two", at: 999_500)
        fixture.send(.storeChanged)
        #expect(fixture.state.newSincePause == 2)
        #expect(fixture.screen.contains("PAUSED +2 new"))
        #expect(fixture.state.selectedEvent?.id == selected)
        #expect(!fixture.state.data.events.contains { $0.repoName.hasPrefix("new/") })
        fixture.send(.key(.down), .key(.up))
        #expect(fixture.state.selectedEvent?.id == selected, "moving while paused does not show new events")
        fixture.send(.key(.character(" ")))
        #expect(!fixture.state.paused)
        #expect(fixture.state.data.eventTotal == 6)
        #expect(fixture.state.selectedEvent?.id == selected, "the selection stays on its event")
    }

    @Test func liveSelectionAtTheTopFollowsNewEvents() {
        var fixture = populated()
        fixture.send(.key(.character("4")))
        fixture.post("new/one", at: 999_400)
        fixture.send(.storeChanged)
        #expect(fixture.state.selectedEvent?.repoName == "new/one")
        #expect(fixture.state.selectedRepository == "new/one", "repositories follow too")
    }

    @Test func dockerfileViewerShowsHighlightsAndSearches() {
        var fixture = populated()
        fixture.send(.key(.character("d")))
        var screen = fixture.screen
        #expect(screen.contains("Dockerfile — acme/api:v2"))
        #expect(screen.contains("1 FROM alpine:3"))
        fixture.send(.key(.escape), .key(.character("j")), .key(.character("d")))
        screen = fixture.screen
        #expect(screen.contains("2 FROM debian"))
        fixture.send(.key(.character("/")))
        fixture.type("debian")
        fixture.send(.key(.enter))
        #expect(fixture.state.dockerfile?.matchLine == 1)
        #expect(fixture.screen.contains("/debian 1 lines"))
        fixture.send(.key(.character("d")))
        #expect(fixture.state.dockerfile == nil)
        fixture.send(.key(.down), .key(.character("d")))
        #expect(fixture.screen.contains("no Dockerfile in this delivery"))
    }

    @Test func enterOnAnEventOpensEveryField() {
        var fixture = populated()
        fixture.send(.key(.character("4")), .key(.enter))
        let screen = fixture.screen
        #expect(fixture.state.detail != nil)
        for text in [
            "Event #4", "repository", "acme/api", "pusher", "bob", "received", "deliveries", "images",
            "repairs",
        ] {
            #expect(screen.contains(text), "missing \(text)")
        }
        fixture.send(.key(.character("d")))
        #expect(fixture.state.dockerfile?.eventID == 4)
        fixture.send(.key(.escape))
        #expect(fixture.state.dockerfile == nil && fixture.state.detail == nil)
    }

    @Test func helpListsEveryKeyAndQuitWorks() {
        var fixture = populated()
        fixture.send(.key(.character("?")))
        let screen = fixture.screen
        for key in ["Tab Shift-Tab", "PgUp PgDn", "g G Home End", "p Space", "q Ctrl-C", "/"] {
            #expect(screen.contains(key), "missing \(key)")
        }
        fixture.send(.key(.character("q")))
        #expect(!fixture.state.showHelp && !fixture.state.quit)
        fixture.send(.key(.character("q")))
        #expect(fixture.state.quit)
        var other = populated()
        other.send(.key(.control("c")))
        #expect(other.state.quit)
    }

    @Test func aHelpLongerThanTheScreenScrolls() {
        var fixture = Fixture(width: 80, height: 24)
        fixture.send(.key(.character("?")))
        #expect(fixture.screen.contains("Keys 1-19/41"))
        #expect(!fixture.screen.contains("q Ctrl-C"), "the last keys are below the fold at first")
        fixture.send(.key(.character("G")))
        #expect(fixture.screen.contains("q Ctrl-C") && fixture.screen.contains("Keys 23-41/41"))
        fixture.send(.key(.up))
        #expect(fixture.screen.contains("Keys 22-40/41"))
        fixture.send(.key(.escape), .key(.character("?")))
        #expect(fixture.screen.contains("Keys 1-19/41"), "it opens at the top again")
    }

    @Test func layoutsFitTheTerminal() {
        for (width, height) in [(60, 16), (80, 24), (99, 30), (100, 30), (120, 40), (250, 70)] {
            let layout = Layout(width: width, height: height)
            for (pane, rect) in layout.panes {
                #expect(
                    rect.x >= 0 && rect.maxX <= width && rect.y >= 2 && rect.maxY <= height - 1,
                    "\(pane) at \(width)×\(height)")
                #expect(rect.height >= 3 && rect.width >= 12, "\(pane) usable at \(width)×\(height)")
                for (other, otherRect) in layout.panes where other != pane {
                    let overlaps =
                        rect.x < otherRect.maxX && otherRect.x < rect.maxX && rect.y < otherRect.maxY
                        && otherRect.y < rect.maxY
                    #expect(!overlaps, "\(pane) overlaps \(other) at \(width)×\(height)")
                }
            }
        }
        var fixture = populated()
        fixture.send(.resize(width: 59, height: 30))
        #expect(fixture.screen.contains("terminal too small — need 60×16"))
        fixture.send(.resize(width: 60, height: 16))
        #expect(fixture.screen.contains("[4] Events"))
    }

    @Test func everyScreenLineFitsItsWidthWithHostileAndWideText() {
        var fixture = Fixture(width: 70, height: 20)
        fixture.post("evil/\u{1B}]2;PWNED\u{07}name", tag: "t\u{1B}[31m", pusher: "日本語のユーザー名前", at: 999_000)
        fixture.post("emoji/🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀", tag: "✨", pusher: "e\u{301}ve", at: 999_100)
        fixture.model.refresh(&fixture.state)
        for keys in [[], [Key.character("4"), .enter], [.escape, .character("d")]] {
            for key in keys { fixture.send(.key(key)) }
            let buffer = View.render(fixture.state)
            for y in 0..<buffer.height {
                #expect(
                    DisplayWidth.of(buffer.row(y)) == 70, "row \(y) is \(DisplayWidth.of(buffer.row(y))) wide"
                )
            }
            #expect(!buffer.text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" })
        }
    }

    @Test func ticksMoveAgesAndRates() {
        var fixture = populated()
        fixture.send(.tick(now: 999_330))
        #expect(fixture.state.data.eventsPerMinute == 1)
        #expect(fixture.screen.contains("1/min"))
        #expect(fixture.screen.contains("30s"))
    }

    @Test func mouseClicksFocusAndSelectWheelScrolls() {
        var fixture = populated()
        let layout = Layout(width: 120, height: 40)
        let events = layout.panes[.events]!
        fixture.send(.mouse(MouseEvent(x: events.x + 5, y: events.y + 3, kind: .press)))
        #expect(fixture.state.focus == .events)
        #expect(fixture.state.cursor(.events).selected == 2)
        let repositories = layout.panes[.repositories]!
        fixture.send(.mouse(MouseEvent(x: repositories.x + 3, y: repositories.y + 2, kind: .wheelDown)))
        #expect(fixture.state.focus == .events, "the wheel scrolls without moving the focus")
        #expect(fixture.state.cursor(.repositories).selected == 2)
    }

    @Test func dockerfileHighlighting() {
        let lines = ["# comment", "FROM alpine AS base", "RUN echo \"hi\" \\", "    && true", "  copy a b"]
        let spans = DockerfileContent.highlight(lines)
        #expect(spans[0].map(\.role) == [.dockerfileComment])
        #expect(spans[1].first == DockerfileContent.Span(text: "FROM", role: .dockerfileInstruction))
        #expect(spans[2].contains { $0.role == .dockerfileString && $0.text == "\"hi\"" })
        #expect(spans[3].allSatisfy { $0.role == .dockerfileContinuation })
        #expect(spans[4].contains { $0.role == .dockerfileInstruction && $0.text == "copy" })
        #expect(DockerfileContent.expandTabs("a\tb") == "a       b")
    }

    @Test func theHeaderNamesTheTopRejectionReasons() {
        var fixture = populated()
        for _ in 0..<3 { fixture.rejections.count("rate_limited") }
        fixture.rejections.count("invalid_payload")
        fixture.send(.tick(now: 1_000_000))
        #expect(fixture.screen.contains("rejected 4 (rate_limited 3, invalid_payload 1)"))
    }

    @Test func capitalDShowsTheDiffAgainstThePreviousDifferentDockerfile() {
        var fixture = populated()
        // acme/api: #1 "FROM alpine / RUN true", #4 "FROM alpine:3".
        fixture.send(.key(.character("D")))
        let screen = fixture.screen
        #expect(fixture.state.dockerfile?.showDiff == true)
        #expect(screen.contains("Dockerfile diff — acme/api #1 (v1) → #4 (v2)"))
        #expect(screen.contains("- FROM alpine"))
        #expect(screen.contains("- RUN true"))
        #expect(screen.contains("+ FROM alpine:3"))
        fixture.send(.key(.character("D")))
        #expect(fixture.state.dockerfile?.showDiff == false)
        #expect(fixture.screen.contains("1 FROM alpine:3"))
        // other/tool has a single Dockerfile: nothing to compare with.
        fixture.send(.key(.escape), .key(.character("j")), .key(.character("D")))
        #expect(fixture.screen.contains("no earlier Dockerfile of this repository"))
    }
}

/// `update` alone: data arrives as a `.read` message, so no store is needed.
@Suite struct PureUpdateTests {
    func snapshot(_ repositories: [String]) -> DashboardRead {
        var snapshot = DashboardRead()
        snapshot.data.repositories = repositories.enumerated().map { index, name in
            RepositorySummary(
                name: name, events: 1, lastPushedAt: 999_000, lastReceivedAt: 999_000,
                lastEventID: UInt64(repositories.count - index), isPrivate: false, isOfficial: false,
                isTrusted: false, tagCount: 1)
        }
        snapshot.data.totals = StoreTotals(events: repositories.count, repositories: repositories.count)
        return snapshot
    }

    @Test func keysAskForDataAndSnapshotsFillThePanes() {
        let model = DashboardModel()
        var state = DashboardState(width: 120, height: 40, now: 1_000_000, webhookURL: "u")
        model.update(&state, .read(snapshot(["acme/api", "acme/web"])))
        #expect(state.wants == nil)
        #expect(View.render(state).text.contains("acme/web"))
        // Moving asks for a snapshot that keeps the selection on acme/web.
        model.update(&state, .key(.down))
        #expect(state.wants == .full)
        let query = model.query(state)
        #expect(query.keepRepository == "acme/web")
        #expect(query.repositories.cursor.selected == 1)
        // A tick asks only for what moves with the clock.
        model.update(&state, .read(snapshot(["acme/api", "acme/web"])))
        model.update(&state, .tick(now: 1_000_001))
        #expect(state.wants == .activity)
        #expect(model.query(state).scope == .activity)
        // The status message sets the header's counts without a store.
        model.update(
            &state, .status(rejections: ["not_found": 3, "invalid_payload": 1], problem: "disk full"))
        #expect(state.data.rejected == 4)
        #expect(View.render(state).text.contains("disk full"))
    }

    @Test func onlyOneThingIsOpenAtATimeAndEnterInTheViewerActsOnNothingBehindIt() {
        var fixture = DashboardTests().populated()
        fixture.send(.key(.character("4")), .key(.enter))
        #expect(fixture.state.detail != nil)
        // `d` from the detail opens the viewer in its place, not on top of it.
        fixture.send(.key(.character("d")))
        #expect(fixture.state.dockerfile != nil)
        #expect(fixture.state.detail == nil)
        // Enter in the viewer does not narrow or open what is behind it.
        let before = fixture.state
        fixture.send(.key(.character("1")), .key(.enter))
        #expect(fixture.state.dockerfile != nil)
        #expect(fixture.state.narrowedRepository == before.narrowedRepository)
        // Help replaces the viewer; Esc closes help.
        fixture.send(.key(.character("?")))
        #expect(fixture.state.overlay == .help)
        fixture.send(.key(.escape))
        #expect(fixture.state.overlay == nil)
    }
}

/// Artifact pushes and hardened-image change logs on screen.
@Suite struct PushMetadataScreenTests {
    @Test func historyMarksArtifactsAndFixesAndTheDetailListsTheChanges() throws {
        var fixture = Fixture()
        let digest = String(repeating: "cd", count: 32)
        for (index, json) in [
            #"{"push_data":{"tag":"v1","pushed_at":999000},"repository":{"repo_name":"acme/api"}}"#,
            #"{"push_data":{"tag":"sha256-\#(digest).sig","pushed_at":999100},"repository":{"repo_name":"acme/api"}}"#,
            #"{"push_data":{"tag":"3.12","pushed_at":999200,"media_type":"application/vnd.oci.image.index.v1+json"},"repository":{"repo_name":"acme/dhi-python"},"dhi_metadata":{"sha256:\#(digest)":{"change_categories":["vulnerability_fix"],"changes":{"vulnerabilities_fixed":[{"cve_id":"CVE-2026-1234","severity":"high","package":"openssl","fixed_in_version":"3.0.15"}]}}}}"#,
        ].enumerated() {
            fixture.store.ingest(try PayloadDecoder.decode(json), receivedAt: 999_000 + Double(index) * 100)
        }
        fixture.model.refresh(&fixture.state)
        let rows = fixture.screen.split(separator: "\n")
        #expect(
            rows.contains { $0.contains("acme/dhi-python:3.12") && $0.contains("CVE") }, "\(fixture.screen)")
        #expect(rows.contains { $0.contains("sha256-") && $0.contains(" sig") })
        #expect(!rows.contains { $0.contains("acme/api:v1") && ($0.contains(" sig") || $0.contains("CVE")) })
        // The hardened image's detail lists what changed; the signature's names its image.
        let lines = DetailContent.lines(for: fixture.store.event(id: 3), width: 70).map {
            "\($0.label) \($0.value)"
        }
        for text in [
            "media type application/vnd.oci.image.index.v1+json", "DHI platform sha256:",
            "changes vulnerability_fix", "CVEs fixed CVE-2026-1234 (high) in openssl fixed in 3.0.15",
        ] {
            #expect(lines.contains { $0.contains(text) }, "missing \(text)")
        }
        fixture.send(.key(.character("4")), .key(.down), .key(.enter))
        #expect(fixture.state.detail?.eventID == 2)
        #expect(fixture.screen.contains("artifact       signature of"))

        // `a` hides the signature, `f` keeps only the push that fixes vulnerabilities.
        fixture.send(.key(.escape), .key(.character("a")))
        #expect(fixture.state.data.history.map(\.event.id) == [3, 1])
        #expect(fixture.state.data.eventTotal == 2)
        #expect(fixture.screen.contains("no artifacts"))
        fixture.send(.key(.character("f")))
        #expect(fixture.state.data.history.map(\.event.id) == [3])
        #expect(fixture.screen.contains("fixes only"))
        fixture.send(.key(.character("a")), .key(.character("c")))
        #expect(fixture.state.data.history.map(\.event.id) == [3, 2, 1])
    }
}

@Suite struct DockerfileSidewaysTests {
    static let longLine =
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git"
        + " build-essential pkg-config libssl-dev && rm -rf /var/lib/apt/lists/* # END-OF-LINE"

    @Test func aLineWiderThanTheViewerScrollsSidewaysAndSaysWhereItGoesOn() {
        var fixture = Fixture(width: 80, height: 24)
        fixture.post("acme/api", at: 1000, dockerfile: "FROM alpine\n" + Self.longLine + "\n")
        fixture.send(.tick(now: 1010), .key(.character("4")), .key(.character("d")))
        #expect(fixture.screen.contains("RUN apt-get update"))
        #expect(!fixture.screen.contains("END-OF-LINE"), "cut at first")
        #expect(fixture.screen.contains("›"), "a mark where the line goes on")
        for _ in 0..<12 { fixture.send(.key(.right)) }
        #expect(fixture.screen.contains("END-OF-LINE"), "its end can be read:\n\(fixture.screen)")
        #expect(fixture.screen.contains("‹"))
        #expect(fixture.state.dockerfile != nil)
        let scrolled = fixture.state.dockerfile?.viewport.left ?? 0
        #expect(scrolled > 0)
        for _ in 0..<12 where (fixture.state.dockerfile?.viewport.left ?? 0) > 0 { fixture.send(.key(.left)) }
        #expect(fixture.state.dockerfile?.viewport.left == 0 && fixture.screen.contains("RUN apt-get update"))
        fixture.send(.key(.left))
        #expect(fixture.state.dockerfile == nil, "at the left edge, ← is back, as elsewhere")
    }
}

@Suite struct OneReadPerFrameTests {
    @Test func aBurstOfKeysTicksAndDeliveriesBetweenTwoFramesCostsOneRead() {
        var fixture = Fixture(width: 120, height: 40)
        fixture.post("acme/api", at: 999_000)
        fixture.send(.tick(now: 1_000_000))
        let model = fixture.model
        let before = fixture.store.readCount
        for index in 0..<40 {
            fixture.post("acme/burst-\(index % 7)", tag: "v\(index)", at: 999_100 + Double(index))
            model.receive(&fixture.state, .storeChanged)
            model.receive(&fixture.state, .key(index.isMultiple(of: 2) ? .down : .tab))
            model.receive(&fixture.state, .tick(now: 1_000_001 + Double(index)))
            model.receive(&fixture.state, .key(.character("c")))
        }
        #expect(fixture.store.readCount == before, "nothing is read between frames")
        model.readStore(&fixture.state)
        #expect(fixture.store.readCount == before + 1, "the frame reads once")
        #expect(fixture.state.data.totals.events == 41, "and that read has everything that arrived")
        #expect(View.render(fixture.state).text.contains("acme/burst-"))
        model.readStore(&fixture.state)
        #expect(fixture.store.readCount == before + 1, "nothing more asked: no second read")
    }
}

/// Every scrolled view moves by one rule (`Viewport`), with the rows it is drawn in.
@Suite struct ViewportTests {
    @Test func endThenUpInTheDockerfileViewerMovesTheViewAtOnce() {
        // Before one viewport, the viewer's End went one line past what the screen shows, so the
        // first ↑ after it moved nothing.
        var fixture = Fixture(width: 80, height: 24)
        let lines = (1...60).map { "RUN step-\($0)" }.joined(separator: "\n")
        fixture.post("acme/api", at: 1000, dockerfile: "FROM alpine\n" + lines + "\n")
        fixture.send(.tick(now: 1010), .key(.character("4")), .key(.character("d")))
        fixture.send(.key(.end))
        #expect(fixture.screen.contains("RUN step-60"), "End shows the last line")
        let atEnd = fixture.screen
        fixture.send(.key(.up))
        #expect(fixture.screen != atEnd, "the first ↑ moves the view")
        #expect(!fixture.screen.contains("RUN step-60"), "one line up: the last line leaves the bottom")
    }

    @Test func pagingMovesByTheRowsShownLessOneInEveryView() {
        var viewport = Viewport()
        viewport.scroll(.pages(1), lines: 100, rows: 10)
        #expect(viewport.top == 9)
        viewport.scroll(.last, lines: 100, rows: 10)
        #expect(viewport.top == 90)
        viewport.scroll(.by(1), lines: 100, rows: 10)
        #expect(viewport.top == 90, "never past the last line on the bottom row")
        #expect(Viewport(top: 95).shownTop(lines: 100, rows: 10) == 90)
        var short = Viewport()
        short.scroll(.pages(1), lines: 5, rows: 10)
        #expect(short.top == 0, "content shorter than the view does not scroll")
    }
}
