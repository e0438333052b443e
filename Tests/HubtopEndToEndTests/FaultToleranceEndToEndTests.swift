import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Synchronization
import Testing

private let token = "fault-token-0123456789"

private func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-\(UUID())-\(name)").path
}

private func health(_ webhookURL: String) async throws -> [String: JSONValue] {
    let response = try await HTTPPost.post(
        url: webhookURL.replacingOccurrences(of: "/hook/\(token)", with: "/healthz"), body: [], method: "GET")
    return (try? JSONValue.parse(response.body))?.members ?? [:]
}

private func body(repo: String, pushedAt: Double) -> [UInt8] {
    Array(
        #"{"callback_url":"https://registry.hub.docker.com/u/\#(repo)/hook/\#(Int(pushedAt))/","push_data":{"tag":"v\#(Int(pushedAt))","pushed_at":\#(pushedAt),"pusher":"ci"},"repository":{"repo_name":"\#(repo)"}}"#
            .utf8)
}

/// The real binary under faults: crashes, a reader that stops reading, hostile journals, weak
/// secrets, and a sender trying to fill memory.
@Suite struct FaultToleranceEndToEndTests {
    @Test func aTornJournalTailIsNotGluedToTheNextDelivery() async throws {
        let journal = temporaryFile("cut.ndjson")
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let whole = body(repo: "torn/a", pushedAt: 1).withUnsafeBufferPointer {
            JournalLines.line(body: $0, receivedAt: 1_700_000_000, source: nil)
        }
        // A crash cut the second line short.
        try Data(whole + Array(#"{"received_at":1700000001,"source":null,"body":"{\"repo"#.utf8))
            .write(to: URL(fileURLWithPath: journal))
        let arguments = ["--headless", "--listen", "127.0.0.1:0", "--token", token, "--journal", journal]
        let first = try Child(arguments + ["--fsync", "always"])
        let url = try await first.webhookURL()
        let response = try await HTTPPost.post(url: url, body: body(repo: "torn/b", pushedAt: 2))
        #expect(response.status == 200)
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let second = try Child(arguments)
        let restarted = try await second.webhookURL()
        #expect(try await health(restarted)["events"] == .number(2), "both events are back")
        #expect(!second.stderr.contains("torn"), "\(second.stderr)")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func aReaderThatStopsReadingNeverBlocksTheListener() async throws {
        let child = try Child(
            ["--headless", "--json", "--listen", "127.0.0.1:0", "--token", token], readStdout: false)
        let url = try await child.webhookURL()
        // About 300 bytes a line: three times what a pipe holds.
        var statuses: [Int] = []
        for index in 0..<700 {
            statuses.append(
                try await HTTPPost.post(url: url, body: body(repo: "out/r", pushedAt: Double(index))).status)
        }
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(try await health(url)["events"] == .number(700))
        child.signal(SIGTERM)
        #expect(try await child.waitForExit(within: 15) == 0, "SIGTERM is obeyed with stdout stalled")
    }

    @Test func aHostileJournalNeverCrashesRunOrExport() async throws {
        let journal = temporaryFile("hostile.ndjson")
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let good = JSONValue.string(String(decoding: body(repo: "ok/r", pushedAt: 5), as: UTF8.self)).jsonText
        try """
        {"received_at":1e19,"source":null,"body":\(good)}
        {"received_at":-9e18,"body":\(good)}
        {"received_at":1700000000,"body":\(good)}

        """.write(toFile: journal, atomically: true, encoding: .utf8)
        let child = try Child([
            "--headless", "--listen", "127.0.0.1:0", "--token", token, "--journal", journal,
        ])
        let url = try await child.webhookURL()
        #expect(try await health(url)["events"] == .number(1))
        #expect(child.stderr.contains("2 lines with out-of-range fields skipped"), "\(child.stderr)")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
        let export = try runHubtop(["export", "--journal", journal])
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.split(separator: "\n").count == 1)
    }

    @Test func weakSecretsAreRefusedAtStart() throws {
        for (arguments, problem) in [
            (["--token", ""], "--token is empty"),
            (["--token", "short"], "--token must be at least 16 characters"),
            (["--token", token, "--metrics-token", "abc"], "--metrics-token must be at least 16"),
        ] {
            let result = try runHubtop(["--headless", "--listen", "127.0.0.1:0"] + arguments)
            #expect(result.status != 0)
            #expect(result.err.contains(problem), "\(result.err)")
        }
    }

    @Test func whateverIsSentMemoryStaysWithinTheBudget() async throws {
        let budget = 48
        let child = try Child([
            "--headless", "--listen", "127.0.0.1:0", "--token", token, "--max-memory", "\(budget)MiB",
            "--max-body", "\(2 << 20)",
        ])
        let url = try await child.webhookURL()
        let pid = child.process.processIdentifier
        func residentKiB() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let idle = try residentKiB()
        // Distinct 250 KB Dockerfiles, deeply nested unknown arrays, long header values.
        let filler = String(repeating: "RUN echo x\\n", count: 23_000)
        let element = "[[1,2,3,4,5,6,7,8],[9,[10,11,[12,13,[14]]]]],"
        let nested = "[" + String(repeating: element, count: 9_000) + "[]]"
        var peak = idle
        for index in 0..<300 {
            let json: String
            if index % 3 == 0 {
                json =
                    #"{"repository":{"repo_name":"mem/n\#(index)"},"push_data":{"pushed_at":\#(index)},"junk":\#(nested)}"#
            } else {
                json =
                    #"{"repository":{"repo_name":"mem/r\#(index)","dockerfile":"FROM scratch\n# \#(index)\n\#(filler)"},"push_data":{"pushed_at":\#(index),"tag":"t\#(index)"}}"#
            }
            let response = try await HTTPPost.post(
                url: url, body: Array(json.utf8),
                extraHeaders: [("User-Agent", String(repeating: "u", count: 20_000))])
            #expect(response.status == 200)
            if index % 20 == 0 { peak = max(peak, try residentKiB()) }
        }
        peak = max(peak, try residentKiB())
        let events = try await health(url)
        // The documented bound: the budget plus what the process holds idle plus 64 MiB (request
        // buffers, allocator slack).
        let bound = budget * 1024 + idle + 64 * 1024
        #expect(peak < bound, "peak \(peak) KiB, idle \(idle) KiB, bound \(bound) KiB, \(events)")
        if case .number(let held)? = events["store_bytes"] { #expect(Int(held) <= budget << 20) }
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }

    /// Every text field a sender fills in turn with distinct 900 KB values: the process stays
    /// within the documented bound, taking them and replaying them from the journal at start.
    @Test func largeValuesInEveryFieldStayWithinTheBoundLiveAndOnReplay() async throws {
        let budget = 64
        let journal = temporaryFile("large-fields.journal")
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let arguments = [
            "--headless", "--listen", "127.0.0.1:0", "--token", token, "--max-memory", "\(budget)MiB",
            "--keep-requests", "0", "--journal", journal, "--fsync", "never",
        ]
        func kibibytes(_ pid: Int32, _ field: String) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let fields: [(String, String)] = [
            ("push_data", "pusher"), ("push_data", "media_type"), ("repository", "namespace"),
            ("repository", "owner"), ("repository", "description"), ("repository", "full_description"),
            ("repository", "dockerfile"), ("repository", "repo_url"), ("repository", "status"),
            ("repository", "x_unknown"), ("", "callback_url"),
        ]
        let child = try Child(arguments)
        let url = try await child.webhookURL()
        let pid = child.process.processIdentifier
        let idle = try kibibytes(pid, "VmRSS")
        let padding = String(repeating: "p", count: 900_000)
        var posted = 0
        for (object, field) in fields {
            for index in 0..<300 {
                let value = "\(posted)-\(index)-" + padding
                let member = #""\#(field)":"\#(value)""#
                let push = object == "push_data" ? member + "," : ""
                let repository = object == "repository" ? "," + member : ""
                let callback = object.isEmpty ? member + "," : ""
                let json =
                    #"{\#(callback)"push_data":{\#(push)"pushed_at":\#(posted),"tag":"t"},"repository":{"repo_name":"big/r\#(index % 5)"\#(repository)}}"#
                posted += 1
                let response = try await HTTPPost.post(url: url, body: Array(json.utf8))
                #expect(response.status == 200, "\(field): \(response.body)")
            }
        }
        let peak = try kibibytes(pid, "VmHWM")
        let held = try await health(url)
        // The documented bound: the budget plus what the process holds idle plus 64 MiB.
        let bound = budget * 1024 + idle + 64 * 1024
        #expect(peak < bound, "live: peak \(peak) KiB, idle \(idle) KiB, bound \(bound) KiB, \(held)")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)

        // Started again: the journal's large bodies are replayed within the same bound.
        let again = try Child(arguments)
        let restarted = try await again.webhookURL()
        let replayPeak = try kibibytes(again.process.processIdentifier, "VmHWM")
        #expect(replayPeak < bound, "replay: peak \(replayPeak) KiB, bound \(bound) KiB")
        if case .number(let bytes)? = try await health(restarted)["store_bytes"] {
            #expect(Int(bytes) <= budget << 20)
        }
        again.signal(SIGTERM)
        #expect(try await again.waitForExit() == 0)
    }

    @Test func killedAtRandomMomentsNoAcknowledgedDeliveryIsLost() async throws {
        let journal = temporaryFile("crash.ndjson")
        defer {
            try? FileManager.default.removeItem(atPath: journal)
            try? FileManager.default.removeItem(atPath: journal + ".1")
        }
        let arguments = [
            "--headless", "--listen", "127.0.0.1:0", "--token", token, "--journal", journal, "--fsync",
            "always",
        ]
        var acknowledged: Set<Int> = []
        var next = 0
        for round in 0..<4 {
            let child = try Child(arguments)
            let url = try await child.webhookURL()
            // Senders keep posting while the process is killed under them.
            let answered = AckCounter()
            let senders = (0..<4).map { worker in
                let start = next + worker * 1000
                return Task { () -> [Int] in
                    var ok: [Int] = []
                    for index in start..<(start + 1000) {
                        guard
                            let response = try? await HTTPPost.post(
                                url: url, body: body(repo: "crash/r\(index % 7)", pushedAt: Double(index)),
                                timeout: .seconds(2))
                        else { break }
                        if response.status == 200 {
                            ok.append(index)
                            answered.add()
                        }
                    }
                    return ok
                }
            }
            next += 4000
            // Killed mid-stream: once deliveries are being answered (however slow the disk
            // is), a little later each round.
            try await eventually("deliveries answered in round \(round)", within: 30) { answered.count >= 8 }
            try await Task.sleep(for: .milliseconds(20 + 40 * round))
            child.signal(SIGKILL)
            _ = try await child.waitForExit()
            for sender in senders { acknowledged.formUnion(await sender.value) }
        }
        #expect(acknowledged.count > 20, "the senders got through at all")
        let restarted = try Child(arguments)
        _ = try await restarted.webhookURL()
        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
        var stored: Set<Int> = []
        _ = try JournalReader.read(journal) { entry in
            if let payload = try? PayloadDecoder.decode(entry.body) {
                stored.insert(Int(payload.pushedAt ?? -1))
            }
            return true
        }
        let lost = acknowledged.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged deliveries lost of \(acknowledged.count)")
    }
}

/// Deliveries answered `200` so far, counted from the sending tasks.
final class AckCounter: Sendable {
    private let value = Atomic<Int>(0)

    func add() { value.wrappingAdd(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
