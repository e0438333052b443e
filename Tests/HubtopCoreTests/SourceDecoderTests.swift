import HubtopTestSupport
import Testing

@testable import HubtopCore

/// Every registry's format decodes to the same event, and none is taken for another.
@Suite struct SourceDecoderTests {
    static let push = SamplePush(
        host: "registry.internal:5000", repository: "team/app", tag: "1.8.0", digest: SamplePush.digest(7),
        pusher: "ci-alice", time: 1_793_628_309, id: "e-1")

    func decode(_ sample: SourceSample, proof: SenderProof? = .urlToken) throws -> DecodedDelivery {
        try sample.body.withUnsafeBufferPointer { body in
            try WebhookDecoder.decode(body, hints: sample.hints(proof: proof))
        }
    }

    @Test(arguments: [
        (
            "distribution", EventSource.distribution, WebhookFormat.distribution,
            "registry.internal:5000/team/app", "1.8.0"
        ),
        ("harbor", .harbor, .harbor, "harbor.corp.example/payments/ledger", "2.3.1"),
        ("github", .github, .github, "ghcr.io/acme/api", "3.2.0"),
        ("quay", .quay, .quay, "quay.io/acme/worker", "2026.11.02"),
        ("acr", .acr, .acr, "contoso.azurecr.io/shop/cart", "v12"),
        ("cloudevents", .acr, .acr, "contoso.azurecr.io/shop/cart", "v13"),
        ("ecr", .ecr, .ecr, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/payments", "2.0.1"),
        (
            "gar", .artifactRegistry, .artifactRegistry, "europe-west1-docker.pkg.dev/acme-prod/images/api",
            "v4"
        ),
    ])
    func eachSampleDecodesToOnePushNamedWithItsHost(
        name: String, source: EventSource, format: WebhookFormat, repository: String, tag: String
    ) throws {
        let sample = try #require(SourceSamples.sample(name))
        let decoded = try decode(sample)
        #expect(decoded.format == format)
        #expect(decoded.events.count == 1)
        let event = try #require(decoded.events.first)
        #expect(event.repository.repoName == repository)
        #expect(event.tag == tag)
        #expect(event.source == source)
        #expect(event.action == .push)
        #expect(event.origin?.proof == .urlToken)
        if name != "quay" {
            #expect(event.origin?.digest?.hasPrefix("sha256:") == true, "\(name)")
            #expect(event.pushedAt != nil, "\(name)")
        }
    }

    @Test func aDistributionPushKeepsItsFieldsAndTheRegistrysEventID() throws {
        let decoded = try decode(SourceSamples.distribution(Self.push))
        let event = try #require(decoded.events.first)
        #expect(event.pusher == "ci-alice")
        #expect(event.origin?.digest == Self.push.digest)
        #expect(event.origin?.host == "registry.internal:5000")
        #expect(event.origin?.deliveryKey == "distribution:e-1")
        #expect(event.pushedAt.map { abs($0 - (Self.push.time + 0.512734101)) < 1e-6 } == true)
        #expect(event.repository.namespace == "registry.internal:5000/team" && event.repository.name == "app")
    }

    @Test func blobsAndUntaggedManifestsAreAcknowledgedNotShownAndOnlyManifestPullsByTagCount() throws {
        let blob = try decode(
            SourceSamples.distribution(Self.push, mediaType: "application/octet-stream", tag: .some(nil)))
        #expect(blob.events.isEmpty && blob.pulls.isEmpty && blob.note?.contains("blob") == true)
        let child = try decode(
            SourceSamples.distribution(
                Self.push, mediaType: "application/vnd.oci.image.manifest.v1+json", tag: .some(nil)))
        #expect(child.events.isEmpty && child.note?.contains("digest") == true)
        let blobHead = try decode(
            SourceSamples.distribution(
                Self.push, action: "pull", mediaType: "application/octet-stream", tag: .some(nil)))
        #expect(blobHead.pulls.isEmpty && blobHead.events.isEmpty)
        let pull = try decode(SourceSamples.distribution(Self.push, action: "pull"))
        #expect(pull.events.isEmpty)
        #expect(pull.pulls == [PullCount(repository: "registry.internal:5000/team/app", tag: "1.8.0")])
        let delete = try decode(SourceSamples.distribution(Self.push, action: "delete"))
        #expect(delete.events.first?.action == .delete)
    }

    @Test func harborChildrenFoldAwayAndScansCarryTheirSeverities() throws {
        var child = Self.push
        child.tag = Self.push.digest
        let untagged = try decode(SourceSamples.harbor(child))
        #expect(untagged.events.isEmpty && untagged.note?.contains("untagged") == true)
        #expect(untagged.children.map(\.digest) == [Self.push.digest])
        let scan = try decode(SourceSamples.harbor(Self.push, type: "SCANNING_COMPLETED", scan: true))
        let event = try #require(scan.events.first)
        #expect(event.action == .scan)
        #expect(event.origin?.scan?.text == "2 high, 3 medium, 2 low")
        #expect(event.origin?.scan?.scanner == "Trivy")
        let quota = try decode(SourceSamples.harbor(Self.push, type: "QUOTA_WARNING"))
        #expect(quota.events.isEmpty && quota.format == .harbor)
    }

    @Test func gitHubReadsFormBodiesPingsAndLeavesUntaggedManifestsAndOtherPackagesOut() throws {
        let sample = SourceSamples.github(Self.push)
        var form = sample
        form.contentType = "application/x-www-form-urlencoded"
        form.body =
            Array("payload=".utf8)
            + Array(FormEncoding.encode(String(decoding: sample.body, as: UTF8.self)).utf8)
        let fromForm = try decode(form)
        #expect(fromForm.events.first?.repository.repoName == "registry.internal:5000/team/app")
        #expect(fromForm.events.first?.origin?.deliveryKey == "github:e-1")
        #expect(fromForm.events.first?.origin?.sourceURL == "https://github.com/team/app")

        var ping = sample
        ping.headers = [("X-GitHub-Event", "ping")]
        ping.body = Array(
            #"{"zen":"Keep it logically awesome.","hook_id":42,"hook":{"events":["package"],"config":{"url":"https://x/hook/SECRET"}}}"#
                .utf8)
        let pinged = try decode(ping)
        #expect(pinged.events.isEmpty)
        #expect(pinged.ping?.contains("hook 42") == true && pinged.ping?.contains("SECRET") == false)

        var untagged = Self.push
        untagged.tag = ""
        let child = try decode(SourceSamples.github(untagged))
        #expect(child.events.isEmpty)
        #expect(
            child.children == [
                ChildManifest(repository: "registry.internal:5000/team/app", digest: Self.push.digest)
            ])
        var npm = sample
        npm.body = Array(
            String(decoding: sample.body, as: UTF8.self).replacing("CONTAINER", with: "npm").utf8)
        #expect(try decode(npm).events.isEmpty)

        // Without its header a package event is refused, so that dropping it cannot skip the signature.
        var bare = sample
        bare.headers = []
        #expect(throws: PayloadError.self) { try decode(bare) }
    }

    @Test func cloudEventsInBinaryModeAndBatchesDecode() throws {
        let harbor = SourceSamples.harbor(Self.push)
        let data = try harbor.body.withUnsafeBufferPointer { try JSONValue.parseBody($0) }
        let eventData = try #require(data["event_data"]).jsonText
        let binary = SourceSample(
            headers: [
                ("ce-specversion", "1.0"), ("ce-id", "ce-9"), ("ce-source", "/projects/4/webhook/policies/9"),
                ("ce-type", "harbor.artifact.pushed"), ("ce-time", "2026-11-02T14:06:40Z"),
                ("ce-operator", "robot$ci"),
            ], contentType: "application/json", body: Array(eventData.utf8))
        let decoded = try decode(binary)
        let event = try #require(decoded.events.first)
        #expect(event.source == .harbor && event.pusher == "robot$ci")
        #expect(event.origin?.deliveryKey == "ce:/projects/4/webhook/policies/9 ce-9")
        #expect(event.pushedAt == Timestamp.parseRFC3339("2026-11-02T14:06:40Z"))

        let one = String(decoding: SourceSamples.eventGrid(Self.push).body, as: UTF8.self)
        let batch = SourceSample(
            headers: [], contentType: "application/cloudevents-batch+json",
            body: Array("[\(one),\(one.replacing("eg-e-1", with: "eg-e-2"))]".utf8))
        #expect(try decode(batch).events.count == 2)
    }

    @Test func unknownJSONIsRefusedNamingTheFormatsUnderstood() throws {
        let unknown = SourceSample(
            headers: [], contentType: "application/json", body: Array(#"{"hello":"world"}"#.utf8))
        do {
            _ = try decode(unknown)
            Issue.record("decoded an unknown body")
        } catch let error as PayloadError {
            #expect(error.detail.contains("Distribution") && error.detail.contains("Harbor"))
        }
    }

    /// Each format's body given to every other format's decoder: never an event.
    @Test func noDecoderTakesAnotherFormatsBody() throws {
        let decoders: [(WebhookFormat, (JSONValue) throws(PayloadError) -> DecodedDelivery)] = [
            (.distribution, DistributionDecoder.decodeEnvelope),
            (.harbor, HarborDecoder.decodeDefault),
            (.quay, QuayDecoder.decode),
            (.ecr, CloudNativeDecoders.decodeECR),
            (.artifactRegistry, CloudNativeDecoders.decodeArtifactRegistry),
            (.cloudEvents, CloudEventsDecoder.decodeStructured),
            (
                .github,
                { json throws(PayloadError) in
                    try GitHubDecoder.decode(event: "package", delivery: nil, body: json)
                }
            ),
        ]
        for name in SourceSamples.names {
            let sample = try #require(SourceSamples.sample(name))
            let own = try decode(sample).format
            let json = try sample.body.withUnsafeBufferPointer { try JSONValue.parseBody($0) }
            for (format, decoder) in decoders where format != own && !(own == .acr && format == .cloudEvents)
            {
                let events = (try? decoder(json))?.events ?? []
                #expect(events.isEmpty, "\(format) took the \(name) sample")
            }
            // A Docker Hub body is never taken for any of them, nor they for it.
            let hub = try Array(DockerHubExample.body.utf8).withUnsafeBufferPointer {
                try JSONValue.parseBody($0)
            }
            #expect(
                ((try? decoders.first { $0.0 == own }?.1(hub))?.events ?? []).isEmpty,
                "\(name) took Docker Hub's")
        }
        let hub = try Array(DockerHubExample.body.utf8).withUnsafeBufferPointer {
            try WebhookDecoder.decode($0, hints: DeliveryHints(contentType: "application/json"))
        }
        #expect(hub.format == .dockerHub && hub.events.first?.origin == nil)
    }

    @Test func hintsKeptBeforeTheBodyDecodeAgainAsTheListenerDid() throws {
        let sample = SourceSamples.github(Self.push)
        let stored = sample.hints(proof: .signature).storedLine + sample.body
        let decoded = try stored.withUnsafeBufferPointer { try WebhookDecoder.decodeStored($0) }
        #expect(decoded.events.first?.origin?.proof == .signature)
        #expect(decoded.events.first?.origin?.deliveryKey == "github:e-1")
    }

    @Test func theStoreFoldsRedeliveriesByEventIDCountsPullsAndKeepsScansWithTheirPush() throws {
        let store = EventStore(capacity: 100)
        let ingestor = Ingestor(store: store)
        func ingest(_ sample: SourceSample, at time: Double) throws -> StoreChange? {
            let admission = try sample.body.withUnsafeBufferPointer {
                try ingestor.admit($0, delivery: nil, hints: sample.hints()).get()
            }
            return ingestor.store(admission, receivedAt: time)
        }
        // The platform manifests pushed by digest before their index fold under its push.
        for (seed, id) in [(41, "c-1"), (42, "c-2")] {
            var child = Self.push
            child.digest = SamplePush.digest(UInt64(seed))
            child.id = id
            let manifest = SourceSamples.distribution(
                child, mediaType: "application/vnd.oci.image.manifest.v1+json", tag: .some(nil))
            #expect(try ingest(manifest, at: 0.5) == nil)
        }
        #expect(try ingest(SourceSamples.distribution(Self.push), at: 1) == .appended(id: 1))
        #expect(store.read { $0.children(of: 1) } == [SamplePush.digest(41), SamplePush.digest(42)])
        #expect(try ingest(SourceSamples.distribution(Self.push), at: 2) == .folded(id: 1, deliveries: 2))
        #expect(try ingest(SourceSamples.distribution(Self.push, action: "pull"), at: 3) == nil)
        #expect(try ingest(SourceSamples.distribution(Self.push, action: "pull"), at: 4) == nil)
        let tags = store.tags(of: "registry.internal:5000/team/app")
        #expect(tags.first?.pulls == 2)
        #expect(tags.first?.digest == Self.push.digest)

        var harbor = Self.push
        harbor.host = "harbor.corp.example"
        #expect(try ingest(SourceSamples.harbor(harbor), at: 5) == .appended(id: 2))
        #expect(
            try ingest(SourceSamples.harbor(harbor, type: "SCANNING_COMPLETED", scan: true), at: 6)
                == .annotated(id: 2))
        #expect(store.read { $0.scan(of: 2) }?.text == "2 high, 3 medium, 2 low")
        // A platform child's scan (its tag empty, its digest never stored) goes to the index's push.
        var child = harbor
        child.digest = SamplePush.digest(99)
        child.tag = ""
        #expect(
            try ingest(SourceSamples.harbor(child, type: "SCANNING_COMPLETED", scan: true), at: 7)
                == .annotated(id: 2))
        #expect(store.totals.events == 2)
    }
}

/// `application/x-www-form-urlencoded` for the tests' form bodies.
enum FormEncoding {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
