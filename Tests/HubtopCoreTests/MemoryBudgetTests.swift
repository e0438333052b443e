import HubtopTestSupport
import Testing

@testable import HubtopCore

/// What a sender can make the store hold is bounded by its budget, whatever it sends.
@Suite struct MemoryBudgetTests {
    @Test func theStoreEvictsOldestEventsToStayUnderItsBudget() {
        let budget = 4 << 20
        let store = EventStore(capacity: 100_000, memoryBudget: budget)
        // Distinct 250 KB Dockerfiles, each in a repository of its own.
        for index in 0..<200 {
            let dockerfile = "FROM scratch\n# \(index)\n" + String(repeating: "x", count: 250_000)
            store.ingest(
                makePayload(repo: "big/r\(index)", pushedAt: Double(index), dockerfile: dockerfile),
                receivedAt: Double(index))
            #expect(store.totals.bytes <= budget)
        }
        let totals = store.totals
        #expect(totals.events > 5 && totals.events < 20, "\(totals.events)")
        #expect(totals.evicted == 200 - totals.events)
        // The newest are kept, and the repositories of evicted events are gone with them.
        #expect(store.event(id: 200) != nil)
        #expect(totals.repositories == totals.events)
        #expect(store.repository(named: "big/r0") == nil)
        #expect(store.repositories().count == totals.events)
    }

    @Test func countedBytesGoBackToZeroWhenEverythingIsEvicted() {
        let store = EventStore(capacity: 3)
        for index in 0..<50 {
            store.ingest(
                makePayload(
                    repo: "r/\(index % 7)", pushedAt: Double(index),
                    dockerfile: String(repeating: "d", count: 1000 + index)),
                receivedAt: Double(index))
        }
        let held = store.totals.bytes
        #expect(held > 0)
        // A store of three small events of one repository holds far less than the Dockerfiles seen.
        let fresh = EventStore(capacity: 3)
        for index in 0..<3 {
            fresh.ingest(makePayload(repo: "r/x", pushedAt: Double(index)), receivedAt: 1)
        }
        #expect(fresh.totals.bytes < held)
        #expect(store.totals.repositories == 3)
    }

    @Test func longTextIsHeldOnceAcrossRepositoriesAndFreedWithItsLastHolder() {
        let dockerfile = "FROM alpine\n" + String(repeating: "RUN true\n", count: 1000)
        let store = EventStore(capacity: 10)
        store.ingest(makePayload(repo: "a/one", pushedAt: 1), receivedAt: 1)
        let empty = store.totals.bytes
        store.ingest(makePayload(repo: "a/two", pushedAt: 2, dockerfile: dockerfile), receivedAt: 2)
        let one = store.totals.bytes - empty
        store.ingest(makePayload(repo: "a/three", pushedAt: 3, dockerfile: dockerfile), receivedAt: 3)
        let two = store.totals.bytes - empty
        #expect(one > dockerfile.utf8.count)
        #expect(two - one < dockerfile.utf8.count / 4, "the second copy costs no Dockerfile")
        // The two infos share one string.
        let a = store.event(id: 2)!.payload.repository.dockerfile!
        let b = store.event(id: 3)!.payload.repository.dockerfile!
        #expect(
            a.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
                == b.utf8.withContiguousStorageIfAvailable { $0.baseAddress })
        // Evicted with the last event that holds it: the count goes back to what a store
        // without it holds.
        let small = EventStore(capacity: 2)
        let plain = EventStore(capacity: 2)
        for (index, repo) in ["b/one", "b/two", "c/x", "c/y"].enumerated() {
            small.ingest(
                makePayload(repo: repo, pushedAt: Double(index), dockerfile: index < 2 ? dockerfile : nil),
                receivedAt: 1)
            plain.ingest(makePayload(repo: repo, pushedAt: Double(index)), receivedAt: 1)
        }
        #expect(small.totals.bytes == plain.totals.bytes)
    }

    /// Text no other event repeats is paid for byte by byte, however short: a sender of ever
    /// new 200-byte tags and pushers fills the budget with them, not three times it.
    @Test func newTextIsCountedForEveryByteAndSharedTextOnce() {
        let budget = 1 << 20
        let store = EventStore(capacity: 100_000, memoryBudget: budget)
        let filler = String(repeating: "x", count: 200)
        for index in 0..<10_000 {
            store.ingest(
                makePayload(
                    repo: "hostile/r", tag: "\(index)" + filler, pusher: filler + "\(index)",
                    pushedAt: Double(index)),
                receivedAt: Double(index))
        }
        let held = store.totals.events
        #expect(held * 2 * 200 <= budget, "\(held) events hold \(held * 400) bytes of text alone")
        #expect(store.totals.bytes <= budget)
        #expect(store.totals.bytes == store.recountedBytes())
        // The same long tag and pusher, a thousand times: counted once.
        let repeated = EventStore(capacity: 100_000)
        repeated.ingest(
            makePayload(repo: "calm/r", tag: "v" + filler, pusher: "p" + filler, pushedAt: 0), receivedAt: 0)
        let first = repeated.totals.bytes
        for index in 1..<1_000 {
            repeated.ingest(
                makePayload(repo: "calm/r", tag: "v" + filler, pusher: "p" + filler, pushedAt: Double(index)),
                receivedAt: Double(index))
        }
        #expect((repeated.totals.bytes - first) / 999 < 300, "\(repeated.totals.bytes)")
        // One copy in memory: the events' tags are the same string.
        let a = repeated.event(id: 1)!.payload.tag!
        let b = repeated.event(id: 1_000)!.payload.tag!
        #expect(
            a.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
                == b.utf8.withContiguousStorageIfAvailable { $0.baseAddress })
    }

    @Test func aRepositorySlotIsReusedAfterItsLastEventGoes() {
        let store = EventStore(capacity: 2)
        store.ingest(makePayload(repo: "a/one", pushedAt: 1), receivedAt: 1)
        store.ingest(makePayload(repo: "a/two", pushedAt: 2), receivedAt: 2)
        store.ingest(makePayload(repo: "a/three", pushedAt: 3), receivedAt: 3)  // evicts a/one
        store.ingest(makePayload(repo: "a/four", pushedAt: 4), receivedAt: 4)  // evicts a/two
        #expect(store.repositories().map(\.name) == ["a/four", "a/three"])
        #expect(store.repository(named: "a/one") == nil)
        #expect(store.events(filter: EventFilter(repositoryContains: "four")).events.map(\.id) == [4])
        #expect(store.history().rows.map(\.event.id) == [4, 3])
        store.ingest(makePayload(repo: "a/one", pushedAt: 5), receivedAt: 5)
        #expect(store.repository(named: "a/one")?.events == 1)
        #expect(store.tags(of: "a/one").map(\.events) == [1], "a fresh repository, not the old tables")
    }

    @Test func unknownFieldsAreKeptAsCappedText() throws {
        let nested = "[" + String(repeating: "[1,2,3],", count: 3000) + "[]]"
        let body = #"{"repository":{"repo_name":"a/b"},"small":{"k":[1, 2]},"big":\#(nested),"late":1}"#
        let payload = try PayloadDecoder.decode(body)
        #expect(payload.extras.map(\.path) == ["small", "late"])
        #expect(payload.extras[0].json == #"{"k":[1, 2]}"#, "kept as sent")
        #expect(payload.extras[0].value.jsonText == #"{"k":[1,2]}"#)
        #expect(payload.repairs.contains { $0.contains("1 unknown field(s) not kept: over 16 KiB") })
    }

    @Test func objectsWithTooManyMembersAreRefused() throws {
        let keys = (0...JSONScanner.maximumObjectMembers).map { "\"k\($0)\":0" }.joined(separator: ",")
        for body in [
            #"{"repository":{"repo_name":"a/b"},"x":{\#(keys)}}"#,
            #"{"repository":{"repo_name":"a/b"},\#(keys)}"#,
        ] {
            #expect(throws: PayloadError.self) { try PayloadDecoder.decode(body) }
        }
        // Duplicates still resolve to the last value.
        #expect(try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#).members["a"] == .number(3))
        #expect(
            try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#) == .object([("a", .number(3)), ("b", .number(2))]))
    }

    @Test func duplicateKeysAreFoundInLinearTime() throws {
        func object(_ keys: Int) -> String {
            "{" + (0..<keys).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        }
        let small = object(600)
        let large = object(9_600)
        func fastest(_ text: String) throws -> Duration {
            var best = Duration.seconds(1000)
            for _ in 0..<5 {
                let start = ContinuousClock.now
                _ = try JSONValue.parse(text)
                best = min(best, ContinuousClock.now - start)
            }
            return best
        }
        _ = try JSONValue.parse(small)  // warm up
        let ratio = try fastest(large) / fastest(small)
        // Sixteen times the keys: about sixteen times the work when linear, 256 when quadratic
        // (a margin wide enough for a machine busy with the other tests).
        #expect(ratio < 64, "\(ratio)")
    }

    @Test func sizesParse() {
        #expect(ByteSize.parse("512MiB") == 512 << 20)
        #expect(ByteSize.parse("2GiB") == 2 << 30)
        #expect(ByteSize.parse("64 KiB") == 64 << 10)
        #expect(ByteSize.parse("1000") == 1000)
        #expect(ByteSize.parse("12MB") == nil)
        #expect(ByteSize.parse("-1MiB") == nil)
        #expect(ByteSize.format(5000) == "4.9 KiB")
        #expect(ByteSize.format(512 << 20) == "512 MiB")
    }

    @Test func activityIgnoresTimesNoClockGives() {
        var ring = ActivityRing(bucketSeconds: 1, buckets: 10)
        ring.add(at: 1e19)
        ring.add(at: -.infinity)
        ring.add(at: 100)
        #expect(ring.recent(10, now: 100).reduce(0, +) == 1)
    }
}

@Suite struct UnsafeTextTests {
    @Test func jsonOutputEscapesWhatATerminalWouldActOnOrHide() {
        let store = EventStore()
        store.ingest(
            makePayload(repo: "acme/a\u{200B}pi\u{202E}x\u{85}", tag: "t\u{9B}2", pusher: "\u{1F600}"),
            receivedAt: 1)
        let line = EventFormatter.json(store.event(id: 1)!)
        #expect(line.contains(#""acme/a\u200bpi\u202ex\u0085""#), "\(line)")
        #expect(line.contains(#""t\u009b2""#), "\(line)")
        #expect(line.contains("\u{1F600}"), "ordinary characters stay as they are")
        #expect(!line.unicodeScalars.contains { $0.value >= 0x80 && $0.value <= 0x9F })
        // Still the same text once parsed.
        #expect(
            (try? JSONValue.parse(line))?.members["repo_name"] == .string("acme/a\u{200B}pi\u{202E}x\u{85}"))
    }

    @Test func invisibleCharactersAreShownOnScreen() {
        #expect(TerminalSanitizer.line("acme/a\u{200B}pi") == "acme/a⟨U+200B⟩pi")
        #expect(TerminalSanitizer.line("x\u{FEFF}y\u{E0041}") == "x⟨U+FEFF⟩y⟨U+E0041⟩")
        #expect(TerminalSanitizer.line("acme/api") == "acme/api")
    }
}

@Suite struct MemoryAccountingTests {
    /// Random pushes (shared and changing Dockerfiles, repositories coming and going, folds,
    /// evictions by count and by budget): the running count always equals a count from scratch.
    @Test func theRunningCountNeverDriftsFromARecount() {
        var generator = SystemRandomNumberGenerator()
        let dockerfiles = (0..<5).map {
            "FROM base\(String($0))\n" + String(repeating: "RUN step\n", count: 40 + $0)
        }
        for (capacity, budget) in [(50, 0), (1_000, 60_000), (7, 0)] {
            let store = EventStore(capacity: capacity, memoryBudget: budget)
            for step in 0..<600 {
                let repo = "r/\(Int.random(in: 0..<12, using: &generator))"
                let dockerfile =
                    Bool.random(using: &generator) ? dockerfiles.randomElement(using: &generator) : nil
                let pushedAt = Double(Int.random(in: 0..<400, using: &generator))
                // Two senders whose ids share a prefix, one whose ids do not end in a number, none.
                let sender = ["10.0.0.1", "10.0.0.2", "10.0.0.3", nil].randomElement(using: &generator)!
                let delivery = sender.map {
                    DeliveryInfo(
                        origin: .webhook, source: $0, userAgent: "a user agent longer than fifteen bytes",
                        deliveryID: $0 == "10.0.0.3" ? "id-\(step)x" : "prefix-\(step + 1)")
                }
                store.ingest(
                    makePayload(
                        repo: repo,
                        tag: step % 3 == 0 ? "a-tag-longer-than-inline-\(step % 7)" : "t\(step % 5)",
                        pusher: step % 4 == 0 ? "a-pusher-of-many-bytes-\(step % 9)" : "ann",
                        pushedAt: pushedAt,
                        callback: "https://cb/\(repo)/\(Int(pushedAt))/long-enough", dockerfile: dockerfile),
                    receivedAt: Double(step), delivery: delivery)
                if step % 50 == 0 { #expect(store.totals.bytes == store.recountedBytes(), "step \(step)") }
            }
            #expect(store.totals.bytes == store.recountedBytes())
            if budget > 0 { #expect(store.totals.bytes <= budget) }
        }
    }

    @Test func deliveryDetailsAreSharedAmongEventsAndEachKeepsItsOwnID() throws {
        func delivery(_ id: String, from source: String = "203.0.113.7") -> DeliveryInfo {
            DeliveryInfo(
                origin: .webhook, source: source, userAgent: "Go-http-client/1.1 (hookshot)", deliveryID: id)
        }
        let ids = ["Zq9xY2ab-1", "Zq9xY2ab-2", "Zq9xY2ab-03", "Zq9xY2ab-0", "Zq9xY2ab", "a-b-7"]
        let stored = try ids.enumerated().map { index, id in
            let alone = EventStore(capacity: 100)
            alone.ingest(
                makePayload(repo: "r/x", pushedAt: Double(index)), receivedAt: 1, delivery: delivery(id))
            return try #require(alone.event(id: 1))
        }
        // Each event reads back the delivery it came with, ids with leading zeros and all.
        #expect(stored.map { $0.delivery?.deliveryID } == ids)
        #expect(stored.map { $0.delivery } == ids.map { delivery($0) })
        // Two of one sender share one object; another sender's is another.
        let store = EventStore(capacity: 100)
        for (index, id) in ["Zq9xY2ab-1", "Zq9xY2ab-2", "Zq9xY2ab-3"].enumerated() {
            store.ingest(
                makePayload(repo: "r/x", pushedAt: Double(index)), receivedAt: 1,
                delivery: delivery(id, from: index == 2 ? "198.51.100.1" : "203.0.113.7"))
        }
        let events = try (1...3).map { try #require(store.event(id: UInt64($0))) }
        #expect(events[0].sharedDelivery === events[1].sharedDelivery)
        #expect(events[0].sharedDelivery !== events[2].sharedDelivery)
        #expect(store.state.withLock { $0.sharedDeliveries.count } == 2)
        #expect(store.totals.bytes == store.recountedBytes())
        // Evicted with their events (two kept): nothing else left held or counted.
        let small = EventStore(capacity: 2)
        for index in 0..<5 {
            small.ingest(
                makePayload(repo: "r/y", pushedAt: Double(index)), receivedAt: 2,
                delivery: delivery("Zq9xY2ab-\(index + 1)", from: "192.0.2.\(index)"))
        }
        #expect(small.state.withLock { $0.sharedDeliveries.count } == 2)
        #expect(small.totals.bytes == small.recountedBytes())
    }
}
