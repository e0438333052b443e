import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// Bursts, sparklines, export and the bell in the real binary: tmux types, reads the screen,
/// and records what hubtop writes to the terminal.
@Suite(.serialized) struct InsightEndToEndTests {
    func send(_ url: String, _ arguments: [String]) throws {
        let result = try runHubtop(["send", "--url", url] + arguments)
        #expect(result.status == 0, "send failed: \(result.out) \(result.err)")
    }

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-insight-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aBurstIsOneRowThatExpandsAndExportWritesTheFilteredEvents() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tmux = try TmuxSession(hubtop: ["--listen", "127.0.0.1:0", "--token", "e2e-token-0123456789"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        let now = Int(Date().timeIntervalSince1970)
        try send(url, ["--repo", "other/tool", "--tag", "v1", "--pushed-at", "\(now - 5)"])
        // A multi-arch push: three deliveries of one tag, seconds apart.
        for offset in 0..<3 {
            try send(url, ["--repo", "acme/api", "--tag", "latest", "--pushed-at", "\(now - 3 + offset)"])
        }
        try await tmux.waitForText("×3")
        // Sparklines: both repositories pushed in the last five minutes. A frame drawn before
        // the clock's next tick may not count the newest deliveries yet: wait for the tick.
        let blocks = CharacterSet(charactersIn: "▁▂▃▄▅▆▇█")
        func sparkline(_ repository: String, in screen: String) -> Bool {
            let row = screen.split(separator: "\n").first { $0.hasPrefix("│ \(repository) ") } ?? ""
            return row.unicodeScalars.contains { blocks.contains($0) }
        }
        try await tmux.waitForScreen("sparklines for both repositories") { screen in
            sparkline("acme/api", in: screen) && sparkline("other/tool", in: screen)
        }
        var screen = try tmux.screen()
        #expect(screen.contains("▸ acme/api:latest"), "\(screen)")
        #expect(screen.contains("[4] Events 1/2"), "two rows for four events\n\(screen)")

        try tmux.keys("4", "Enter")
        try await tmux.waitForText("▾ acme/api:latest")
        screen = try tmux.screen()
        #expect(screen.components(separatedBy: "│ acme/api:latest").count - 1 == 3, "\(screen)")
        try tmux.keys("Left")
        try await tmux.waitForText("▸ acme/api:latest")

        // Export what the filter shows: acme only.
        let path = directory.appendingPathComponent("acme.ndjson").path
        try tmux.keys("/")
        try tmux.type("acme")
        try tmux.keys("Enter")
        try await tmux.waitForText("filter: /acme")
        try tmux.keys("e")
        try await tmux.waitForText("export the filtered events to: ./hubtop-export-")
        try tmux.keys("C-u")
        try tmux.type(path)
        try tmux.keys("Enter")
        try await tmux.waitForText("exported 3 events")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            guard case .object(let members) = try JSONValue.parse(String(line)) else {
                Issue.record("not an object: \(line)")
                continue
            }
            #expect(members.first { $0.0 == "repo_name" }?.1 == .string("acme/api"))
        }
        // The same path again: asked first, and `n` keeps the file.
        try FileManager.default.removeItem(atPath: path)
        try "keep me\n".write(toFile: path, atomically: false, encoding: .utf8)
        try tmux.keys("e", "C-u")
        try tmux.type(path)
        try tmux.keys("Enter")
        try await tmux.waitForText("exists — overwrite?")
        try tmux.keys("n")
        try await tmux.waitForText("left as it was")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
        try tmux.keys("e", "C-u")
        try tmux.type(String(path.dropLast("ndjson".count)) + "csv")
        try tmux.keys("Enter")
        try await tmux.waitForText("exported 3 events")
        let csv = try String(contentsOfFile: String(path.dropLast("ndjson".count)) + "csv", encoding: .utf8)
        #expect(csv.hasPrefix("id,received_at,pushed_at,repository,tag"))
        #expect(csv.split(separator: "\n").dropFirst().allSatisfy { $0.contains(",acme/api,latest,") })
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    @Test func theBellRingsForMatchingEventsUntilTurnedOff() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tmux = try TmuxSession(hubtop: [
            "--listen", "127.0.0.1:0", "--token", "e2e-token-0123456789", "--bell", "--repo", "acme",
        ])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("BELL")
        // Everything hubtop writes to the terminal from now on.
        let output = directory.appendingPathComponent("output").path
        try tmux.tmux(["pipe-pane", "-o", "-t", tmux.name, "cat >> \(TmuxSession.quote(output))"])
        func bells() -> Int {
            ((try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data()).filter { $0 == 0x07 }.count
        }
        // Not matching the filter: no bell.
        try send(url, ["--repo", "other/tool", "--tag", "v1", "--pushed-at", "100"])
        try await tmux.waitForText("events 1")
        #expect(bells() == 0)
        try send(url, ["--repo", "acme/api", "--tag", "v1", "--pushed-at", "200"])
        try await eventually("a bell") { bells() == 1 }
        try tmux.keys("b")
        try await tmux.waitForText("bell off")
        // Past the once-a-second limit, so that only "off" keeps the next one quiet.
        try await Task.sleep(for: .milliseconds(1500))
        try send(url, ["--repo", "acme/api", "--tag", "v2", "--pushed-at", "300"])
        try await tmux.waitForText("events 3")
        #expect(bells() == 1)
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }
}

/// `hubtop export`: a journal to NDJSON or CSV without the dashboard.
@Suite struct ExportCommandTests {
    func journal(_ entries: [(repo: String, tag: String, pusher: String, at: Double)]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-export-\(UUID().uuidString.prefix(8)).ndjson"
        ).path
        var bytes: [UInt8] = []
        for entry in entries {
            var body = Array(DockerHubExample.body.utf8)
            for (path, value) in [
                (["repository", "repo_name"], JSONValue.string(entry.repo)),
                (["push_data", "tag"], .string(entry.tag)), (["push_data", "pusher"], .string(entry.pusher)),
                (["push_data", "pushed_at"], .number(entry.at)),
            ] {
                body = try JSONPatcher.set(path, to: value.jsonText, in: body)
            }
            bytes += body.withUnsafeBufferPointer {
                JournalLines.line(body: $0, receivedAt: entry.at, source: nil)
            }
        }
        // The same delivery twice: one event delivered twice.
        let lastLine = bytes.dropLast().lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        bytes += bytes[lastLine...]
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    @Test func exportsFilteredEventsAsCSVAndNDJSON() throws {
        let path = try journal([
            ("acme/api", "v1.0", "alice", 1_795_939_800), ("acme/web", "latest", "bob", 1_795_939_900),
            ("other/tool", "v2", "=cmd|' /C calc'!A0", 1_795_940_000),
            ("acme/api", "v1.1", "alice", 1_795_940_100),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        var result = try runHubtop([
            "export", "--journal", path, "--repo", "acme/*", "--tag", "v*", "--format", "csv",
        ])
        #expect(result.status == 0, "\(result.err)")
        var lines = result.out.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.dropFirst().map { $0.split(separator: ",")[4] } == ["v1.0", "v1.1"])
        #expect(lines.last?.split(separator: ",")[6] == "2", "the repeated delivery folds into one event")
        #expect(result.err.contains("2 of 4 events"))

        // Hostile text stays one defused cell.
        result = try runHubtop(["export", "--journal", path, "--pusher", "=*", "--format", "csv"])
        lines = result.out.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains(",'=cmd|' /C calc'!A0,") == true, "\(result.out)")

        result = try runHubtop(["export", "--journal", path, "--since", "2026-11-29T08:11:00Z"])
        let repos = result.out.split(separator: "\n").compactMap { line -> String? in
            guard case .object(let members) = try? JSONValue.parse(String(line)),
                case .string(let name)? = members.first(where: { $0.0 == "repo_name" })?.1
            else { return nil }
            return name
        }
        #expect(repos == ["acme/web", "other/tool", "acme/api"])

        // --output refuses to replace a file unless --force.
        let output = path + ".csv"
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(try runHubtop(["export", "--journal", path, "--format", "csv", "-o", output]).status == 0)
        result = try runHubtop(["export", "--journal", path, "-o", output])
        #expect(result.status == 1)
        #expect(result.err.contains("exists"))
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("id,"))
        #expect(try runHubtop(["export", "--journal", path, "-o", output, "--force"]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("{"))

        #expect(try runHubtop(["export", "--journal", path + ".missing"]).status != 0)
        #expect(try runHubtop(["export", "--journal", path, "--since", "soon"]).status != 0)
    }

    @Test func exportPatternsAreSubstringsUnlessTheyHaveWildcards() throws {
        let path = try journal([
            ("goliatone/hello-rabbit", "latest", "goliatone", 1_795_939_800),
            ("library/rabbitmq", "3-management", "library", 1_795_939_900),
            ("acme/api", "v1", "alice", 1_795_940_000),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        func repositories(_ arguments: [String]) throws -> [String] {
            let result = try runHubtop(["export", "--journal", path, "--format", "csv"] + arguments)
            #expect(result.status == 0, "\(result.err)")
            return result.out.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[3]) }
        }
        #expect(try repositories(["--repo", "rabbit"]) == ["goliatone/hello-rabbit", "library/rabbitmq"])
        #expect(try repositories(["--repo", "RABBIT", "--tag", "manage"]) == ["library/rabbitmq"])
        #expect(try repositories(["--repo", "*/hello-rabbit"]) == ["goliatone/hello-rabbit"])
        #expect(try repositories(["--repo", "rabbit*"]).isEmpty, "a glob matches the whole name")
        #expect(try repositories(["--pusher", "ali"]) == ["acme/api"])
    }

    @Test func aFatalErrorExitsWithStatusOne() throws {
        // A port already taken: hubtop must say so and fail, not exit 0.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try runHubtop(["--headless", "--listen", "127.0.0.1:\(port)"])
        #expect(result.status == 1)
        #expect(result.err.contains("cannot listen on 127.0.0.1:\(port)"))
    }
}
