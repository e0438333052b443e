import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopTUI

/// Bursts, sparklines, stale marks, the bell and export, driven through `update` and rendered
/// into a buffer.
@Suite struct InsightDashboardTests {
    /// Three deliveries of acme/api:latest close together, and one of another repository.
    func burst() -> Fixture {
        var fixture = Fixture()
        fixture.post("acme/api", tag: "latest", pusher: "alice", at: 999_900)
        fixture.post("acme/api", tag: "latest", pusher: "bob", at: 999_910)
        fixture.post("other/tool", tag: "v1", pusher: "carol", at: 999_920)
        fixture.post("acme/api", tag: "latest", pusher: "alice", at: 999_930)
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test func aBurstIsOneRowThatOpensAndCloses() {
        var fixture = burst()
        #expect(fixture.state.data.eventTotal == 2)
        #expect(fixture.screen.contains("▸ acme/api:latest"))
        #expect(fixture.screen.contains("×3"))
        fixture.send(.key(.character("4")), .key(.enter))
        #expect(fixture.state.detail == nil, "Enter on a burst opens it, not the detail")
        #expect(fixture.state.data.eventTotal == 5)
        let lines = fixture.screen.split(separator: "\n")
        #expect(lines.contains { $0.contains("▾ acme/api:latest") })
        #expect(lines.filter { $0.contains("│ acme/api:latest") }.count == 3)
        // On a delivery Enter opens its detail; ← closes the burst and selects its row.
        fixture.send(.key(.down), .key(.down))
        #expect(fixture.state.selectedRow?.isMember == true)
        fixture.send(.key(.enter))
        #expect(fixture.state.detail?.eventID == 2)
        fixture.send(.key(.escape), .key(.left))
        #expect(fixture.state.expandedBursts.isEmpty)
        #expect(fixture.state.selectedRow?.size == 3)
        #expect(fixture.state.data.eventTotal == 2)
    }

    @Test func redeliveriesAreMarkedApartFromBursts() {
        var fixture = Fixture()
        let payload = makePayload(
            repo: "acme/api", tag: "v1", pusher: "a", pushedAt: 999_000, callback: "https://hub/cb")
        fixture.store.ingest(payload, receivedAt: 999_000)
        fixture.store.ingest(payload, receivedAt: 999_005)
        fixture.model.refresh(&fixture.state)
        #expect(fixture.screen.contains("↻2"))
        #expect(!fixture.screen.contains("×2"))
    }

    @Test func sparklinesShowTheLastHourPerRepositoryAndOverall() {
        var fixture = Fixture()
        fixture.post("acme/api", at: 1_000_000 - 3000)
        for offset in 0..<4 {
            fixture.post("acme/api", tag: "v\(offset)", at: 1_000_000 - 10 - Double(offset))
        }
        fixture.post("old/repo", at: 1_000_000 - 7200)
        fixture.send(.tick(now: 1_000_000))
        fixture.model.refresh(&fixture.state)
        #expect(fixture.state.data.sparklines["acme/api"] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4])
        #expect(fixture.state.data.sparklines["old/repo"] == Array(repeating: 0, count: 12))
        let row =
            fixture.screen.split(separator: "\n").first { $0.contains("acme/api ") }.map(String.init) ?? ""
        #expect(row.contains("▂") && row.contains("█"), "\(row)")
        #expect(fixture.state.data.activity.last == 4)
        #expect(Sparkline.render([0, 1, 2, 8]) == " ▁▂█")
        #expect(Sparkline.render([1, 1], peak: 8) == "▁▁")
        #expect(Sparkline.downsample([1, 2, 3, 4, 5, 6], to: 3) == [3, 7, 11])
    }

    @Test func staleRepositoriesAreMarked() {
        var fixture = Fixture()
        fixture.state.staleAfter = 3600
        fixture.post("fresh/one", at: 999_000)
        fixture.post("quiet/one", at: 990_000)
        fixture.send(.tick(now: 1_000_000))
        fixture.model.refresh(&fixture.state)
        let lines = fixture.screen.split(separator: "\n")
        #expect(lines.contains { $0.contains("quiet/one") && $0.contains("!2h") })
        #expect(lines.contains { $0.contains("fresh/one") && !$0.contains("!") })
        #expect(lines[1].contains("stale 1"))
    }

    @Test func theBellRingsOnlyForNewMatchingEvents() {
        var fixture = burst()
        fixture.send(.key(.character("b")))
        #expect(fixture.state.bell)
        #expect(fixture.screen.contains("BELL"))
        fixture.post("acme/web", at: 999_950)
        fixture.send(.storeChanged)
        #expect(fixture.state.effects == [.bell])
        fixture.state.effects = []
        // Narrowed to another repository: no bell for acme.
        fixture.type("/other")
        fixture.send(.key(.enter), .tick(now: 1_000_010))
        fixture.post("acme/web", at: 999_960)
        fixture.send(.storeChanged)
        #expect(fixture.state.effects.isEmpty)
        fixture.post("other/tool", tag: "v9", at: 999_970)
        fixture.send(.storeChanged)
        #expect(fixture.state.effects == [.bell])
        fixture.state.effects = []
        // At most once a second; and off means off.
        fixture.post("other/tool", tag: "v10", at: 999_971)
        fixture.send(.storeChanged)
        #expect(fixture.state.effects.isEmpty)
        fixture.send(.key(.character("b")), .tick(now: 1_000_020))
        fixture.post("other/tool", tag: "v11", at: 999_980)
        fixture.send(.storeChanged)
        #expect(fixture.state.effects.isEmpty)
    }

    @Test func exportAsksForAPathAndConfirmsOverwriting() {
        var fixture = burst()
        fixture.send(.key(.character("2")), .key(.enter))  // narrow to the tag acme/api:latest
        fixture.send(.key(.character("e")))
        #expect(fixture.state.prompt?.text.hasPrefix("./hubtop-export-") == true)
        #expect(fixture.state.prompt?.text.hasSuffix(".ndjson") == true)
        #expect(fixture.screen.contains("export the filtered events to"))
        fixture.send(.key(.control("u")))
        fixture.type("out.csv")
        fixture.send(.key(.enter))
        let filter = EventFilter(repository: "acme/api", tag: .some("latest"))
        #expect(fixture.state.effects == [.export(path: "out.csv", filter: filter, overwrite: false)])
        fixture.state.effects = []
        fixture.send(.exported(.exists(path: "out.csv")))
        #expect(fixture.screen.contains("out.csv exists — overwrite?"))
        fixture.send(.key(.character("n")))
        #expect(fixture.state.effects.isEmpty)
        #expect(fixture.state.flash?.contains("left as it was") == true)
        fixture.send(.exported(.exists(path: "out.csv")), .key(.character("y")))
        #expect(fixture.state.effects == [.export(path: "out.csv", filter: filter, overwrite: true)])
        fixture.send(.exported(.written(path: "out.csv", events: 3)))
        #expect(fixture.screen.contains("exported 3 events to out.csv"))
        // Esc cancels; an emptied path writes nothing.
        fixture.state.effects = []
        fixture.send(.key(.character("e")), .key(.escape))
        fixture.send(.key(.character("e")), .key(.control("u")), .key(.enter))
        #expect(fixture.state.effects.isEmpty)
        #expect(fixture.state.prompt == nil)
    }
}

/// The trust panel and integration outcomes in the event detail, and `v`.
@Suite struct TrustPanelTests {
    @Test func detailShowsWhatWasSeenOfTheRequestAndOutcomes() {
        var fixture = Fixture()
        let delivery = DeliveryInfo(
            origin: .webhook, source: "198.51.100.7", userAgent: "Docker-Hookshot\u{1B}[31m",
            forwardedFor: "203.0.113.9", forwardedForTrusted: false, deliveryID: "ab12-1"
        ).allowed(by: "acme/*")
        fixture.store.ingest(
            WebhookPayload(
                callbackURL: "https://registry.hub.docker.com/u/acme/api/hook/x/", pushedAt: 999_000,
                pusher: "a",
                tag: "v1", repository: RepositoryInfo(repoName: "acme/api")),
            receivedAt: 999_000, delivery: delivery)
        fixture.store.annotate(
            1,
            IntegrationOutcome(
                name: "forward → ci:443", state: .retrying, attempts: 2, status: 502, at: 999_001))
        fixture.model.refresh(&fixture.state)
        fixture.send(.key(.character("4")), .key(.enter))
        let screen = fixture.screen
        for text in [
            "token", "matched", "198.51.100.7", "203.0.113.9 (ignored: no --trust-proxy)",
            "allowed by acme/*",
            "ab12-1", "forward        ci:443: retrying: HTTP 502 after 2 attempts",
        ] {
            #expect(screen.contains(text), "missing \(text)\n\(screen)")
        }
        #expect(!screen.contains("\u{1B}"), "payload and header text is sanitised")
        // The legacy callback is shown, never offered: `v` does nothing.
        fixture.send(.key(.character("v")))
        #expect(fixture.state.prompt == nil)
        #expect(fixture.state.effects.isEmpty)
        // A new outcome arrives: the detail shows it after the store wakes the model.
        fixture.store.annotate(
            1,
            IntegrationOutcome(name: "forward → other:80", state: .failed, detail: "HTTP 500", at: 999_002))
        fixture.send(.storeChanged)
        #expect(fixture.screen.contains("failed at"))
    }
}
