import Testing

@testable import HubtopCore

@Suite struct SupportTests {
    @Test func sanitizerReplacesEveryTerminalControl() {
        let hostile = "a\u{1B}]0;pwned\u{07}b\u{1B}[31mc\r\u{08}d\u{9B}e\u{202E}f\u{2066}g\u{7F}h"
        let safe = TerminalSanitizer.line(hostile)
        #expect(!safe.unicodeScalars.contains { TerminalSanitizer.isUnsafe($0) })
        #expect(safe.hasPrefix("a\u{FFFD}]0;pwned\u{FFFD}b"))
        #expect(TerminalSanitizer.line("x\ny") == "x\u{FFFD}y")
        #expect(TerminalSanitizer.multiline("x\ny\r\n") == "x\ny\n")
        #expect(TerminalSanitizer.line("a\tb") == "a   b")
        #expect(TerminalSanitizer.line("plain ünïcødé 日本") == "plain ünïcødé 日本")
    }

    @Test func timestampsFormatInUTC() {
        #expect(Timestamp.utc(1_417_566_161) == "2014-12-03 00:22:41Z")
        #expect(Timestamp.utc(0) == "1970-01-01 00:00:00Z")
        #expect(Timestamp.utc(951_782_400) == "2000-02-29 00:00:00Z")
        #expect(Timestamp.timeOfDay(3661) == "01:01:01")
        #expect(Timestamp.age(100, now: 100.5) == "now")
        #expect(Timestamp.age(0, now: 90) == "1m")
        #expect(Timestamp.age(0, now: 86_400 * 3) == "3d")
    }

    @Test func jsonWriterEscapesAndNests() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.string("q\"\\\n\u{1}")
        writer.key("b")
        writer.beginArray()
        writer.integer(1)
        writer.null()
        writer.bool(true)
        writer.endArray()
        writer.key("c")
        writer.number(1.5)
        writer.endObject()
        #expect(writer.text == #"{"a":"q\"\\\n\u0001","b":[1,null,true],"c":1.5}"#)
    }

    @Test func patcherReplacesAndInsertsWithoutTouchingTheRest() throws {
        let body = Array(DockerHubExample.body.utf8)
        let patched = try JSONPatcher.set(["push_data", "tag"], to: "\"v2\"", in: body)
        let text = String(decoding: patched, as: UTF8.self)
        #expect(text.contains(#""tag": "v2""#))
        #expect(text.contains(#"[\/var/cache/apt-cacher-ng\]"#), "the quirk survives")
        let inserted = try JSONPatcher.set(
            ["push_data", "tag"], to: "\"x\"", in: Array(#"{"repository":{}}"#.utf8))
        #expect(String(decoding: inserted, as: UTF8.self) == #"{"push_data":{"tag":"x"},"repository":{}}"#)
        let intoEmpty = try JSONPatcher.set(["a"], to: "1", in: Array("{}".utf8))
        #expect(String(decoding: intoEmpty, as: UTF8.self) == #"{"a":1}"#)
    }

    @Test func demoFeedIsRealisticAndDecodable() throws {
        var feed = DemoFeed(seed: 7)
        let store = EventStore()
        let ingestor = Ingestor(store: store)
        for index in 0..<400 {
            let result = ingestor.ingest(
                feed.next(now: 1_700_000_000 + Double(index)), receivedAt: Double(index))
            if case .failure(let error) = result { Issue.record("demo payload refused: \(error)") }
        }
        let totals = store.totals
        #expect(totals.repositories >= 15 && totals.repositories <= 25)
        #expect(totals.folded > 0, "redeliveries occur")
        #expect(store.pushers().count >= 4)
        let tags = Set(store.repositories().flatMap { store.tags(of: $0.name).compactMap(\.tag) })
        #expect(tags.contains("latest"))
        #expect(tags.contains { $0.hasPrefix("v") })
        let dockerfiles = Set(store.events(limit: 400).events.compactMap(\.payload.repository.dockerfile))
        #expect(dockerfiles.count > totals.repositories, "Dockerfiles change now and then")
    }

    @Test func headlessFormats() throws {
        let store = EventStore()
        store.ingest(try PayloadDecoder.decode(DockerHubExample.body), receivedAt: 5)
        let event = try #require(store.event(id: 1))
        let line = EventFormatter.line(event)
        #expect(line.contains("svendowideit/testhook:latest"))
        #expect(line.contains("by trustedbuilder"))
        #expect(line.contains("2 images"))
        #expect(line.contains("repairs: invalid escape"))
        let json = EventFormatter.json(event)
        let decoded = try JSONValue.parse(json).members
        #expect(decoded["id"] == .number(1))
        #expect(decoded["tag"] == .string("latest"))
        #expect(decoded["dockerfile_present"] == .bool(true))
        #expect(decoded["deliveries"] == .number(1))
        for key in [
            "received_at", "pushed_at", "repo_name", "namespace", "name", "pusher", "images", "repairs",
        ] {
            #expect(decoded[key] != nil, "missing \(key)")
        }
    }
}
