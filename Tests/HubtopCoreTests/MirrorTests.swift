import HubtopTestSupport
import Testing

@testable import HubtopCore

/// One digest from two registries: the pushes are linked both ways, and `--mirror-lag` lists
/// the pushes no other registry received in time.
@Suite struct MirrorTests {
    func ingest(_ ingestor: Ingestor, _ sample: SourceSample?, at time: Double) throws -> StoreChange? {
        let sample = try #require(sample)
        let admission = try sample.body.withUnsafeBufferPointer {
            try ingestor.admit($0, delivery: nil, hints: sample.hints()).get()
        }
        return ingestor.store(admission, receivedAt: time)
    }

    @Test func aDigestFromTwoRegistriesLinksThePushesAndTheLagFilterListsTheRest() throws {
        let store = EventStore(capacity: 100)
        let ingestor = Ingestor(store: store)
        let digest = SamplePush.digest(11)
        // A Docker Hub push whose digest the registry told (`--enrich auto`), and one never mirrored.
        guard
            case .appended(let hub) = store.ingest(
                makePayload(repo: "acme/api", tag: "1.0", pushedAt: 1000), receivedAt: 1000),
            case .appended(let lonely) = store.ingest(
                makePayload(repo: "acme/web", tag: "2.0", pushedAt: 1010), receivedAt: 1010)
        else {
            Issue.record("not stored")
            return
        }
        store.recordImage(hub, ImageFacts(digest: digest))
        store.recordImage(lonely, ImageFacts(digest: SamplePush.digest(12)))
        // The same image lands in GHCR 42 s later, and in Harbor.
        let mirrored = try ingest(
            ingestor,
            SourceSamples.github(
                SamplePush(
                    host: "ghcr.io", repository: "acme/api", tag: "1.0", digest: digest, time: 1042, id: "g-1"
                )),
            at: 1042)
        let harbor = try ingest(
            ingestor,
            SourceSamples.harbor(
                SamplePush(
                    host: "harbor.corp.example", repository: "mirror/api", tag: "1.0", digest: digest,
                    time: 1100)),
            at: 1100)
        guard case .appended(let ghcr)? = mirrored, case .appended(let harb)? = harbor else {
            Issue.record("the mirrors were not stored")
            return
        }
        #expect(store.read { $0.mirrors(of: hub) }.map(\.id) == [ghcr, harb])
        #expect(store.read { $0.mirrors(of: ghcr) }.map(\.id) == [hub, harb])
        #expect(store.read { $0.mirrors(of: lonely) }.isEmpty)
        let rows = store.read { $0.history(filter: EventFilter(), expanded: [], offset: 0, limit: 10) }.rows
        #expect(rows.first { $0.event.id == hub }?.mirrors == 2)

        var filter = EventFilter()
        filter.unmirroredBefore = 1050
        let unmirrored = store.read { $0.history(filter: filter, expanded: [], offset: 0, limit: 10) }
        #expect(unmirrored.rows.map(\.event.id) == [lonely], "only the push no other registry has")
        #expect(unmirrored.total == 1)
    }
}
