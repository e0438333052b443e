import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopTUI

/// Events of several registries on one dashboard: markers, deletes, scans, pulls, the source filter.
@Suite struct SourcesDashboardTests {
    func ingest(_ store: EventStore, _ sample: SourceSample?, at time: Double) throws {
        let sample = try #require(sample)
        let ingestor = Ingestor(store: store)
        let admission = try sample.body.withUnsafeBufferPointer {
            try ingestor.admit($0, delivery: nil, hints: sample.hints()).get()
        }
        ingestor.store(admission, receivedAt: time)
    }

    func mixed() throws -> Fixture {
        var fixture = Fixture()
        fixture.post("acme/api", tag: "v1", pusher: "alice", at: 999_000)
        let registry = SamplePush(
            host: "registry.internal:5000", repository: "team/app", tag: "1.8.0",
            digest: SamplePush.digest(3),
            pusher: "ci-alice", time: 999_100, id: "d-1")
        try ingest(fixture.store, SourceSamples.distribution(registry), at: 999_100)
        for id in ["d-2", "d-3"] {
            var pull = registry
            pull.id = id
            try ingest(fixture.store, SourceSamples.distribution(pull, action: "pull"), at: 999_150)
        }
        let harbor = SamplePush(
            host: "harbor.corp.example", repository: "payments/ledger", tag: "2.3.1",
            digest: SamplePush.digest(4),
            pusher: "robot$ci", time: 999_200)
        try ingest(fixture.store, SourceSamples.harbor(harbor), at: 999_200)
        try ingest(
            fixture.store, SourceSamples.harbor(harbor, type: "SCANNING_COMPLETED", scan: true), at: 999_250)
        try ingest(
            fixture.store,
            SourceSamples.github(
                SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0", time: 999_300)),
            at: 999_300)
        var deleted = registry
        deleted.id = "d-4"
        deleted.time = 999_400
        try ingest(fixture.store, SourceSamples.distribution(deleted, action: "delete"), at: 999_400)
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test func theHistoryMarksEachRowsRegistryDeletesAndScans() throws {
        let fixture = try mixed()
        let lines = fixture.screen.split(separator: "\n").map(String.init)
        let row = { (name: String) in lines.first { $0.contains(name) } ?? "" }
        #expect(row("ghcr.io/acme/api:3.2.0").contains("ghcr"))
        #expect(row("acme/api:v1").contains("hub"))
        #expect(row("payments/ledger").contains("2H 3M"), "\(fixture.screen)")
        #expect(lines.contains { $0.contains("dist") && $0.contains("deleted") })
    }

    @Test func theTagsPaneCountsPullsAndTheDetailSaysWhereAnEventCameFrom() throws {
        var fixture = try mixed()
        fixture.send(.key(.character("/")))
        fixture.type("team/app")
        fixture.send(.key(.enter))
        #expect(fixture.screen.contains("↓2"), "\(fixture.screen)")
        fixture.send(.key(.character("4")), .key(.end), .key(.enter))
        let screen = fixture.screen
        #expect(screen.contains("Distribution (registry.internal:5000)"), "\(screen)")
        #expect(screen.contains("2 of this tag"))
    }

    @Test func sNarrowsToOneKindOfRegistryInTurn() throws {
        var fixture = try mixed()
        #expect(fixture.state.data.sources == [.dockerHub, .distribution, .harbor, .github])
        fixture.send(.key(.character("s")))
        #expect(fixture.state.sourceFilter == .dockerHub)
        #expect(fixture.screen.contains("source=dockerhub"))
        #expect(!fixture.screen.contains("ghcr.io/acme/api"))
        fixture.send(.key(.character("s")), .key(.character("s")), .key(.character("s")))
        #expect(fixture.state.sourceFilter == .github)
        #expect(fixture.screen.contains("ghcr.io/acme/api") && !fixture.screen.contains("harbor.corp"))
        fixture.send(.key(.character("s")))
        #expect(fixture.state.sourceFilter == nil)
    }

    @Test func aMirroredPushIsMarkedItsDetailSaysWhereAndMListsTheUnmirrored() throws {
        var fixture = Fixture()
        fixture.state.mirrorLag = 60
        let digest = SamplePush.digest(21)
        guard case .appended(let hub) = fixture.post("acme/api", tag: "1.0", at: 999_000),
            case .appended(let lonely) = fixture.post("acme/web", tag: "2.0", at: 999_010)
        else {
            Issue.record("not stored")
            return
        }
        fixture.store.recordImage(hub, ImageFacts(digest: digest))
        fixture.store.recordImage(lonely, ImageFacts(digest: SamplePush.digest(22)))
        try ingest(
            fixture.store,
            SourceSamples.github(
                SamplePush(host: "ghcr.io", repository: "acme/api", tag: "1.0", digest: digest, time: 999_042)
            ),
            at: 999_042)
        fixture.model.refresh(&fixture.state)
        let lines = fixture.screen.split(separator: "\n").map(String.init)
        #expect(lines.first { $0.contains("acme/api:1.0") && $0.contains(" hub ") }?.contains("⇄") == true)
        #expect(lines.first { $0.contains("acme/web:2.0") }?.contains("⇄") == false)

        fixture.send(.key(.character("4")), .key(.end), .key(.enter))
        #expect(fixture.screen.contains("also in"), "\(fixture.screen)")
        #expect(fixture.screen.contains("ghcr.io/acme/api:1.0 — 42 s later"))
        fixture.send(.key(.escape))

        fixture.send(.key(.character("m")))
        #expect(fixture.state.onlyUnmirrored)
        let history = fixture.state.data.history.map(\.event.repoName)
        #expect(history == ["acme/web"], "only the push no other registry received: \(history)")
        #expect(fixture.screen.contains("unmirrored"))
    }
}
