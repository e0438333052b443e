import HubtopCore
import HubtopTestSupport
import Synchronization
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// Outcomes of reacting to a delivery committed to the shared history land on its local copy,
/// whether the follower had read it before the outcome came or only after.
@Suite struct OutcomesTests {
    @Test func anOutcomeForARowNotReadYetWaitsForItAndTheRestLandAtOnce() throws {
        let store = EventStore()
        let outcomes = Outcomes(store: store)
        let known = Mutex<[Int64: UInt64]>([:])
        outcomes.locateShared { row in known.withLock { $0[row] } }
        let first = try #require(
            store.ingest(try PayloadDecoder.decode(examplePayload(pushedAt: 1)), receivedAt: 1).eventID)
        let second = try #require(
            store.ingest(try PayloadDecoder.decode(examplePayload(pushedAt: 2)), receivedAt: 2).eventID)
        known.withLock { $0[7] = first }
        outcomes.record(.shared(7), IntegrationOutcome(name: "forward → a:1", state: .pending, at: 1))
        #expect(store.outcomes(of: first).map(\.state) == [.pending], "read already: lands at once")
        outcomes.record(.shared(8), IntegrationOutcome(name: "forward → a:1", state: .delivered, at: 2))
        #expect(store.outcomes(of: second).isEmpty, "not read yet: waits")
        known.withLock { $0[8] = second }
        outcomes.arrived(row: 8, local: second)
        #expect(store.outcomes(of: second).map(\.state) == [.delivered])
        outcomes.arrived(row: 8, local: second)
        #expect(store.outcomes(of: second).count == 1, "lands once")
    }

    @Test func rowsNeverReadAreForgottenPastTheLimit() {
        let store = EventStore()
        let outcomes = Outcomes(store: store)
        for row in 0..<Int64(Outcomes.waitingLimit + 10) {
            outcomes.record(.shared(row), IntegrationOutcome(name: "forward → a:1", state: .pending, at: 1))
        }
        #expect(outcomes.waitingRows == Outcomes.waitingLimit)
    }
}
