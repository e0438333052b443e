import HubtopTestSupport
import Testing

@testable import HubtopCore

/// The event stream a viewer reads: what the receiver writes comes back as the same events, each
/// stored once however often it is sent, and nothing a hostile stream sends gets past a clear error.
@Suite struct StreamTests {
    /// A store holding Docker Hub deliveries (two of one repository) and one of each other registry.
    func receiverStore() throws -> EventStore {
        let store = EventStore()
        let ingestor = Ingestor(store: store)
        var feed = DemoFeed(seed: 42)
        for index in 0..<6 {
            let delivery = DeliveryInfo(
                origin: .webhook, source: "10.0.0.\(index)", userAgent: "Go-http-client/1.1")
            _ = ingestor.ingest(
                feed.next(now: 1_790_000_000 + Double(index)), receivedAt: 1_790_000_000 + Double(index),
                delivery: delivery)
        }
        for name in SourceSamples.names {
            let sample = try #require(SourceSamples.sample(name))
            let decoded = try sample.body.withUnsafeBufferPointer {
                try WebhookDecoder.decode($0, hints: sample.hints(proof: .signature))
            }
            for payload in decoded.events { store.ingest(payload, receivedAt: 1_790_000_100) }
        }
        return store
    }

    func frames(_ store: EventStore) -> [[UInt8]] {
        var encoder = StreamEncoder()
        return store.events(after: 0, limit: 1000).map { encoder.event($0) }
    }

    @Test func everyEventComesBackAsTheReceiverHeldIt() throws {
        let receiver = try receiverStore()
        let viewer = EventStore()
        let applier = StreamApplier(store: viewer)
        let sent = frames(receiver)
        // A repository's object is sent once while it stays the same.
        let withRepository = sent.filter { String(decoding: $0, as: UTF8.self).contains("\"repository\":") }
        #expect(withRepository.count < sent.count)
        for frame in sent { try applier.apply(frame) }
        let held = receiver.events(after: 0, limit: 1000)
        let shown = viewer.events(after: 0, limit: 1000)
        #expect(shown.count == held.count && held.count > 8)
        for (original, copy) in zip(held, shown) {
            #expect(copy.payload == original.payload, "event \(original.id) \(original.repoName)")
            #expect(copy.receivedAt == original.receivedAt)
            #expect(copy.delivery == original.delivery)
        }
        #expect(
            shown.contains { $0.payload.origin?.proof == .signature && $0.payload.origin?.source == .github })
    }

    @Test func anEventSentAgainIsStoredOnceAndFoldsAreCounts() throws {
        let receiver = try receiverStore()
        let viewer = EventStore()
        let applier = StreamApplier(store: viewer)
        let sent = frames(receiver)
        for frame in sent { try applier.apply(frame) }
        // A reconnect sends the history again: nothing new, nothing counted as a redelivery.
        for frame in sent { #expect(try applier.apply(frame) == nil) }
        #expect(viewer.totals.events == receiver.totals.events)
        #expect(viewer.totals.folded == 0)
        let fold = StreamEncoder.fold(id: 1, deliveries: 3, lastDeliveredAt: 1_790_000_500)
        try applier.apply(fold)
        try applier.apply(fold)
        #expect(viewer.event(id: 1)?.deliveries == 3)
        // The same id with another time is another history's event (the receiver started over).
        var encoder = StreamEncoder()
        let first = try #require(receiver.event(id: 1))
        let other = StoredEvent(
            id: 1, receivedAt: first.receivedAt + 1, deliveries: 1, lastDeliveredAt: first.receivedAt + 1,
            payload: first.payload, delivery: nil)
        #expect(try applier.apply(encoder.event(other)) != nil)
    }

    /// A read's messages applied as one batch: each outcome in its place, an unreadable one
    /// skipped, an event sent twice stored once, a fold finding the event before it, and the
    /// store as the same messages one at a time leave it.
    @Test func aBatchIsAppliedAsItsMessagesOneAtATime() throws {
        let receiver = try receiverStore()
        let sent = frames(receiver)
        let fold = StreamEncoder.fold(id: 2, deliveries: 4, lastDeliveredAt: 1_790_000_600)
        let garbage = Array("{\"kind\":".utf8)
        let batch =
            Array(sent[0..<3]) + [garbage, sent[1], fold] + Array(sent[3...]) + [StreamEncoder.caughtUp]
        let single = EventStore()
        let oneAtATime = StreamApplier(store: single)
        func said(_ outcome: Result<StreamMessage?, StreamError>) -> String {
            switch outcome {
            case .failure: return "unreadable"
            case .success(nil): return "held"
            case .success(.event(let event)?): return "event \(event.id)"
            case .success(.fold(let id, let deliveries, _)?): return "fold \(id) \(deliveries)"
            case .success(.caughtUp?): return "caught up"
            case .success(.hello?), .success(.other?): return "other"
            }
        }
        let expected = batch.map { data in
            said(Result { () throws(StreamError) -> StreamMessage? in try oneAtATime.apply(data) })
        }
        let batched = EventStore()
        let applier = StreamApplier(store: batched)
        let outcomes = applier.apply(batch: batch).map(said)
        #expect(outcomes == expected)
        #expect(outcomes[3] == "unreadable" && outcomes[4] == "held" && outcomes[5] == "fold 2 4")
        #expect(outcomes.last == "caught up")
        #expect(batched.totals == single.totals)
        #expect(batched.event(id: 2)?.deliveries == 4)
        #expect(batched.events(after: 0, limit: 1000) == single.events(after: 0, limit: 1000))
        #expect(applier.applied == receiver.totals.events)
        #expect(applier.receiverID(of: 2) == 2)
    }

    @Test func aSharedEncoderSaysARepositoryAgainAfterAWhile() throws {
        let store = try receiverStore()
        let first = try #require(store.event(id: 1))
        var encoder = StreamEncoder(resendAfter: 3)
        func carriesRepository() -> Bool {
            String(decoding: encoder.event(first), as: UTF8.self).contains("\"repository\":")
        }
        #expect(carriesRepository())
        #expect(!carriesRepository() && !carriesRepository() && !carriesRepository())
        #expect(carriesRepository(), "said again after three events")
        #expect(!carriesRepository())
    }

    @Test func theParserTakesAnyChunkingAndSkipsComments() throws {
        var text: [UInt8] = Array(": keepalive\n\n".utf8)
        ServerSentEvents.frame(id: "run-1", data: Array("{\"kind\":\"caught_up\"}".utf8), into: &text)
        text += Array("data: {\"kind\"\r\ndata: :\"x\"}\r\n\r\n".utf8)
        for step in [1, 2, 7, text.count] {
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            for start in stride(from: 0, to: text.count, by: step) {
                try text[start..<min(text.count, start + step)].withUnsafeBytes { bytes in
                    try parser.feed(bytes) { events.append($0) }
                }
            }
            #expect(events.count == 2, "step \(step)")
            #expect(events.first?.id == "run-1")
            #expect(events.last.map { String(decoding: $0.data, as: UTF8.self) } == "{\"kind\"\n:\"x\"}")
            #expect(parser.lastID == "run-1")
        }
    }

    @Test func aHostileStreamGetsAnErrorNotMemory() throws {
        var parser = ServerSentEventParser(maximumEventBytes: 1024)
        let endless = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        #expect(throws: StreamError.self) {
            try endless.withUnsafeBytes { try parser.feed($0) { _ in } }
        }
        var lines = ServerSentEventParser(maximumEventBytes: 1024)
        let many = Array(String(repeating: "data: aaaaaaaaaa\n", count: 200).utf8)
        #expect(throws: StreamError.self) {
            try many.withUnsafeBytes { try lines.feed($0) { _ in } }
        }
        let applier = StreamApplier(store: EventStore())
        for garbage in [
            "not json", "[1,2]", "{\"id\":\"x\"}", "{\"id\":1,\"received_at\":1}", "{\"kind\":\"fold\"}",
        ] {
            #expect(throws: StreamError.self, "\(garbage)") { try applier.apply(Array(garbage.utf8)) }
        }
        // Escapes arrive as text and are kept as a payload's are: sanitised where drawn.
        let hostile =
            "{\"id\":9,\"received_at\":1790000000,\"repo_name\":\"acme/\\u001b[31mred\",\"tag\":\"\\u202ev1\"}"
        let message = try applier.apply(Array(hostile.utf8))
        guard case .event(let event)? = message else {
            Issue.record("not an event: \(String(describing: message))")
            return
        }
        #expect(event.payload.repository.repoName == "acme/\u{1B}[31mred")
        #expect(!TerminalSanitizer.line(event.payload.repository.repoName).contains("\u{1B}"))
    }

    /// Members are read as any JSON object's would be: the last of a repeated one wins, entries of
    /// `images` that are not strings are left out, a `repository` that is not an object names
    /// nothing, and an unchanged repository object gives the same shared info.
    @Test func oddMembersReadAsAnObjectsWouldBe() throws {
        var decoder = StreamDecoder()
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let first = """
            {"id":1,"received_at":5,"repo_name":"a/b","images":["x"],"tag":"old","images":[1,"\(digest)",null,"v1"],
             "surprise":{"deep":[1,{"k":"v"}]},"tag":"new","repository":{"star_count":3,"star_count":4,"owner":7}}
            """
        guard case .event(let one) = try decoder.decode(Array(first.utf8)) else {
            Issue.record("not an event")
            return
        }
        #expect(one.payload.images.map { $0 } == [digest, "v1"])
        #expect(one.payload.tag == "new")
        #expect(one.payload.repository.starCount == 4 && one.payload.repository.owner == nil)
        #expect(one.payload.repository.repoName == "a/b")
        let same = #"{"id":2,"received_at":6,"repo_name":"a/b","repository":{"star_count":4,"owner":7}}"#
        let left = #"{"id":3,"received_at":7,"repo_name":"a/b"}"#
        for text in [same, left] {
            guard case .event(let next) = try decoder.decode(Array(text.utf8)) else {
                Issue.record("not an event")
                return
            }
            #expect(next.payload.repositoryBox === one.payload.repositoryBox, "\(text)")
        }
        let notAnObject = #"{"id":4,"received_at":8,"repo_name":"a/b","repository":"x"}"#
        guard case .event(let plain) = try decoder.decode(Array(notAnObject.utf8)) else {
            Issue.record("not an event")
            return
        }
        #expect(plain.payload.repository == RepositoryInfo(repoName: "a/b"))
        #expect(throws: StreamError.self) { try decoder.decode(Array(#"{"id":5,"images":[1,}"#.utf8)) }
    }

    @Test func unknownKindsAreSkipped() throws {
        let applier = StreamApplier(store: EventStore())
        let message = try applier.apply(Array("{\"kind\":\"weather\",\"sunny\":true}".utf8))
        guard case .other(let kind)? = message else {
            Issue.record("\(String(describing: message))")
            return
        }
        #expect(kind == "weather")
    }
}
