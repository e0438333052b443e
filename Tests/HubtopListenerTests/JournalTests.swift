import Foundation
import HubtopCore
import Testing

@testable import HubtopListener

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
        #expect(
            report == JournalReader.Report(lines: 2, replayed: 0, refused: 0, corrupt: 0, tornTail: false))
        #expect(
            read.map { String(decoding: $0.body, as: UTF8.self) } == bodies, "the documented quirk survives")
        #expect(read.map(\.receivedAt) == [100, 101])
    }

    @Test func aTornLastLineAndCorruptLinesAreSkippedAndReported() throws {
        let path = temporaryPath("torn.ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = String(
            decoding: bytes("{}").withUnsafeBufferPointer {
                Journal.line(body: $0, receivedAt: 1, source: nil)
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
        configuration.journal = try Journal(path: "/dev/full", policy: .always)
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

    @Test func acceptedDeliveriesAreJournaledBeforeTheAnswer() async throws {
        let path = temporaryPath("listener.ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ingestor = Ingestor(store: EventStore())
        var configuration = ListenerConfiguration(port: 0, token: testToken, eventLoopThreads: 1)
        configuration.journal = try Journal(path: path, policy: .always)
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
}
