import HubtopTestSupport
import Synchronization
import Testing

@testable import HubtopCore

@Suite struct EventStoreTests {
    @Test func idsIncreaseAndEventsAreFoundById() {
        let store = EventStore()
        let first = store.ingest(makePayload(repo: "a/x", pushedAt: 1), receivedAt: 10)
        let second = store.ingest(makePayload(repo: "a/y", pushedAt: 2), receivedAt: 11)
        #expect(first == .appended(id: 1))
        #expect(second == .appended(id: 2))
        #expect(store.event(id: 2)?.repoName == "a/y")
        #expect(store.event(id: 2)?.receivedAt == 11)
        #expect(store.event(id: 3) == nil)
    }

    @Test func redeliveriesWithTheSameCallbackAndPushTimeFold() {
        let store = EventStore()
        let payload = makePayload(repo: "a/x", pushedAt: 100, callback: "https://hub/cb/1")
        store.ingest(payload, receivedAt: 1)
        let again = store.ingest(payload, receivedAt: 2)
        #expect(again == .folded(id: 1, deliveries: 2))
        #expect(store.totals.events == 1)
        #expect(store.totals.folded == 1)
        #expect(store.event(id: 1)?.lastDeliveredAt == 2)
        // A different push time is a different push.
        #expect(
            store.ingest(makePayload(repo: "a/x", pushedAt: 101, callback: "https://hub/cb/1"), receivedAt: 3)
                == .appended(id: 2))
    }

    @Test func withoutCallbackRepoTagAndPushTimeFold() {
        let store = EventStore()
        store.ingest(makePayload(repo: "a/x", tag: "v1", pushedAt: 5), receivedAt: 1)
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: "v1", pushedAt: 5), receivedAt: 2)
                == .folded(id: 1, deliveries: 2))
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: "v2", pushedAt: 5), receivedAt: 2) == .appended(id: 2))
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: nil, pushedAt: 5), receivedAt: 2) == .appended(id: 3))
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: nil, pushedAt: 5), receivedAt: 2)
                == .folded(id: 3, deliveries: 2))
        // No push time: nothing to compare, never folded.
        #expect(store.ingest(makePayload(repo: "a/x", pushedAt: nil), receivedAt: 2) == .appended(id: 4))
        #expect(store.ingest(makePayload(repo: "a/x", pushedAt: nil), receivedAt: 2) == .appended(id: 5))
    }

    @Test func evictsTheOldestAndKeepsIndexesConsistent() {
        let store = EventStore(capacity: 3)
        store.ingest(makePayload(repo: "a/old", tag: "t1", pusher: "p1", pushedAt: 1), receivedAt: 1)
        store.ingest(makePayload(repo: "a/x", tag: "t1", pusher: "p2", pushedAt: 2), receivedAt: 2)
        store.ingest(makePayload(repo: "a/x", tag: "t2", pusher: "p2", pushedAt: 3), receivedAt: 3)
        store.ingest(makePayload(repo: "a/y", tag: "t1", pusher: "p2", pushedAt: 4), receivedAt: 4)
        let totals = store.totals
        #expect(totals.events == 3)
        #expect(totals.evicted == 1)
        #expect(totals.repositories == 2)
        #expect(store.event(id: 1) == nil)
        #expect(store.event(id: 2)?.repoName == "a/x")
        #expect(store.repositories().map(\.name) == ["a/y", "a/x"])
        #expect(store.pushers().map(\.name) == ["p2"])
        #expect(store.tags(of: "a/old").isEmpty)
        // A redelivery of an evicted event is stored anew.
        #expect(
            store.ingest(makePayload(repo: "a/old", tag: "t1", pusher: "p1", pushedAt: 1), receivedAt: 5)
                == .appended(id: 5))
    }

    @Test func repositoryQueriesMatchSubstringsCaseInsensitively() {
        let store = EventStore()
        for (index, repo) in ["acme/API", "acme/web", "other/thing"].enumerated() {
            var payload = makePayload(repo: repo, pushedAt: Double(index))
            payload.repository.isPrivate = repo == "acme/web"
            store.ingest(payload, receivedAt: Double(index))
        }
        #expect(store.repositories(matching: "ACME").map(\.name) == ["acme/web", "acme/API"])
        #expect(store.repositories(matching: "api").map(\.name) == ["acme/API"])
        #expect(store.repositories(matching: "zzz").isEmpty)
        #expect(store.repository(named: "acme/web")?.isPrivate == true)
    }

    @Test func tagsAndPushersAggregate() {
        let store = EventStore()
        store.ingest(makePayload(repo: "a/x", tag: "latest", pusher: "alice", pushedAt: 10), receivedAt: 1)
        store.ingest(makePayload(repo: "a/x", tag: "v1", pusher: "bob", pushedAt: 20), receivedAt: 2)
        store.ingest(makePayload(repo: "a/x", tag: "latest", pusher: "alice", pushedAt: 30), receivedAt: 3)
        store.ingest(makePayload(repo: "b/y", tag: "latest", pusher: "carol", pushedAt: 40), receivedAt: 4)
        let tags = store.tags(of: "a/x")
        #expect(tags.map(\.tag) == ["latest", "v1"])
        #expect(tags[0].events == 2 && tags[0].lastPushedAt == 30)
        let pushers = store.pushers()
        #expect(pushers.map(\.name) == ["carol", "alice", "bob"])
        #expect(pushers[1].events == 2)
        #expect(store.pushers(filter: EventFilter(repository: "a/x")).map(\.name) == ["alice", "bob"])
        #expect(store.pushers(filter: EventFilter(repositoryContains: "B/")).map(\.name) == ["carol"])
        #expect(store.repository(named: "a/x")?.events == 3)
        #expect(store.repository(named: "a/x")?.tagCount == 2)
    }

    @Test func eventPagesFilterAndCount() {
        let store = EventStore()
        for index in 0..<50 {
            store.ingest(
                makePayload(
                    repo: index % 2 == 0 ? "even/repo" : "odd/repo", tag: "t\(index % 5)",
                    pusher: index % 3 == 0 ? "p3" : "px", pushedAt: Double(index)),
                receivedAt: Double(index))
        }
        let all = store.events(offset: 0, limit: 10)
        #expect(all.total == 50)
        #expect(all.events.map(\.id) == Array((41...50).reversed()))
        let even = store.events(filter: EventFilter(repositoryContains: "EVEN"), offset: 5, limit: 3)
        #expect(even.total == 25)
        #expect(even.events.map(\.id) == [39, 37, 35])
        let tagged = store.events(
            filter: EventFilter(repository: "odd/repo", tag: "t1"), offset: 0, limit: 100)
        #expect(tagged.events.allSatisfy { $0.repoName == "odd/repo" && $0.tag == "t1" })
        #expect(tagged.total == tagged.events.count && tagged.total == 5)
        let pusher = store.events(filter: EventFilter(pusher: "p3"), offset: 0, limit: 2)
        #expect(pusher.total == 17)
        #expect(pusher.events.map(\.id) == [49, 46])
        #expect(store.latestEvent(of: "even/repo")?.id == 49)
    }

    @Test func concurrentWritersLoseNothing() async {
        let store = EventStore(capacity: 1_000_000)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<1000 {
                        store.ingest(makePayload(repo: "w/\(writer)", pushedAt: Double(index)), receivedAt: 0)
                    }
                }
            }
        }
        #expect(store.totals.events == 8000)
        #expect(store.totals.newestID == 8000)
        #expect(store.repositories().allSatisfy { $0.events == 1000 })
    }

    @Test func observersHearEveryChange() {
        let store = EventStore()
        let heard = Mutex<[StoreChange]>([])
        store.observe { change in heard.withLock { $0.append(change) } }
        let payload = makePayload(repo: "a/x", pushedAt: 1)
        store.ingest(payload, receivedAt: 1)
        store.ingest(payload, receivedAt: 2)
        #expect(heard.withLock { $0 } == [.appended(id: 1), .folded(id: 1, deliveries: 2)])
    }

    /// A batch of counted events leaves the store as the same events one at a time do, and the
    /// observers hear each change in order.
    @Test func countedEventsInOneBatchAreStoredAsOneAtATime() {
        let events = (0..<40).map { (index: Int) -> CountedEvent in
            // Every fourth a redelivery of the one before.
            let push = index % 4 == 3 ? index - 1 : index
            let payload = makePayload(
                repo: "a/r\(push % 3)", tag: "t\(push % 2)", pusher: "p\(push % 5)", pushedAt: Double(push))
            let time = Double(index)
            return CountedEvent(
                payload: payload, receivedAt: 100 + time, delivery: nil, deliveries: 1 + index % 3,
                lastDeliveredAt: 150 + time)
        }
        let single = EventStore(capacity: 25)
        let singleChanges = events.map {
            single.ingest(
                $0.payload, receivedAt: $0.receivedAt, delivery: $0.delivery, deliveries: $0.deliveries,
                lastDeliveredAt: $0.lastDeliveredAt)
        }
        let batched = EventStore(capacity: 25)
        let heard = Mutex<[StoreChange]>([])
        batched.observe { change in heard.withLock { $0.append(change) } }
        let changes = batched.ingest(counted: events)
        #expect(changes == singleChanges)
        #expect(heard.withLock { $0 } == singleChanges)
        #expect(changes.contains { if case .folded = $0 { true } else { false } })
        #expect(batched.totals == single.totals)
        #expect(batched.totals.evicted > 0)
        #expect(batched.events(limit: 100) == single.events(limit: 100))
        #expect(batched.repositories() == single.repositories())
        #expect(batched.recountedBytes() == batched.totals.bytes)
    }
}
