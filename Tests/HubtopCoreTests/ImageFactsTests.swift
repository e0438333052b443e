import HubtopTestSupport
import Testing

@testable import HubtopCore

/// Digests the registry told the store about: re-pushes, tags' digests, artifacts folded under
/// their image push, and what eviction does to all of it.
@Suite struct ImageFactsTests {
    static func digest(_ seed: Character) -> String { "sha256:" + String(repeating: seed, count: 64) }
    static func artifactTag(of digest: String, _ kind: String) -> String {
        "sha256-" + digest.dropFirst("sha256:".count) + "." + kind
    }

    @Test func aPushWithTheDigestTheTagAlreadyHadIsMarkedUnchanged() {
        let store = EventStore(groupWindow: 0)
        for time in 1...4 {
            store.ingest(
                makePayload(repo: "a/x", tag: "v1", pushedAt: Double(time)), receivedAt: Double(time))
        }
        store.ingest(makePayload(repo: "a/x", tag: "other", pushedAt: 5), receivedAt: 5)
        // Digests learnt out of order: the third first, then the second (same), then the fourth.
        store.recordImage(3, ImageFacts(digest: Self.digest("a")))
        #expect(store.image(of: 3)?.unchanged == false, "nothing known about the push before")
        store.recordImage(2, ImageFacts(digest: Self.digest("a")))
        #expect(store.image(of: 3)?.unchanged == true, "learning the earlier push marks the later one")
        #expect(store.image(of: 2)?.unchanged == false)
        store.recordImage(4, ImageFacts(digest: Self.digest("b")))
        #expect(store.image(of: 4)?.unchanged == false)
        store.recordImage(5, ImageFacts(digest: Self.digest("b")))
        #expect(store.image(of: 5)?.unchanged == false, "another tag's push is no previous push")
        let rows = store.history().rows
        #expect(rows.first { $0.event.id == 3 }?.image?.unchanged == true)
        #expect(
            store.tags(of: "a/x").first { $0.tag == "v1" }?.digest == Self.digest("b"), "the tag's newest")
        #expect(store.isNewestOfTag(4) && !store.isNewestOfTag(3))
        // Platforms learnt later join the digest without a second entry.
        store.recordImage(4, ImageFacts(digest: Self.digest("b"), platforms: ["linux/amd64"]))
        store.recordImage(4, ImageFacts(digest: Self.digest("b")))
        #expect(store.image(of: 4)?.platforms == ["linux/amd64"])
        #expect(store.totals.bytes == store.recountedBytes())
    }

    @Test func artifactPushesFoldUnderTheImagePushTheyName() {
        let store = EventStore(groupWindow: 0)
        let image = Self.digest("c")
        // 1: the image, 2: its signature, 3: an attestation naming the digest in another repository.
        store.ingest(makePayload(repo: "a/x", tag: "v1", pushedAt: 1), receivedAt: 1)
        store.ingest(
            makePayload(repo: "a/x", tag: Self.artifactTag(of: image, "sig"), pushedAt: 2), receivedAt: 2)
        store.ingest(
            makePayload(repo: "b/y", tag: Self.artifactTag(of: image, "att"), pushedAt: 3), receivedAt: 3)
        #expect(store.totals.artifacts == 2)
        #expect(store.history().total == 3)
        // The signature came first; the image's digest is learnt after: it folds then.
        store.recordImage(1, ImageFacts(digest: image))
        var page = store.history()
        #expect(page.total == 2, "the signature is no row of its own")
        #expect(page.rows.map(\.event.id) == [3, 1])
        #expect(page.rows.last?.artifacts == [.signature])
        // An attestation (4) arriving now folds at once.
        store.ingest(
            makePayload(repo: "a/x", tag: Self.artifactTag(of: image, "att"), pushedAt: 4), receivedAt: 4)
        page = store.history()
        #expect(page.total == 2 && page.rows.count == 2)
        #expect(page.rows.last?.artifacts == [.signature, .attestation])
        // Counting from the aggregates and walking event by event agree.
        var walked = EventFilter()
        walked.pusher = "alice"
        #expect(store.history(filter: walked).rows.map(\.event.id) == [3, 1])
        // Narrowed to the artifact's tag, it shows.
        #expect(store.history(filter: EventFilter(tag: .some(Self.artifactTag(of: image, "sig")))).total == 1)
        #expect(store.read { $0.artifacts(of: 1) }.map(\.id) == [2, 4])
        #expect(store.totals.bytes == store.recountedBytes())
    }

    @Test func whenTheImagePushIsEvictedItsArtifactsShowAgain() {
        let store = EventStore(capacity: 3, groupWindow: 0)
        let image = Self.digest("d")
        store.ingest(makePayload(repo: "a/x", tag: "v1", pushedAt: 1), receivedAt: 1)
        store.recordImage(1, ImageFacts(digest: image))
        store.ingest(
            makePayload(repo: "a/x", tag: Self.artifactTag(of: image, "sig"), pushedAt: 2), receivedAt: 2)
        store.ingest(
            makePayload(repo: "a/x", tag: Self.artifactTag(of: image, "sbom"), pushedAt: 3), receivedAt: 3)
        #expect(store.history().total == 1)
        store.ingest(makePayload(repo: "a/x", tag: "v2", pushedAt: 4), receivedAt: 4)  // evicts 1
        let page = store.history()
        #expect(page.rows.map(\.event.id) == [4, 3, 2])
        #expect(page.total == 3)
        #expect(store.image(of: 1) == nil)
        store.ingest(makePayload(repo: "a/x", tag: "v3", pushedAt: 5), receivedAt: 5)
        store.ingest(makePayload(repo: "a/x", tag: "v4", pushedAt: 6), receivedAt: 6)
        store.ingest(makePayload(repo: "a/x", tag: "v5", pushedAt: 7), receivedAt: 7)
        #expect(store.history().total == 3)
        #expect(store.totals.artifacts == 0)
        #expect(store.totals.bytes == store.recountedBytes())
    }

    @Test func aRandomMixNeverLosesCountOfRowsOrBytes() {
        var generator = SystemRandomNumberGenerator()
        let store = EventStore(capacity: 60, groupWindow: 5)
        let digests = (0..<4).map { Self.digest(Character(String($0))) }
        for step in 1...600 {
            let time = Double(step)
            let repo = ["a/x", "b/y"][Int.random(in: 0...1, using: &generator)]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<3:
                let digest = digests.randomElement(using: &generator)!
                store.ingest(
                    makePayload(
                        repo: repo, tag: Self.artifactTag(of: digest, ["sig", "att"].randomElement()!),
                        pushedAt: time), receivedAt: time)
            case 3..<6:
                let newest = store.totals.newestID
                if newest > 0 {
                    store.recordImage(
                        UInt64.random(in: (newest > 20 ? newest - 20 : 1)...newest, using: &generator),
                        ImageFacts(digest: digests.randomElement(using: &generator)!))
                }
            default:
                store.ingest(
                    makePayload(repo: repo, tag: ["v1", "v2"].randomElement()!, pushedAt: time),
                    receivedAt: time)
            }
            if step % 25 == 0 {
                let counted = store.history().total
                var walk = EventFilter()
                walk.pusher = "alice"
                #expect(counted == store.history(filter: walk, limit: 1000).rows.count, "step \(step)")
                #expect(store.totals.bytes == store.recountedBytes(), "step \(step)")
            }
        }
    }
}
