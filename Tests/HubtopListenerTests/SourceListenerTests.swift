import Foundation
import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// Every registry posts to the same `/hook/<token>`: recognised, verified, acknowledged.
@Suite struct SourceListenerTests {
    static let token = "secret-token-0123456789"
    static let secret = "github-webhook-secret"
    var hook: String { "/hook/\(Self.token)" }

    func post(_ base: String, _ sample: SourceSample, path: String? = nil, extra: [(String, String)] = [])
        async throws -> HTTPPost.Response
    {
        try await HTTPPost.post(
            url: base + (path ?? hook), body: sample.body, contentType: sample.contentType,
            extraHeaders: sample.headers.map { ($0.name, $0.value) } + extra)
    }

    @Test func gitHubDeliveriesAreStoredOnlyWithAValidSignature() async throws {
        try await withConfiguredListener { configuration, _ in
            configuration.githubSecret = Secret(Self.secret)
        } _: { base, ingestor in
            let sample = SourceSamples.github(
                SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0"))
            let missing = try await post(base, sample)
            #expect(missing.status == 401)
            #expect(jsonObject(missing.body)["error"] == .string("bad_signature"))
            let wrong = try await post(
                base, sample,
                extra: [
                    (
                        "X-Hub-Signature-256",
                        GitHubSignature.header(body: sample.body + [0x20], secret: Secret(Self.secret))
                    )
                ])
            #expect(wrong.status == 401)
            #expect(ingestor.store.totals.events == 0)

            let signed = try await post(
                base, sample,
                extra: [
                    (
                        "X-Hub-Signature-256",
                        GitHubSignature.header(body: sample.body, secret: Secret(Self.secret))
                    )
                ])
            #expect(signed.status == 200)
            let event = try #require(ingestor.store.event(id: 1))
            #expect(event.repoName == "ghcr.io/acme/api" && event.tag == "3.2.0")
            #expect(event.payload.origin?.proof == .signature)
            // A manual redelivery keeps its X-GitHub-Delivery: one event, two deliveries.
            let again = try await post(
                base, sample,
                extra: [
                    (
                        "X-Hub-Signature-256",
                        GitHubSignature.header(body: sample.body, secret: Secret(Self.secret))
                    )
                ])
            #expect(again.body == #"{"ok":true,"id":1,"deliveries":2}"#)
        }
    }

    @Test func whatIsNotShownIsStillAcknowledgedAndPullsAreCounted() async throws {
        try await withListener { base, ingestor in
            let push = SamplePush(host: "127.0.0.1:5000", repository: "team/app", tag: "v1")
            let blob = try await post(
                base, SourceSamples.distribution(push, mediaType: "application/octet-stream", tag: .some(nil))
            )
            #expect(blob.status == 200)
            #expect(jsonObject(blob.body)["stored"] == .bool(false))
            for id in ["p-1", "p-2", "p-3"] {
                var pull = push
                pull.id = id
                let counted = try await post(base, SourceSamples.distribution(pull, action: "pull"))
                #expect(counted.status == 200)
            }
            #expect(ingestor.store.totals.events == 0)
            let stored = try await post(base, SourceSamples.distribution(push))
            #expect(stored.body == #"{"ok":true,"id":1}"#)
            #expect(ingestor.store.tags(of: "127.0.0.1:5000/team/app").first?.pulls == 3)
        }
    }

    @Test func aHeaderTokenIsRecordedAsTheProofAndTheHandshakeIsAllowed() async throws {
        try await withListener { base, ingestor in
            let sample = SourceSamples.harbor(
                SamplePush(host: "harbor.corp.example", repository: "payments/ledger", tag: "2.3.1"))
            let response = try await post(
                base, sample, path: "/hook", extra: [("Authorization", "Bearer \(Self.token)")])
            #expect(response.status == 200)
            #expect(ingestor.store.event(id: 1)?.payload.origin?.proof == .headerToken)

            let handshake = try await HTTPPost.post(
                url: base + hook, body: [], extraHeaders: [("WebHook-Request-Origin", "eventgrid.azure.net")],
                method: "OPTIONS")
            #expect(handshake.status == 200)
            #expect(
                handshake.headers.contains {
                    $0.0.lowercased() == "webhook-allowed-origin" && $0.1 == "eventgrid.azure.net"
                })
        }
    }

    @Test func unrecognisedJSONGets400NamingTheFormats() async throws {
        try await withListener { base, ingestor in
            let response = try await HTTPPost.post(url: base + hook, body: Array(#"{"hello":"world"}"#.utf8))
            #expect(response.status == 400)
            #expect(jsonObject(response.body)["detail"]?.string?.contains("Harbor") == true)
            #expect(ingestor.store.totals.events == 0)
        }
    }

    @Test func theJournalKeepsWhatTheRequestSaidSoAReplayDecodesItAgain() async throws {
        let path = NSTemporaryDirectory() + "hubtop-sources-\(UInt64.random(in: 0...UInt64.max)).journal"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try Journal(path: path, policy: .always)
        try await withConfiguredListener { configuration, store in
            configuration.durability = JournalDurability(journal, Ingestor(store: store))
        } _: { base, _ in
            let sample = SourceSamples.github(
                SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0"))
            let response = try await post(base, sample)
            #expect(response.status == 200)
        }
        let replayed = Ingestor(store: EventStore(capacity: 10))
        _ = try JournalReplay.replay(path, into: replayed, delivery: nil)
        let event = try #require(replayed.store.event(id: 1))
        #expect(event.repoName == "ghcr.io/acme/api")
        #expect(event.payload.origin?.proof == .unsigned)
        #expect(event.payload.origin?.deliveryKey?.hasPrefix("github:") == true)
    }
}

@Suite(.serialized) struct SourceForwardingTests {
    /// A forward carries the sender's format headers, so the next receiver reads a GitHub
    /// delivery as one, its signature included.
    @Test func aForwardedGitHubDeliveryKeepsItsEventAndSignatureHeaders() async throws {
        let receiver = TestReceiver(statuses: [200])
        let port = try await receiver.start()
        try await withConfiguredListener { configuration, store in
            configuration.githubSecret = Secret(SourceListenerTests.secret)
            var policy = Forwarder.Policy()
            policy.timeout = 5
            configuration.relay = try Forwarder(
                urls: ["http://127.0.0.1:\(port)/next"], policy: policy, store: store, metrics: nil)
        } _: { base, _ in
            let push = SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0", id: "forwarded-1")
            let sample = SourceSamples.github(push)
            let signature = GitHubSignature.header(
                body: sample.body, secret: Secret(SourceListenerTests.secret))
            let response = try await HTTPPost.post(
                url: base + "/hook/\(SourceListenerTests.token)", body: sample.body,
                extraHeaders: sample.headers.map { ($0.name, $0.value) } + [
                    ("X-Hub-Signature-256", signature)
                ])
            #expect(response.status == 200)
            try await eventually("the forward") { receiver.received.count == 1 }
            let forwarded = try #require(receiver.received.first)
            #expect(forwarded.header("X-GitHub-Event") == "package")
            #expect(forwarded.header("X-GitHub-Delivery") == "forwarded-1")
            #expect(forwarded.header("X-Hub-Signature-256") == signature)
            #expect(forwarded.body == sample.body)
        }
        await receiver.stop()
    }
}
