import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /stream` over real HTTP: only the viewer token reads it, history then live, resumed
/// exactly after a last id, and a viewer that does not read cannot grow the receiver.
@Suite(.serialized) struct StreamEndpointTests {
    static let viewer = "viewer-token-0123456789"

    func withStream(
        maximumViewers: Int = 8, bufferBytes: Int = 1 << 20,
        _ body: (_ base: String, _ port: Int, _ ingestor: Ingestor, _ hub: ViewerHub) async throws -> Void
    ) async throws {
        var made: ViewerHub?
        try await withConfiguredListener { configuration, store in
            let hub = ViewerHub(store: store, maximumViewers: maximumViewers, bufferBytes: bufferBytes)
            configuration.viewerToken = Self.viewer
            configuration.viewers = hub
            made = hub
        } _: { base, ingestor in
            let port = Int(base.split(separator: ":").last ?? "") ?? 0
            try await body(base, port, ingestor, try #require(made))
        }
    }

    func push(
        _ ingestor: Ingestor, _ repository: String, at time: Double, dockerfile: String = "FROM scratch"
    ) {
        let body = Array(
            """
            {"callback_url":"https://registry.hub.docker.com/u/\(repository)/hook/\(Int(time))/",\
            "push_data":{"pushed_at":\(Int(time)),"pusher":"ci","tag":"v1","images":[]},\
            "repository":{"repo_name":"\(repository)","name":"x","namespace":"acme","dockerfile":"\(dockerfile)"}}
            """.utf8)
        _ = ingestor.ingest(body, receivedAt: time, delivery: DeliveryInfo(origin: .webhook))
    }

    func open(_ port: Int, token: String = viewer, lastEventID: String? = nil) throws -> RawClient {
        let client = try RawClient(port: port)
        client.send(
            "GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + (lastEventID.map { "Last-Event-ID: \($0)\r\n" } ?? "") + "\r\n")
        return client
    }

    /// The lines, chunked transfer's `\r\n` (one Character in Swift) split too.
    static func lines(_ text: String) -> [String] {
        text.unicodeScalars.split { $0 == "\n" || $0 == "\r" }.map { String(String.UnicodeScalarView($0)) }
    }

    static func events(_ text: String) -> [String] {
        lines(text).filter { $0.hasPrefix("data: {\"id\":") }
    }

    static func lastID(_ text: String) -> String? {
        lines(text).last { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    @Test func onlyTheViewerTokenReadsTheStream() async throws {
        try await withConfiguredListener { _, _ in
        } _: { base, _ in
            let closed = try await HTTPPost.post(url: base + "/stream", body: [], method: "GET")
            #expect(closed.status == 404, "no viewer token: no stream")
        }
        try await withStream { base, _, _, _ in
            let missing = try await HTTPPost.post(url: base + "/stream", body: [], method: "GET")
            #expect(missing.status == 401)
            #expect(missing.body.contains("Authorization: Bearer <viewer token>"))
            let webhook = try await HTTPPost.post(
                url: base + "/stream", body: [],
                extraHeaders: [("Authorization", "Bearer secret-token-0123456789")], method: "GET")
            #expect(webhook.status == 401, "the webhook token cannot read")
            let posting = try await HTTPPost.post(url: base + "/hook/" + Self.viewer, body: Array("{}".utf8))
            #expect(posting.status == 404, "the viewer token cannot post")
            let asBearer = try await HTTPPost.post(
                url: base + "/hook", body: Array("{}".utf8),
                extraHeaders: [("Authorization", "Bearer \(Self.viewer)")])
            #expect(asBearer.status == 404)
        }
    }

    @Test func historyThenLiveThenAnExactResume() async throws {
        try await withStream { base, port, ingestor, hub in
            push(ingestor, "acme/one", at: 1_790_000_001)
            push(ingestor, "acme/two", at: 1_790_000_002)
            let first = try open(port)
            let history = await first.read { $0.contains("caught_up") }
            #expect(history.contains("HTTP/1.1 200"))
            #expect(history.lowercased().contains("content-type: text/event-stream"))
            #expect(history.contains("\"kind\":\"hello\",\"events\":2"))
            #expect(Self.events(history).count == 2, "\(history)")
            let health = try await HTTPPost.post(url: base + "/healthz", body: [], method: "GET")
            #expect(health.body.contains("\"viewers\":1"))
            push(ingestor, "acme/three", at: 1_790_000_003)
            let live = await first.read { Self.events($0).count == 1 }
            #expect(live.contains("acme/three"))
            let resumeFrom = try #require(Self.lastID(live))
            first.close()
            try await eventually("the viewer gone", within: 10) { hub.viewers == 0 }
            push(ingestor, "acme/four", at: 1_790_000_004)
            push(ingestor, "acme/five", at: 1_790_000_005)
            let second = try open(port, lastEventID: resumeFrom)
            let resumed = await second.read { Self.events($0).count == 2 }
            #expect(!resumed.contains("hello"), "resumed, not the history again")
            #expect(
                Self.events(resumed).map { $0.contains("acme/four") || $0.contains("acme/five") } == [
                    true, true,
                ])
            second.close()
            // An id from another run (a restarted receiver) gets the history again.
            let third = try open(port, lastEventID: "elsewhere-3")
            let again = await third.read { $0.contains("caught_up") }
            #expect(Self.events(again).count == 5)
            third.close()
        }
    }

    @Test func anEventsRawRequestsAreFetchedWithTheViewerToken() async throws {
        var made: ViewerHub?
        try await withConfiguredListener(requestBudget: 1 << 20) { configuration, store in
            let hub = ViewerHub(store: store, maximumViewers: 4, bufferBytes: 1 << 20)
            configuration.viewerToken = Self.viewer
            configuration.viewers = hub
            made = hub
        } _: { base, _ in
            #expect(made != nil)
            let body = Array(#"{"repository":{"repo_name":"acme/raw"},"push_data":{"tag":"v1"}}"#.utf8)
            let posted = try await HTTPPost.post(
                url: base + "/hook", body: body,
                extraHeaders: [("Authorization", "Bearer secret-token-0123456789")])
            #expect(posted.status == 200)
            let fetched = try await HTTPPost.post(
                url: base + "/stream/requests/1", body: [],
                extraHeaders: [("Authorization", "Bearer \(Self.viewer)")],
                method: "GET")
            #expect(fetched.status == 200)
            let requests = try StreamDecoder.requests(Array(fetched.body.utf8))
            #expect(requests.count == 1)
            #expect(requests.first?.body == body)
            #expect(requests.first?.path == "/hook")
            #expect(
                requests.first?.headers.contains {
                    $0.name.lowercased() == "authorization" && $0.value == "Bearer <hidden>"
                } == true)
            #expect(!fetched.body.contains("secret-token-0123456789"), "the webhook token never leaves")
            let unknown = try await HTTPPost.post(
                url: base + "/stream/requests/99", body: [],
                extraHeaders: [("Authorization", "Bearer \(Self.viewer)")],
                method: "GET")
            #expect(unknown.status == 404)
            let webhook = try await HTTPPost.post(
                url: base + "/stream/requests/1", body: [],
                extraHeaders: [("Authorization", "Bearer secret-token-0123456789")], method: "GET")
            #expect(webhook.status == 401)
        }
    }

    @Test func viewersBeyondTheLimitAreTurnedAway() async throws {
        try await withStream(maximumViewers: 1) { _, port, _, hub in
            let first = try open(port)
            _ = await first.read { $0.contains("caught_up") }
            let second = try open(port)
            let refused = await second.read { $0.contains("}") }
            #expect(refused.contains("503") && refused.contains("too_many_viewers"), "\(refused)")
            #expect(hub.viewers == 1)
            first.close()
            second.close()
        }
    }

    @Test func aViewerThatDoesNotReadIsDisconnectedNotBuffered() async throws {
        try await withStream(bufferBytes: 64 << 10) { _, port, ingestor, hub in
            let stuck = try RawClient(port: port)
            var small: Int32 = 4096
            setsockopt(stuck.descriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            stuck.send("GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.viewer)\r\n\r\n")
            try await eventually("attached", within: 10) { hub.viewers == 1 }
            // Far more than the socket buffers and the viewer's 64 KiB hold.
            let large = String(repeating: "RUN true ", count: 800)
            for index in 0..<3000 {
                push(
                    ingestor, "acme/r\(index % 50)", at: 1_790_000_000 + Double(index),
                    dockerfile: large + "\(index)")
            }
            try await eventually("the stuck viewer disconnected", within: 20) { hub.viewers == 0 }
            #expect(ingestor.store.totals.accepted == 3000, "the receiver took every delivery")
            stuck.close()
        }
    }
}
