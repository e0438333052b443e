import HubtopCore
import HubtopTestSupport
import Synchronization
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// The raw request inspector's data, the loop guard and `r`'s re-send, over real HTTP.
@Suite(.serialized) struct InspectorTests {
    let token = "secret-token-0123456789"

    @Test func eachDeliveryIsKeptAsItArrivedWithTheAnswer() async throws {
        try await withConfiguredListener(requestBudget: 1 << 20) { _, _ in
        } _: { base, ingestor in
            let body = try examplePayload()
            for _ in 0..<2 {
                let response = try await HTTPPost.post(
                    url: base + "/hook/\(token)", body: body, contentType: "application/json; charset=utf-8",
                    extraHeaders: [("X-Zeta", "first"), ("X-Alpha", "second")])
                #expect(response.status == 200)
            }
            let requests = ingestor.store.requests(of: 1)
            try #require(requests.count == 2)
            let first = requests[0]
            #expect(first.method == "POST")
            #expect(first.path == "/hook/<token>", "the token never shows")
            #expect(first.version == "HTTP/1.1")
            let names = first.headers.map(\.name)
            let zeta = try #require(names.firstIndex(of: "X-Zeta"))
            let alpha = try #require(names.firstIndex(of: "X-Alpha"))
            #expect(zeta < alpha, "headers in the order sent: \(names)")
            #expect(first.contentType == "application/json; charset=utf-8")
            #expect(first.body == body)
            #expect(first.bodyIsWhole)
            #expect(first.status == 200)
            #expect(first.answer == #"{"ok":true,"id":1}"#)
            #expect(requests[1].answer == #"{"ok":true,"id":1,"deliveries":2}"#)
            #expect(first.duration > 0 && first.duration < 10)
            #expect(first.deliveryID == ingestor.store.event(id: 1)?.delivery?.deliveryID)
            #expect(requests[1].deliveryID != first.deliveryID)
        }
    }

    /// A sender that can set a static header but not a secret path (a registry's notification
    /// endpoint) gives the token as `Authorization: Bearer`; the inspector never shows it.
    @Test func theTokenMayComeAsABearerHeaderAndIsNeverKept() async throws {
        try await withConfiguredListener(requestBudget: 1 << 20) { _, _ in
        } _: { base, ingestor in
            let body = try examplePayload()
            func post(_ path: String, _ authorization: String?) async throws -> Int {
                try await HTTPPost.post(
                    url: base + path, body: body,
                    extraHeaders: authorization.map { [("Authorization", $0)] } ?? []
                ).status
            }
            #expect(try await post("/hook", "Bearer \(token)") == 200)
            #expect(try await post("/hook/", "bearer \(token)") == 200, "the scheme in any case")
            #expect(try await post("/hook/\(token)", "Bearer \(token)") == 200, "both ways, agreeing")
            #expect(try await post("/hook", nil) == 404, "no token at all looks like an unknown path")
            #expect(try await post("/hook", "Bearer wrong-token-0123456789") == 404)
            #expect(try await post("/hook", "Basic \(token)") == 404, "only a bearer token")
            #expect(
                try await post("/hook/\(token)", "Bearer wrong-token-0123456789") == 404,
                "both ways, disagreeing")
            #expect(ingestor.store.totals.accepted == 3)
            for request in ingestor.store.requests(of: 1) {
                let shown = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
                #expect(!shown.contains(token), "the token never shows: \(shown)")
            }
            #expect(
                ingestor.store.requests(of: 1).first?.headers.contains {
                    $0.name == "Authorization" && $0.value == "Bearer <hidden>"
                } == true)
        }
    }

    @Test func withoutABudgetNothingIsKept() async throws {
        try await withConfiguredListener { _, _ in
        } _: { base, ingestor in
            let response = try await HTTPPost.post(url: base + "/hook/\(token)", body: try examplePayload())
            #expect(response.status == 200)
            #expect(ingestor.store.requests(of: 1).isEmpty)
        }
    }

    @Test func aDeliveryMarkedWithTheListenersOwnOriginIsRefusedAsALoop() async throws {
        let origin = Mutex("")
        try await withConfiguredListener(requestBudget: 1 << 20) { configuration, _ in
            origin.withLock { $0 = configuration.origin }
        } _: { base, ingestor in
            let mark = origin.withLock { $0 }
            #expect(mark.hasPrefix("hubtop-") && mark.count > 12)
            let looped = try await HTTPPost.post(
                url: base + "/hook/\(token)", body: try examplePayload(),
                extraHeaders: [("X-Hubtop-Origin", mark)])
            #expect(looped.status == 508)
            #expect(looped.body.contains(#""error":"loop_detected""#), "\(looped.body)")
            #expect(ingestor.store.totals.events == 0)
            // Another hubtop's mark is an ordinary delivery.
            let relayed = try await HTTPPost.post(
                url: base + "/hook/\(token)", body: try examplePayload(),
                extraHeaders: [("X-Hubtop-Origin", "hubtop-someoneelse")])
            #expect(relayed.status == 200)
            #expect(ingestor.store.totals.events == 1)
        }
    }

    @Test func resendSendsTheBodyAgainWithANewIdAndRecordsTheOutcome() async throws {
        let forward = TestReceiver(statuses: [200])
        let forwardPort = try await forward.start()
        let typed = TestReceiver(statuses: [500])
        let typedPort = try await typed.start()
        try await withConfiguredListener(requestBudget: 1 << 20) { _, _ in
        } _: { base, ingestor in
            let store = ingestor.store
            let body = try examplePayload()
            let response = try await HTTPPost.post(
                url: base + "/hook/\(token)", body: body, contentType: "application/vnd.docker+json")
            #expect(response.status == 200)
            let request = try #require(store.requests(of: 1).first)
            let listenerPort = try #require(Int(base.split(separator: ":").last ?? ""))
            let resender = Resender(
                store: store, forwardURLs: ["http://127.0.0.1:\(forwardPort)/in"],
                listener: ("127.0.0.1", listenerPort), origin: "hubtop-test-origin", timeout: 5)

            let said = resender.resend(eventID: 1, request: request, to: nil)
            #expect(said.contains("127.0.0.1:\(forwardPort)"), "\(said)")
            try await eventually("the re-send") {
                store.outcomes(of: 1).contains {
                    $0.name == "re-send → 127.0.0.1:\(forwardPort)" && $0.state == .delivered
                }
            }
            let sent = try #require(forward.received.first)
            #expect(sent.body == body)
            #expect(sent.uri == "/in")
            #expect(sent.header("Content-Type") == "application/vnd.docker+json")
            let newID = try #require(sent.header("X-Hubtop-Delivery"))
            #expect(newID != request.deliveryID, "a re-send is a new delivery")
            #expect(sent.header("X-Hubtop-Origin") == "hubtop-test-origin")
            let delivered = try #require(store.outcomes(of: 1).first { $0.name.hasPrefix("re-send") })
            #expect(delivered.status == 200)
            #expect(delivered.detail?.hasPrefix("HTTP 200 in ") == true, "\(delivered.detail ?? "")")

            _ = resender.resend(eventID: 1, request: request, to: "http://127.0.0.1:\(typedPort)/typed")
            try await eventually("the typed URL's answer") {
                store.outcomes(of: 1).contains {
                    $0.name == "re-send → 127.0.0.1:\(typedPort)" && $0.state == .failed
                }
            }
            #expect(typed.received.first?.body == body)
            let failed = try #require(
                store.outcomes(of: 1).first { $0.name == "re-send → 127.0.0.1:\(typedPort)" })
            #expect(failed.status == 500)

            // Never to itself, under any local name.
            let outcomesBefore = store.outcomes(of: 1).count
            for own in [
                base + "/hook/\(token)", "http://localhost:\(listenerPort)/hook/x",
                "http://[::1]:\(listenerPort)/",
            ] {
                let refused = resender.resend(eventID: 1, request: request, to: own)
                #expect(refused.contains("this hubtop's own listener"), "\(own): \(refused)")
            }
            #expect(store.outcomes(of: 1).count == outcomesBefore)
            #expect(store.totals.folded == 0, "nothing came back in")
            let noTargets = Resender(store: store, forwardURLs: [], listener: nil, origin: nil)
            #expect(noTargets.resend(eventID: 1, request: request, to: nil).contains("no --forward targets"))
        }
        await forward.stop()
        await typed.stop()
    }
}
