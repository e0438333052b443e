import Foundation
import HubtopCore
import Testing

@testable import HubtopIO
@testable import HubtopServer

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-\(UUID().uuidString)-\(name)").path
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A webhook token long enough for the listener (it refuses shorter ones).
let testToken = "test-token-0123456789"

@Suite struct JournalTests {
    @Test func appendedDeliveriesReadBackInOrderWithTheirBodiesIntact() throws {
        let path = temporaryPath("journal.ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try Journal(path: path, policy: .always)
        let bodies = [DockerHubExample.body, #"{"repository":{"repo_name":"a/b"},"x":"line\nbreak \u001b"}"#]
        for (index, body) in bodies.enumerated() {
            try bytes(body).withUnsafeBufferPointer {
                try journal.append(body: $0, receivedAt: 100 + Double(index), source: "127.0.0.1")
            }
        }
        var read: [JournalReader.Entry] = []
        let report = try JournalReader.read(path) {
            read.append($0)
            return true
        }
        #expect(report.lines == 2 && report.corrupt == 0 && !report.tornTail && report.outOfRange == 0)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(report.validEnd == size, "the whole file is good")
        let head = try #require(FileHandle(forReadingAtPath: path)?.readData(ofLength: 17))
        #expect(
            String(decoding: head, as: UTF8.self) == "HUBTOP-JOURNAL 2\n", "the record format, said up front")
        #expect(
            read.map { String(decoding: $0.body, as: UTF8.self) } == bodies, "the documented quirk survives")
        #expect(read.map(\.receivedAt) == [100, 101])
    }

    @Test func aTornLastLineAndCorruptLinesAreSkippedAndReported() throws {
        let path = temporaryPath("torn.ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = String(
            decoding: bytes("{}").withUnsafeBufferPointer {
                JournalLines.line(body: $0, receivedAt: 1, source: nil)
            }, as: UTF8.self)
        try (good + "garbage\n" + good + "\n" + good + #"{"received_at":2,"bo"#).write(
            toFile: path, atomically: true, encoding: .utf8)
        var count = 0
        let report = try JournalReader.read(path) { _ in
            count += 1
            return true
        }
        #expect(count == 3, "three good lines, an empty one ignored")
        #expect(report.corrupt == 1)
        #expect(report.tornTail)
    }

    @Test func rotationKeepsEverythingReadable() throws {
        let path = temporaryPath("rotating.ndjson")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
        }
        let journal = try Journal(path: path, policy: .never, maxBytes: 400)
        for index in 0..<6 {
            try bytes(
                #"{"repository":{"repo_name":"r/\#(index)"},"pad":"\#(String(repeating: "x", count: 100))"}"#
            )
            .withUnsafeBufferPointer { try journal.append(body: $0, receivedAt: Double(index), source: nil) }
        }
        #expect(FileManager.default.fileExists(atPath: path + ".1"))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size <= 400)
        var times: [Double] = []
        _ = try JournalReader.read(path) {
            times.append($0.receivedAt)
            return true
        }
        // The newest deliveries are always there, in order; the oldest rotate out after two files.
        #expect(times == times.sorted())
        #expect(times.last == 5)
    }

    @Test func aFullDiskIsAnErrorNotASilentLoss() throws {
        let journal = try Journal(path: "/dev/full", policy: .always)
        #expect(throws: JournalError.self) {
            try bytes("{}").withUnsafeBufferPointer {
                try journal.append(body: $0, receivedAt: 1, source: nil)
            }
        }
        #expect(journal.lastError?.contains("journal") == true)
    }

    @Test func deliveriesThatCannotBeJournaledGet503AndAreNotStored() async throws {
        let ingestor = Ingestor(store: EventStore())
        var configuration = ListenerConfiguration(port: 0, token: testToken, eventLoopThreads: 1)
        configuration.durability = JournalDurability(
            try Journal(path: "/dev/full", policy: .always), ingestor)
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        let port = try await server.start()
        defer { Task { await server.shutdown() } }
        let response = try await HTTPPost.post(
            url: "http://127.0.0.1:\(port)/hook/\(testToken)", body: bytes(DockerHubExample.body))
        #expect(response.status == 503)
        #expect(jsonObject(response.body)["error"] == .string("journal_unavailable"))
        #expect(response.headers.contains { $0.0.lowercased() == "retry-after" })
        #expect(ingestor.store.totals.events == 0)
        #expect(ingestor.rejections.byReason["journal_unavailable"] == 1)
        // Invalid bodies are still refused as such, before the journal is tried.
        let bad = try await HTTPPost.post(
            url: "http://127.0.0.1:\(port)/hook/\(testToken)", body: bytes("nope"))
        #expect(bad.status == 400)
    }

    @Test func healthIsDegradedWhileTheJournalCannotBeWrittenAndHidesItsPath() async throws {
        let ingestor = Ingestor(store: EventStore())
        var configuration = ListenerConfiguration(port: 0, token: testToken, eventLoopThreads: 1)
        configuration.durability = JournalDurability(
            try Journal(path: "/dev/full", policy: .always), ingestor)
        configuration.metricsToken = "metrics-token-0123456789"
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        let port = try await server.start()
        defer { Task { await server.shutdown() } }
        let base = "http://127.0.0.1:\(port)"
        #expect(try await HTTPPost.post(url: base + "/healthz", body: [], method: "GET").status == 200)
        _ = try await HTTPPost.post(url: base + "/hook/\(testToken)", body: bytes(DockerHubExample.body))
        let health = try await HTTPPost.post(url: base + "/healthz", body: [], method: "GET")
        #expect(health.status == 503, "a load balancer takes it out of rotation")
        #expect(jsonObject(health.body)["status"] == .string("degraded"))
        #expect(jsonObject(health.body)["reason"] == .string("journal_unavailable"))
        #expect(
            jsonObject(health.body)["journal_error"] == .string("journal_unavailable"),
            "no message without the metrics token: \(health.body)")
        let detailed = try await HTTPPost.post(
            url: base + "/healthz", body: [],
            extraHeaders: [("Authorization", "Bearer metrics-token-0123456789")], method: "GET")
        #expect(detailed.status == 503)
        #expect(detailed.body.contains("No space left on device"), "\(detailed.body)")
    }

    @Test func acceptedDeliveriesAreJournaledBeforeTheAnswer() async throws {
        let path = temporaryPath("listener.ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ingestor = Ingestor(store: EventStore())
        var configuration = ListenerConfiguration(port: 0, token: testToken, eventLoopThreads: 1)
        configuration.durability = JournalDurability(try Journal(path: path, policy: .always), ingestor)
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        let port = try await server.start()
        let response = try await HTTPPost.post(
            url: "http://127.0.0.1:\(port)/hook/\(testToken)", body: bytes(DockerHubExample.body))
        #expect(response.status == 200)
        var lines = 0
        _ = try JournalReader.read(path) { _ in
            lines += 1
            return true
        }
        #expect(lines == 1, "on disk by the time the answer arrived")
        await server.shutdown()
        // A fresh store replayed from the journal has the event again.
        let restored = Ingestor(store: EventStore())
        _ = try JournalReader.read(path) {
            _ = restored.ingest($0.body, receivedAt: $0.receivedAt)
            return true
        }
        #expect(restored.store.event(id: 1)?.repoName == "svendowideit/testhook")
    }

    @Test func aRecordCutShortIsATornTailAndIsCutBeforeTheNextAppend() throws {
        let path = temporaryPath("torn-records")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = records(3)
        let cut = whole.count - 5
        #expect(FileManager.default.createFile(atPath: path, contents: Data(whole.prefix(cut))))
        let before = try times(path)
        #expect(before.times == [0, 1])
        #expect(before.report.tornTail && before.report.corrupt == 0)
        // Opened with what the replay found, and without (it reads the file itself).
        for validEnd in [before.report.validEnd, nil] {
            #expect(FileManager.default.createFile(atPath: path, contents: Data(whole.prefix(cut))))
            let journal = try Journal(path: path, policy: .always, validEnd: validEnd)
            try bytes("{}").withUnsafeBufferPointer {
                try journal.append(body: $0, receivedAt: 9, source: nil)
            }
            let after = try times(path)
            #expect(after.times == [0, 1, 9], "the new record is not read as part of the fragment")
            #expect(!after.report.tornTail && after.report.corrupt == 0)
        }
    }

    @Test func aDamagedRecordIsSkippedAndTheRestIsRead() throws {
        let path = temporaryPath("damaged-records")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = records(4)
        // Flip a byte inside the second record's body, and one in the third's length.
        let header = JournalRecords.fileHeader.count
        let recordSize = (file.count - header) / 4
        file[header + recordSize + 30] ^= 0x20
        file[header + 2 * recordSize + 5] ^= 0x01
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let read = try times(path)
        #expect(read.times == [0, 3])
        #expect(read.report.corrupt == 1, "one damaged stretch: \(read.report)")
        #expect(!read.report.tornTail)
        // Garbage shorter than a record header between two records.
        var spliced = records(1)
        spliced += Array("junk".utf8)
        spliced += records(1, from: 1).dropFirst(header)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(spliced)))
        let again = try times(path)
        #expect(again.times == [0, 1] && again.report.corrupt == 1)
    }

    @Test func aJournalOfTheFirstFormatStillReplaysAndIsConvertedWhenOpened() throws {
        let path = temporaryPath("old.ndjson")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.removeItem(atPath: path + ".v1")
        }
        var old: [UInt8] = []
        for index in 0..<3 {
            old += bytes(#"{"n":\#(index),"s":"a \"quoted\" line\nbreak"}"#).withUnsafeBufferPointer {
                JournalLines.line(body: $0, receivedAt: Double(index), source: nil)
            }
        }
        // A rotated file of the first format too: read first, left as it is.
        #expect(
            FileManager.default.createFile(atPath: path + ".1", contents: Data(old.prefix(old.count / 3))))
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(old + Array(#"{"received_at":7,"bo"#.utf8))))
        var bodies: [String] = []
        let report = try JournalReader.read(path) {
            bodies.append(String(decoding: $0.body, as: UTF8.self))
            return true
        }
        #expect(bodies.count == 4 && report.tornTail && report.validEnd == nil)
        #expect(bodies[1] == #"{"n":0,"s":"a \"quoted\" line\nbreak"}"#)

        let journal = try Journal(path: path, policy: .always)
        try bytes(#"{"n":5}"#).withUnsafeBufferPointer {
            try journal.append(body: $0, receivedAt: 5, source: nil)
        }
        let head = try #require(FileHandle(forReadingAtPath: path)?.readData(ofLength: 17))
        #expect(String(decoding: head, as: UTF8.self) == "HUBTOP-JOURNAL 2\n")
        let after = try times(path)
        #expect(
            after.times == [0, 0, 1, 2, 5], "the rotated file, then the converted one and the new record")
        #expect(!after.report.tornTail && after.report.corrupt == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".converting"))
        #expect(
            FileManager.default.contents(atPath: path + ".v1").map(Array.init)
                == old + Array(#"{"received_at":7,"bo"#.utf8), "the original is kept")
    }

    @Test func theRecordFormatCostsLessOnDiskThanLines() {
        let body = bytes(DockerHubExample.body)
        let line = body.withUnsafeBufferPointer {
            JournalLines.line(body: $0, receivedAt: 1, source: "192.0.2.1")
        }
        let record = body.withUnsafeBufferPointer {
            Journal.record(body: $0, receivedAt: 1, source: "192.0.2.1")
        }
        #expect(record.count == body.count + 28 + 9, "the body as received, a 28-byte header, the source")
        #expect(record.count < line.count)
    }

    @Test func thePipelinedReplayStoresInOrderAndCountsWhatItRefuses() throws {
        let path = temporaryPath("pipelined")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = JournalRecords.fileHeader
        for index in 0..<2_000 {
            // Every hundredth body is not a payload; the rest arrive across many batches.
            let body =
                index % 100 == 99
                ? bytes("not json")
                : bytes(
                    #"{"repository":{"repo_name":"r/\#(index % 7)"},"push_data":{"tag":"t\#(index)","pushed_at":\#(index)}}"#
                )
            file += body.withUnsafeBufferPointer {
                Journal.record(body: $0, receivedAt: Double(index), source: nil)
            }
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let ingestor = Ingestor(store: EventStore(capacity: 10_000))
        let origin = DeliveryInfo(origin: .journal)
        let report = try JournalReplay.replay(path, into: ingestor, delivery: origin)
        #expect(report.lines == 2_000)
        #expect(ingestor.store.totals.events == 1_980)
        #expect(ingestor.rejections.byReason["invalid_payload"] == 20)
        let events = ingestor.store.events(limit: Int.max).events.reversed()
        let tags = events.map { $0.tag ?? "" }
        let expected = (0..<2_000).filter { $0 % 100 != 99 }.map { "t\($0)" }
        #expect(tags == expected, "in the journal's order")
        #expect(events.allSatisfy { $0.delivery === origin && $0.receivedAt == $0.payload.pushedAt })
    }

    @Test func aHeaderCutShortOrAFileEmptiedUnderUsStartsOverWithTheHeader() throws {
        let path = temporaryPath("torn-header")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A crash right after the file was made: only part of its header is there.
        #expect(
            FileManager.default.createFile(atPath: path, contents: Data(JournalRecords.fileHeader.prefix(7))))
        let journal = try Journal(path: path, policy: .always)
        try bytes("{}").withUnsafeBufferPointer { try journal.append(body: $0, receivedAt: 1, source: nil) }
        #expect(try times(path).times == [1])
        // Emptied while hubtop runs: the next record still lands in a readable file.
        #expect(truncate(path, 0) == 0)
        try bytes("{}").withUnsafeBufferPointer { try journal.append(body: $0, receivedAt: 2, source: nil) }
        let after = try times(path)
        #expect(after.times == [2] && after.report.corrupt == 0, "\(after.report)")
    }
}

/// Records in a file: `count` bodies `{"n":i}` at times `i`, the header first.
func records(_ count: Int, from start: Int = 0) -> [UInt8] {
    var file = JournalRecords.fileHeader
    for index in start..<start + count {
        file += bytes(#"{"n":\#(index)}"#).withUnsafeBufferPointer {
            Journal.record(body: $0, receivedAt: Double(index), source: "192.0.2.1")
        }
    }
    return file
}

func times(_ path: String) throws -> (times: [Double], report: JournalReader.Report) {
    var times: [Double] = []
    let report = try JournalReader.read(path) {
        times.append($0.receivedAt)
        return true
    }
    return (times, report)
}
