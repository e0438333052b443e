import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

@Suite struct HeadlessTests {
    @Test func sendPrintsTheEventAsNDJSON() async throws {
        let child = try Child([
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", "T0K-token-0123456789",
        ])
        let url = try await child.webhookURL()
        #expect(url.hasSuffix("/hook/T0K-token-0123456789"))

        let first = try runHubtop(["send", "--url", url])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains(#"{"ok":true,"id":1}"#))
        try await eventually("the first event line") { child.stdout.contains("\"id\":1") }

        let second = try runHubtop([
            "send", "--url", url, "--repo", "acme/api", "--tag", "v1.2.3", "--pusher", "zoe",
        ])
        #expect(second.status == 0)
        try await eventually("the second event line") { child.stdout.split(separator: "\n").count >= 2 }
        let lines = child.stdout.split(separator: "\n").map(String.init)
        let event = try JSONValue.parse(lines[1]).members
        #expect(event["repo_name"] == .string("acme/api"))
        #expect(event["namespace"] == .string("acme"))
        #expect(event["name"] == .string("api"))
        #expect(event["tag"] == .string("v1.2.3"))
        #expect(event["pusher"] == .string("zoe"))
        #expect(event["dockerfile_present"] == .bool(true))

        // The same send again is a redelivery: a line with its delivery count.
        _ = try runHubtop(["send", "--url", url])
        try await eventually("the folded delivery") { child.stdout.contains("\"deliveries\":2") }

        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }

    @Test func humanReadableLinesAndStdinPayloads() async throws {
        let child = try Child(["--headless", "--listen", "127.0.0.1:0", "--token", "abc-token-0123456789"])
        let url = try await child.webhookURL()
        let payload = #"{"push_data":{"pusher":"early"},"repository":{"namespace":"old","name":"school"}}"#
        let sent = try runHubtop(["send", "--url", url, "-"], stdin: payload)
        #expect(sent.status == 0, "\(sent.err)")
        try await eventually("a line for old/school") { child.stdout.contains("old/school:(no tag)") }
        #expect(child.stdout.contains("by early"))
        #expect(child.stdout.contains("push_data.tag missing"))
        child.signal(SIGINT)
        #expect(try await child.waitForExit() == 0)
    }

    @Test func sendFailsClearlyWhenRefusedOrUnreachable() async throws {
        let child = try Child(["--headless", "--listen", "127.0.0.1:0", "--token", "right-token-0123456789"])
        let url = try await child.webhookURL()
        let wrong = try runHubtop([
            "send", "--url",
            url.replacingOccurrences(of: "/right-token-0123456789", with: "/wrong-token-0123456789"),
        ])
        #expect(wrong.status != 0)
        #expect(wrong.out.contains("404"))
        #expect(wrong.err.contains("refused"))
        let bad = try runHubtop(["send", "--url", url, "-"], stdin: "this is not json")
        #expect(bad.status != 0)
        #expect(bad.err.contains("not a JSON object") || bad.out.contains("400"))
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
        let unreachable = try runHubtop(["send", "--url", url])
        #expect(unreachable.status != 0)
        #expect(unreachable.err.contains("cannot connect"))
        #expect(unreachable.err.contains("refused"), "says why, not a timeout: \(unreachable.err)")
    }

    @Test func demoFeedsHeadlessMode() async throws {
        let child = try Child(["--headless", "--demo", "--demo-rate", "50", "--listen", "127.0.0.1:0"])
        try await eventually("demo events") { child.stdout.split(separator: "\n").count >= 40 }
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }
}

@Suite struct JournalEndToEndTests {
    @Test func killedWithSIGKILLLosesNoAcknowledgedEvent() async throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-kill-\(UUID()).ndjson"
        ).path
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let arguments = [
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", "k-token-0123456789", "--journal",
            journal,
        ]
        let first = try Child(arguments + ["--fsync", "always"])
        let url = try await first.webhookURL()
        let count = 25
        for index in 0..<count {
            let sent = try runHubtop([
                "send", "--url", url, "--repo", "kill/r\(index % 5)", "--tag", "t\(index)",
            ])
            #expect(sent.status == 0, "\(sent.err)")
        }
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let second = try Child(arguments)
        let restartedURL = try await second.webhookURL()
        let health = try await HTTPPost.post(
            url: restartedURL.replacingOccurrences(of: "/hook/k-token-0123456789", with: "/healthz"),
            body: [], method: "GET")
        #expect(health.body.contains("\"events\":\(count)"), "\(health.body)")
        #expect(second.stderr.contains("\(count) lines replayed"))
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func replayPlaysAJournalBackWithItsTiming() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-replay-\(UUID()).ndjson"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Four deliveries with damage between the second and the third.
        var file = JournalRecords.fileHeader
        for index in 0..<4 {
            let body = Array(
                #"{"push_data":{"tag":"t\#(index)","pushed_at":\#(index)},"repository":{"repo_name":"re/play"}}"#
                    .utf8)
            if index == 2 { file += Array("not json, and not a record either\n".utf8) }
            file += body.withUnsafeBufferPointer {
                Journal.record(body: $0, receivedAt: 1000 + Double(index) * 2, source: nil)
            }
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let started = Date()
        let result = try runHubtop(["replay", path, "--speed", "10", "--headless", "--json"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0)
        let events = result.out.split(separator: "\n").map {
            (try? JSONValue.parse(String($0)))?.members ?? [:]
        }
        #expect(events.map { $0["tag"] } == (0..<4).map { .string("t\($0)") })
        #expect(result.err.contains("1 corrupt lines skipped"))
        // Six seconds of deliveries at ten times speed take at least 0.6 s: the gaps were kept.
        #expect(elapsed >= 0.6)
    }
}
