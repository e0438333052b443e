import HubtopTestSupport
import Testing

@testable import HubtopCore

/// The compact forms the store keeps a million of must read back exactly as given.
@Suite struct CompactStorageTests {
    @Test func callbackURLsAndImagesReadBackFromTheirSharedLayout() {
        let digest = "sha256:" + String(repeating: "ab12", count: 16)
        let urls: [String?] = [
            nil, "", "https://registry.hub.docker.com/u/acme/api/hook/2141b5bi5i5b02bec211i4eeih0242eg11000/",
            "https://example.com/hook/a/hook/b", "https://example.com/no-marker", "/hook/", "é/hook/ü",
            "hook/",
        ]
        let imageSets: [[String]] = [[], [digest], [digest, "plain text", digest], [""]]
        for url in urls {
            for images in imageSets {
                var payload = WebhookPayload(
                    callbackURL: url, images: images, repository: RepositoryInfo(repoName: "a/b"))
                #expect(payload.callbackURL == url, "\(String(describing: url))")
                #expect(Array(payload.images) == images)
                // Changing one leaves the other as it was.
                payload.images = [digest]
                #expect(payload.callbackURL == url && Array(payload.images) == [digest])
                payload.callbackURL = "https://x/hook/y"
                #expect(payload.callbackURL == "https://x/hook/y" && Array(payload.images) == [digest])
                #expect(payload.callbackPrefix == "https://x/hook/")
            }
        }
        let empty = WebhookPayload(repository: RepositoryInfo(repoName: "a/b"))
        #expect(empty.tail.bytes.isEmpty, "nothing to hold: no allocation")
    }

    @Test func theRareFieldsShareOneBoxAndOnlyWhenPresent() {
        var payload = WebhookPayload(repository: RepositoryInfo(repoName: "a/b"))
        #expect(payload.rare == nil)
        payload.mediaType = "application/vnd.oci.image.index.v1+json"
        payload.repairs = ["a repair"]
        payload.extras = [ExtraField(path: "x", json: "1")]
        #expect(payload.mediaType == "application/vnd.oci.image.index.v1+json")
        #expect(payload.repairs == ["a repair"] && payload.extras.map(\.path) == ["x"])
        var other = WebhookPayload(
            repository: RepositoryInfo(repoName: "a/b"), extras: [ExtraField(path: "x", json: "1")])
        other.repairs = ["a repair"]
        other.mediaType = "application/vnd.oci.image.index.v1+json"
        #expect(payload == other, "equal by value, not by box")
        payload.mediaType = nil
        payload.repairs = []
        payload.extras = []
        #expect(payload.rare == nil, "gone once empty")
    }

    @Test func imageListsReadBackWhatWasGiven() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<200 {
            var images: [String] = []
            for _ in 0..<Int(random.next() % 5) {
                switch random.next() % 5 {
                case 0: images.append("sha256:" + String(repeating: "ab12", count: 16))
                // Upper case and short digests are kept as text.
                case 1: images.append("sha256:" + String(repeating: "AB12", count: 16))
                case 2: images.append("sha256:" + String(repeating: "0", count: 63))
                case 3: images.append("ubuntu@sha256:deadbeef")
                default: images.append("")
                }
            }
            let list = ImageList(images)
            #expect(Array(list) == images)
            #expect(list.count == images.count)
            #expect(list == ImageList(images))
        }
        let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        #expect(ImageList([digest, "plain", digest])[2] == digest)
        #expect(ImageList([digest]) == [digest])
        #expect(
            ImageList([digest]) != ["sha256:" + String(repeating: "0123456789abcdef", count: 4).uppercased()])
    }

    @Test func redeliveryNeedsTheSamePushNotJustTheSameHash() {
        let store = EventStore()
        let first = makePayload(repo: "a/x", tag: "v1", pushedAt: 10)
        store.ingest(first, receivedAt: 1)
        #expect(store.ingest(first, receivedAt: 2) == .folded(id: 1, deliveries: 2))
        // Same repository and time, other tag: another push.
        #expect(
            store.ingest(makePayload(repo: "a/x", tag: "v2", pushedAt: 10), receivedAt: 3) == .appended(id: 2)
        )
        // A callback URL decides on its own; without one, repository and tag do.
        let withCallback = makePayload(repo: "a/x", tag: "v1", pushedAt: 10, callback: "https://hub/cb/9")
        #expect(store.ingest(withCallback, receivedAt: 4) == .appended(id: 3))
        #expect(StoreState.sameFoldKey(first, first))
        #expect(!StoreState.sameFoldKey(first, withCallback))
        #expect(
            !StoreState.sameFoldKey(makePayload(repo: "a/x"), makePayload(repo: "a/x")), "no push time: never"
        )
    }

    @Test func eventsOfARepositoryShareItsInfoUntilItChanges() {
        let store = EventStore()
        for (index, dockerfile) in ["FROM a", "FROM a", "FROM b", "FROM b"].enumerated() {
            store.ingest(
                makePayload(repo: "a/x", pushedAt: Double(index), dockerfile: dockerfile),
                receivedAt: Double(index))
        }
        let boxes = (1...4).map { store.event(id: UInt64($0))!.payload.repositoryBox }
        #expect(boxes[0] === boxes[1])
        #expect(boxes[1] !== boxes[2])
        #expect(boxes[2] === boxes[3])
        #expect(store.event(id: 3)?.payload.repository.dockerfile == "FROM b")
    }
}

/// The string scanner reads eight bytes at a time; whatever the alignment, mix or length, it
/// must give back exactly what was written.
@Suite struct StringScanningTests {
    @Test func stringsRoundTripThroughWriterAndScanner() throws {
        var random = SplitMix64(seed: 9)
        let pieces = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "漢", "😀", "\u{7F}", "0123456789",
            "\u{2028}", "\u{2029}", "\r",
        ]
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int(random.next() % 40) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            var writer = JSONWriter()
            writer.beginArray()
            writer.string(text)
            writer.endArray()
            let bytes = Array(writer.text.utf8)
            let decoded = try bytes.withUnsafeBufferPointer { buffer throws(JSONError) -> String in
                var scanner = JSONScanner(bytes: buffer)
                try scanner.beginArray()
                var first = true
                _ = try scanner.nextElement(first: &first)
                return try scanner.readStringLiteral()
            }
            #expect(decoded == text)
        }
    }

    @Test func theWriterEscapesWhatJSONAndJavaScriptNeed() {
        #expect(
            JSONWriter.quoted("a\"b\\c\n\r\t\u{1}\u{7F}\u{2028}\u{2029}é")
                == #""a\"b\\c\n\r\t\u0001\u007f\u2028\u2029é""#)
    }

    /// Plain runs are copied eight bytes at a time: whatever needs escaping is escaped at any
    /// place in a long string, at a word's edge or inside one.
    @Test func theWriterEscapesAtEveryPlaceInALongString() {
        let escapes: [(String, String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#), ("\u{1F}", #"\u001f"#),
            ("\u{7F}", #"\u007f"#), ("\u{2028}", #"\u2028"#), ("é", "é"), ("~", "~"), (" ", " "),
        ]
        for (special, escaped) in escapes {
            for place in 0..<24 {
                let before = String(repeating: "a", count: place)
                let after = String(repeating: "z", count: 23 - place)
                #expect(JSONWriter.quoted(before + special + after) == "\"" + before + escaped + after + "\"")
            }
        }
        for place in 0..<24 {
            let text = String(repeating: "b", count: place) + "\u{202E}" + String(repeating: "y", count: 9)
            var out: [UInt8] = []
            JSONWriter.appendQuoted(text, to: &out, escapingUnsafeText: true)
            let expected =
                "\"" + String(repeating: "b", count: place) + #"\u202e"# + String(repeating: "y", count: 9)
            #expect(String(decoding: out, as: UTF8.self) == expected + "\"")
        }
    }

    @Test func rawControlsAreKeptAndNonUTF8IsRefused() throws {
        for (input, expected) in [
            ("\"a\u{1}b\"", "a\u{1}b"),
            ("\"long enough to use words\u{2}x\\ny\"", "long enough to use words\u{2}x\ny"),
        ] {
            let bytes = Array(input.utf8)
            let value = try bytes.withUnsafeBufferPointer { buffer throws(JSONError) -> String in
                var scanner = JSONScanner(bytes: buffer)
                return try scanner.readStringLiteral()
            }
            #expect(value == expected)
        }
        let invalid: [UInt8] = Array("\"abcdefghijkl".utf8) + [0xFF] + Array("mnop\"".utf8)
        #expect(throws: JSONError.self) {
            try invalid.withUnsafeBufferPointer { buffer throws(JSONError) in
                var scanner = JSONScanner(bytes: buffer)
                _ = try scanner.readStringLiteral()
            }
        }
    }
}

@Suite struct RepositoryWritingTests {
    /// What the demo and the benchmarks write decodes back to the same repository info.
    @Test func writtenRepositoriesDecodeBackTheSame() throws {
        var info = RepositoryInfo(repoName: "acme/api")
        info.namespace = "acme"
        info.name = "api"
        info.owner = "acme"
        info.description = "say \"hi\"\n"
        info.dockerfile = "FROM alpine\nRUN echo \\\n"
        info.isPrivate = true
        info.starCount = 3
        info.dateCreated = 1_600_000_000.5
        info.status = "Active"
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("push_data")
        writer.beginObject()
        writer.key("tag")
        writer.string("v1")
        writer.endObject()
        writer.key("repository")
        writer.repository(info)
        writer.endObject()
        let payload = try writer.bytes.withUnsafeBufferPointer { try PayloadDecoder.decode($0) }
        #expect(payload.repository == info)
        #expect(!writer.text.contains("is_official"), "nil fields are left out")
    }
}
