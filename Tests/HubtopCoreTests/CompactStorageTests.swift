import Testing

@testable import HubtopCore

/// The compact forms the store keeps a million of must read back exactly as given.
@Suite struct CompactStorageTests {
    @Test func imageListsReadBackWhatWasGiven() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<200 {
            var images: [String] = []
            for _ in 0..<Int(random.next() % 5) {
                switch random.next() % 5 {
                case 0: images.append("sha256:" + String(repeating: "ab12", count: 16))
                // Upper case and short digests are kept as text.
                case 1: images.append("sha256:" + String(repeating: "AB12", count: 16))
                case 2: images.append("sha256:" + String(repeating: "0", count: 63))
                case 3: images.append("ubuntu@sha256:deadbeef")
                default: images.append("")
                }
            }
            let list = ImageList(images)
            #expect(Array(list) == images)
            #expect(list.count == images.count)
            #expect(list == ImageList(images))
        }
        let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        #expect(ImageList([digest, "plain", digest])[2] == digest)
        #expect(ImageList([digest]) == [digest])
        #expect(
            ImageList([digest]) != ["sha256:" + String(repeating: "0123456789abcdef", count: 4).uppercased()])
    }

    @Test func redeliveryNeedsTheSamePushNotJustTheSameHash() {
        let store = EventStore()
        let first = makePayload(repo: "a/x", tag: "v1", pushedAt: 10)
        store.ingest(first, receivedAt: 1)
        #expect(store.ingest(first, receivedAt: 2) == .folded(id: 1, deliveries: 2))
        // Same repository and time, other tag: another push.
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: "v2", pushedAt: 10), receivedAt: 3) == .appended(id: 2)
        )
        // A callback URL decides on its own; without one, repository and tag do.
        let withCallback = makePayload(repo: "a/x", tag: "v1", pushedAt: 10, callback: "https://hub/cb/9")
        #expect(store.ingest(withCallback, receivedAt: 4) == .appended(id: 3))
        #expect(StoreState.sameFoldKey(first, first))
        #expect(!StoreState.sameFoldKey(first, withCallback))
        #expect(
            !StoreState.sameFoldKey(makePayload(repo: "a/x"), makePayload(repo: "a/x")), "no push time: never"
        )
    }

    @Test func eventsOfARepositoryShareItsInfoUntilItChanges() {
        let store = EventStore()
        for (index, dockerfile) in ["FROM a", "FROM a", "FROM b", "FROM b"].enumerated() {
            store.ingest(
                makePayload(repo: "a/x", pushedAt: Double(index), dockerfile: dockerfile),
                receivedAt: Double(index))
        }
        let boxes = (1...4).map { store.event(id: UInt64($0))!.payload.repositoryBox }
        #expect(boxes[0] === boxes[1])
        #expect(boxes[1] !== boxes[2])
        #expect(boxes[2] === boxes[3])
        #expect(store.event(id: 3)?.payload.repository.dockerfile == "FROM b")
    }
}
