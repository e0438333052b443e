import HubtopTestSupport
import Testing

@testable import HubtopCore

@Suite struct RequestLogTests {
    func request(_ id: String, body: Int) -> ReceivedRequest {
        var request = ReceivedRequest(
            deliveryID: id, receivedAt: 0, method: "POST", path: "/hook/<token>", version: "HTTP/1.1")
        request.addHeader("Content-Type", "application/json")
        request.setBody([UInt8](repeating: 0x41, count: body))
        return request
    }

    func store(budget: Int, capacity: Int = 100) -> EventStore {
        let store = EventStore(capacity: capacity, requestBudget: budget)
        for index in 0..<10 {
            store.ingest(
                makePayload(repo: "a/b", tag: "t\(index)", pusher: nil, pushedAt: Double(index)),
                receivedAt: Double(index))
        }
        return store
    }

    @Test func theOldestRequestsGoBeyondTheBudget() {
        let store = store(budget: 10_000)
        for id in 1...10 { store.record(request("d\(id)", body: 2_000), for: UInt64(id)) }
        let usage = store.requestLogUsage
        #expect(usage.bytes <= 10_000)
        #expect(usage.kept == 4 && usage.dropped == 6, "\(usage)")
        #expect(store.requests(of: 1).isEmpty)
        #expect(store.requests(of: 10).first?.deliveryID == "d10")
    }

    @Test func anEvictedEventTakesItsRequestsAlong() {
        let store = store(budget: 1 << 20, capacity: 10)
        store.record(request("a", body: 100), for: 1)
        store.record(request("b", body: 100), for: 2)
        store.record(request("c", body: 100), for: 1)
        #expect(store.requests(of: 1).map(\.deliveryID) == ["a", "c"])
        store.ingest(
            makePayload(repo: "a/b", tag: "new", pusher: nil, pushedAt: 99),
            receivedAt: 99)
        #expect(store.requests(of: 1).isEmpty, "an evicted event has no requests to show")
        #expect(store.requests(of: 2).map(\.deliveryID) == ["b"])
        // A request for an event no longer stored is not kept.
        let kept = store.requestLogUsage.kept
        store.record(request("late", body: 10), for: 1)
        #expect(store.requestLogUsage.kept == kept)
    }

    @Test func headersAndBodyAreCappedAndWhatIsCutIsCounted() {
        var request = ReceivedRequest(
            deliveryID: "x", receivedAt: 0, method: "POST", path: "/", version: "HTTP/1.1")
        request.addHeader("A", String(repeating: "a", count: 5_000))
        request.addHeader("B", String(repeating: "b", count: 5_000))
        request.addHeader("C", "small")
        #expect(request.headers.map(\.name) == ["A"])
        #expect(request.droppedHeaders == 2)
        #expect(request.droppedHeaderBytes == 5_001 + 6)
        request.setBody([UInt8](repeating: 1, count: ReceivedRequest.bodyByteLimit + 10))
        #expect(request.body.count == ReceivedRequest.bodyByteLimit)
        #expect(request.bodyLength == ReceivedRequest.bodyByteLimit + 10)
        #expect(!request.bodyIsWhole)
    }

    @Test func withoutABudgetNothingIsKept() {
        let store = store(budget: 0)
        store.record(request("a", body: 10), for: 1)
        #expect(store.requests(of: 1).isEmpty)
        #expect(!store.keepsRequests)
    }
}
