import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// Starts a listener whose configuration `configure` adjusts (forwarding, metrics, allowlist…).
func withConfiguredListener(
    token: String = "secret-token-0123456789", capacity: Int = 1000, rateLimit: Double? = nil,
    allowlist: [String] = [], requestBudget: Int = 0,
    configure: (inout ListenerConfiguration, EventStore) throws -> Void,
    _ body: (_ base: String, _ ingestor: Ingestor) async throws -> Void
) async throws {
    let store = EventStore(capacity: capacity, requestBudget: requestBudget)
    let ingestor = Ingestor(
        store: store, allowlist: allowlist.isEmpty ? nil : RepositoryAllowlist(allowlist))
    var configuration = ListenerConfiguration(port: 0, token: token, eventLoopThreads: 1)
    configuration.rateLimit = rateLimit
    try configure(&configuration, store)
    (configuration.relay as? Forwarder)?.start()
    let server = WebhookServer(configuration: configuration, ingestor: ingestor)
    let port = try await server.start()
    defer { (configuration.relay as? Forwarder)?.stop() }
    do {
        try await body("http://127.0.0.1:\(port)", ingestor)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

@Suite(.serialized) struct ForwardingTests {
    func fastPolicy(attempts: Int = 5, queue: Int = 1000, delay: Duration = .milliseconds(30))
        -> Forwarder.Policy
    {
        var policy = Forwarder.Policy()
        policy.maxAttempts = attempts
        policy.queueLimit = queue
        policy.baseDelay = delay
        policy.timeout = 5
        return policy
    }

    @Test func relaysTheSameBodyWithAnIdAndRetriesUntilTheReceiverRecovers() async throws {
        let receiver = TestReceiver(statuses: [500, 503, 200])
        let port = try await receiver.start()
        let metrics = ListenerMetrics()
        try await withConfiguredListener { configuration, store in
            configuration.metrics = metrics
            configuration.relay = try Forwarder(
                urls: ["http://127.0.0.1:\(port)/downstream/path?x=1"], policy: fastPolicy(), store: store,
                metrics: metrics)
        } _: { base, ingestor in
            let body = try examplePayload()
            let response = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: body,
                contentType: "application/json; charset=utf-8")
            #expect(response.status == 200)
            try await eventually("three attempts") { receiver.received.count == 3 }
            try await eventually("the outcome") { ingestor.store.outcomes(of: 1).first?.state == .delivered }
            let requests = receiver.received
            #expect(requests.allSatisfy { $0.body == body }, "the body is relayed byte for byte")
            #expect(requests.allSatisfy { $0.uri == "/downstream/path?x=1" && $0.method == "POST" })
            #expect(requests.allSatisfy { $0.header("Content-Type") == "application/json; charset=utf-8" })
            let ids = Set(requests.compactMap { $0.header("X-Hubtop-Delivery") })
            #expect(ids.count == 1, "retries carry the same delivery id")
            #expect(ids.first == ingestor.store.event(id: 1)?.delivery?.deliveryID)
            let outcome = try #require(ingestor.store.outcomes(of: 1).first)
            #expect(outcome.name == "forward → 127.0.0.1:\(port)")
            #expect(outcome.attempts == 3)
            #expect(outcome.status == 200)
            let text = String(
                decoding: metrics.render(
                    store: ingestor.store, rejections: ingestor.rejections, forwardQueued: [:]),
                as: UTF8.self)
            #expect(
                text.contains("hubtop_forward_total{target=\"127.0.0.1:\(port)\",outcome=\"retrying\"} 2"))
            #expect(
                text.contains("hubtop_forward_total{target=\"127.0.0.1:\(port)\",outcome=\"delivered\"} 1"))
        }
        await receiver.stop()
    }

    @Test func aTargetThatStaysDownFailsAfterItsAttemptsAndAFullQueueDrops() async throws {
        // A port with nobody listening: every attempt fails at once.
        let receiver = TestReceiver()
        let deadPort = try await receiver.start()
        await receiver.stop()
        try await withConfiguredListener { configuration, store in
            configuration.relay = try Forwarder(
                urls: ["http://127.0.0.1:\(deadPort)/"],
                policy: fastPolicy(attempts: 3, queue: 2, delay: .seconds(1)),
                store: store, metrics: nil)
        } _: { base, ingestor in
            for index in 0..<5 {
                let response = try await HTTPPost.post(
                    url: base + "/hook/secret-token-0123456789",
                    body: try examplePayload(pushedAt: Double(1_417_566_161 + index)))
                #expect(response.status == 200, "forwarding never fails the answer")
            }
            // The first is being retried, two wait, two did not fit: had an answer waited for
            // its forward (3 attempts, 3 s), the queue would never have filled. (An outcome is
            // recorded just after the answer goes out.)
            let states = { (1...5).map { ingestor.store.outcomes(of: UInt64($0)).first?.state } }
            try await eventually("an outcome for every delivery") { !states().contains(nil) }
            #expect(states().filter { $0 == .dropped }.count == 2, "\(states())")
            try await eventually("the first to give up", within: 30) {
                ingestor.store.outcomes(of: 1).first?.state == .failed
            }
            let failed = try #require(ingestor.store.outcomes(of: 1).first)
            #expect(failed.attempts == 3)
            // Refused, unless a listener of a test running beside this one took the freed port
            // (then its answer is not a 2xx either).
            let detail = failed.detail ?? ""
            #expect(detail.contains("cannot connect") || detail.hasPrefix("HTTP "), "\(detail)")
        }
    }
}

@Suite struct MetricsTests {
    @Test func metricsEndpointSpeaksPrometheusAndNeedsTheToken() async throws {
        try await withConfiguredListener { configuration, _ in
            configuration.metrics = ListenerMetrics()
            configuration.metricsToken = "metrics-token-0123456789"
        } _: { base, _ in
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: try examplePayload())
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: try examplePayload())  // folded
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array("not json".utf8))
            let refused = try await HTTPPost.post(url: base + "/metrics", body: [], method: "GET")
            #expect(refused.status == 401)
            #expect(jsonObject(refused.body)["error"] == .string("unauthorized"))
            // The webhook secret does not open /metrics: a Prometheus configuration never holds it.
            let webhookToken = try await HTTPPost.post(
                url: base + "/metrics", body: [],
                extraHeaders: [("Authorization", "Bearer secret-token-0123456789")], method: "GET")
            #expect(webhookToken.status == 401)
            let response = try await HTTPPost.post(
                url: base + "/metrics", body: [],
                extraHeaders: [("Authorization", "Bearer metrics-token-0123456789")],
                method: "GET")
            #expect(response.status == 200)
            #expect(
                response.headers.first { $0.0.lowercased() == "content-type" }?.1.hasPrefix("text/plain")
                    == true)
            let samples = Self.samples(response.body)
            #expect(samples["hubtop_events_accepted_total{repository=\"svendowideit/testhook\"}"] == 2)
            #expect(samples["hubtop_rejections_total{reason=\"invalid_payload\"}"] == 1)
            #expect(samples["hubtop_rejections_total{reason=\"unauthorized\"}"] == 2)
            #expect(samples["hubtop_deliveries_folded_total"] == 1)
            #expect(samples["hubtop_store_events"] == 1)
            #expect(samples["hubtop_store_repositories"] == 1)
            // Scraping again does not count twice.
            let again = try await HTTPPost.post(
                url: base + "/metrics", body: [],
                extraHeaders: [("Authorization", "Bearer metrics-token-0123456789")],
                method: "GET")
            #expect(Self.samples(again.body)["hubtop_rejections_total{reason=\"invalid_payload\"}"] == 1)
            // Every line is a comment or `name{labels} value`.
            for line in response.body.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(
                    line.split(separator: " ").count == 2 && Double(line.split(separator: " ")[1]) != nil,
                    "\(line)")
            }
        }
    }

    @Test func repositoryLabelsAreBounded() {
        let metrics = ListenerMetrics()
        for index in 0..<(ListenerMetrics.repositoryLabelLimit + 20) {
            metrics.accepted(repository: "r/\(index)")
        }
        metrics.accepted(repository: "r/0")
        let text = String(
            decoding: metrics.render(store: EventStore(), rejections: RejectionCounter(), forwardQueued: [:]),
            as: UTF8.self)
        let samples = Self.samples(text)
        let labels = samples.keys.filter { $0.hasPrefix("hubtop_events_accepted_total{") }
        #expect(labels.count == ListenerMetrics.repositoryLabelLimit + 1)
        #expect(samples["hubtop_events_accepted_total{repository=\"_other\"}"] == 20)
        #expect(samples["hubtop_events_accepted_total{repository=\"r/0\"}"] == 2)
    }

    @Test func publicMetricsNeedNoToken() async throws {
        try await withConfiguredListener { configuration, _ in
            configuration.metrics = ListenerMetrics()
            configuration.metricsPublic = true
        } _: { base, _ in
            let response = try await HTTPPost.post(url: base + "/metrics", body: [], method: "GET")
            #expect(response.status == 200)
            #expect(response.body.contains("hubtop_store_events 0"))
        }
    }

    /// `name{labels}` → value, from the text format.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else {
                continue
            }
            result[String(line[..<space])] = value
        }
        return result
    }
}

@Suite struct TrustTests {
    @Test func theAllowlistRefusesOtherRepositoriesWith403() async throws {
        try await withConfiguredListener(allowlist: ["acme/*", "library/nginx"]) { _, _ in
        } _: { base, ingestor in
            let refused = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: try examplePayload())
            #expect(refused.status == 403)
            #expect(jsonObject(refused.body)["error"] == .string("repository_not_allowed"))
            #expect(ingestor.store.totals.events == 0)
            #expect(ingestor.rejections.byReason["repository_not_allowed"] == 1)
            let allowed = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: try examplePayload(repo: "acme/api"),
                extraHeaders: [
                    ("User-Agent", "Docker-Hookshot/1.0"), ("X-Forwarded-For", "203.0.113.9, 10.0.0.1"),
                ])
            #expect(allowed.status == 200)
            let event = try #require(ingestor.store.event(id: 1))
            let delivery = try #require(event.delivery)
            #expect(delivery.allowedBy == "acme/*")
            #expect(delivery.origin == .webhook)
            #expect(delivery.userAgent == "Docker-Hookshot/1.0")
            #expect(delivery.source == "127.0.0.1")
            #expect(delivery.forwardedFor == "203.0.113.9, 10.0.0.1")
            #expect(!delivery.forwardedForTrusted)
            #expect(delivery.clientAddress == "127.0.0.1", "X-Forwarded-For is not believed by default")
        }
    }

    @Test func forwardedForIsBelievedOnlyWithTrustProxy() async throws {
        try await withConfiguredListener { configuration, _ in
            configuration.trustProxy = true
        } _: { base, ingestor in
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: try examplePayload(),
                extraHeaders: [("X-Forwarded-For", "203.0.113.9, 10.0.0.1")])
            let delivery = try #require(ingestor.store.event(id: 1)?.delivery)
            #expect(delivery.forwardedForTrusted)
            // The right-most entry is the one the proxy added; the client wrote the others.
            #expect(delivery.clientAddress == "10.0.0.1")
            #expect(delivery.allowedBy == nil)
        }
    }
}

@Suite(.serialized) struct CallbackTests {
    /// Docker Hub no longer supports `callback_url` (calling it answers 404): hubtop shows the
    /// field and never calls it. A forward to a second receiver is the sign that everything a
    /// delivery sets off has happened.
    @Test func theLegacyCallbackIsNeverCalled() async throws {
        let callbacks = TestReceiver(statuses: [200])
        let callbackPort = try await callbacks.start()
        let forwards = TestReceiver(statuses: [200])
        let forwardPort = try await forwards.start()
        try await withConfiguredListener { configuration, store in
            configuration.relay = try Forwarder(
                urls: ["http://127.0.0.1:\(forwardPort)/"], store: store, metrics: nil)
        } _: { base, ingestor in
            let body = try examplePayload(callback: "http://127.0.0.1:\(callbackPort)/cb")
            let response = try await HTTPPost.post(url: base + "/hook/secret-token-0123456789", body: body)
            #expect(response.status == 200)
            try await eventually("the forward") { ingestor.store.outcomes(of: 1).first?.state == .delivered }
            #expect(ingestor.store.event(id: 1)?.payload.callbackURL == "http://127.0.0.1:\(callbackPort)/cb")
        }
        #expect(forwards.received.count == 1)
        #expect(callbacks.received.isEmpty, "the callback URL was never called")
        await callbacks.stop()
        await forwards.stop()
    }
}
