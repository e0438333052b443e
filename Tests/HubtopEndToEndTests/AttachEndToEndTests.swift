import Foundation
import HubtopTestSupport
import Testing

/// `hubtop attach` against a real receiver over HTTP, a journal on this machine across
/// rotation, and (in `SSHAttachTests`) a journal over a real SSH server.
@Suite(.serialized) struct AttachEndToEndTests {
    static let webhook = "webhook-token-0123456789"
    static let viewer = "viewer-token-0123456789ab"

    struct Receiver {
        let child: Child
        let url: String
    }

    static func receiver(port: Int, journal: String, root: [String: String], extra: [String] = [])
        async throws
        -> Receiver
    {
        let child = try Child(
            ["--headless", "--listen", "127.0.0.1:\(port)", "--journal", journal] + extra,
            environment: root.merging(["HUBTOP_TOKEN": webhook, "HUBTOP_VIEWER_TOKEN": viewer]) { $1 })
        return Receiver(child: child, url: try await child.webhookURL())
    }

    static func send(_ url: String, repository: String, tag: String = "v1") throws {
        let sent = try runHubtop(["send", "--url", url, "--repo", repository, "--tag", tag])
        #expect(sent.status == 0, "\(sent.err)")
    }

    /// The repositories of the NDJSON lines printed so far.
    static func repositories(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return object["repo_name"] as? String
        }
    }

    @Test func aViewerCatchesUpAfterTheReceiverIsKilledAndShowsEachEventOnce() async throws {
        let (environment, _, root) = try stateAndConfigFolders("attach")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = freeLoopbackPort()
        let journal = root + "/journal"
        var receiver = try await Self.receiver(port: port, journal: journal, root: environment)
        try Self.send(receiver.url, repository: "acme/one")
        try Self.send(receiver.url, repository: "acme/two")
        let viewer = try Child(
            ["attach", "http://127.0.0.1:\(port)", "--headless", "--json"],
            environment: environment.merging(["HUBTOP_VIEWER_TOKEN": Self.viewer]) { $1 })
        try await eventually("the history", within: 20) { Self.repositories(viewer.stdout).count == 2 }
        try Self.send(receiver.url, repository: "acme/three")
        try await eventually("a live event", within: 20) { Self.repositories(viewer.stdout).count == 3 }

        receiver.child.signal(SIGKILL)
        _ = try await receiver.child.waitForExit()
        receiver = try await Self.receiver(port: port, journal: journal, root: environment)
        try Self.send(receiver.url, repository: "acme/four")
        try await eventually("caught up after the restart", within: 30) {
            Self.repositories(viewer.stdout).count >= 4
        }
        // Give a duplicate, if one were coming, the time to arrive: the history is sent whole.
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.repositories(viewer.stdout) == ["acme/one", "acme/two", "acme/three", "acme/four"])
        #expect(!viewer.stdout.contains("\"deliveries\":2"), "nothing counted as a redelivery")
        viewer.signal(SIGTERM)
        #expect(try await viewer.waitForExit() == 0)
        receiver.child.signal(SIGTERM)
        _ = try await receiver.child.waitForExit()
    }

    @Test func aWrongOrMissingTokenEndsAttachWithStatusOne() async throws {
        let (environment, _, root) = try stateAndConfigFolders("attach")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = freeLoopbackPort()
        let receiver = try await Self.receiver(port: port, journal: root + "/journal", root: environment)
        let url = "http://127.0.0.1:\(port)"
        for (token, what) in [
            ("wrong-token-0123456789", "wrong"), (Self.webhook, "the webhook token"), ("", "missing"),
        ] {
            let attached = try runHubtop(
                ["attach", url, "--headless"],
                environment: environment.merging(["HUBTOP_VIEWER_TOKEN": token]) { $1 })
            #expect(attached.status == 1, "\(what): \(attached.err)")
            #expect(attached.err.contains("refused the viewer token (401"), "\(what): \(attached.err)")
            #expect(!attached.err.contains(Self.viewer) && !attached.err.contains(Self.webhook))
        }
        let usage = try runHubtop(["attach", "hub.example.com"], environment: environment)
        #expect(usage.status == 64, "\(usage.err)")
        receiver.child.signal(SIGTERM)
        _ = try await receiver.child.waitForExit()
    }

    @Test func theDashboardSaysWhenTheConnectionIsLostAndCatchesUp() async throws {
        let (environment, _, root) = try stateAndConfigFolders("attach")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = freeLoopbackPort()
        let journal = root + "/journal"
        var receiver = try await Self.receiver(port: port, journal: journal, root: environment)
        try Self.send(receiver.url, repository: "acme/first")
        let tmux = try TmuxSession(
            hubtop: ["attach", "http://127.0.0.1:\(port)"],
            environment: environment.merging(["HUBTOP_VIEWER_TOKEN": Self.viewer]) { $1 })
        // tmux keeps what OSC 52 sets as a buffer (`y` below).
        try tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
        try await tmux.waitForText("acme/first")
        try await tmux.waitForText("· live ·")
        #expect(try tmux.screen().contains("attached to http://127.0.0.1:\(port)/stream"))
        receiver.child.signal(SIGKILL)
        _ = try await receiver.child.waitForExit()
        try await tmux.waitForText("connection lost — reconnecting")
        receiver = try await Self.receiver(port: port, journal: journal, root: environment)
        try Self.send(receiver.url, repository: "acme/second")
        try await tmux.waitForText("acme/second", within: 30)
        try await tmux.waitForText("· live ·")
        let screen = try tmux.screen()
        #expect(screen.contains("events 2 "), "each event once:\n\(screen)")
        // The inspector: the raw request is fetched from the receiver when it opens.
        try tmux.keys("4")
        try tmux.keys("Enter")
        try await tmux.waitForScreen("the detail of acme/second") {
            $0.contains("Event #") && $0.contains("repository     acme/second")
        }
        try tmux.keys("i")
        try await tmux.waitForScreen("the raw request from the receiver") { screen in
            screen.contains("POST /hook/<token> HTTP/1.1") && screen.contains("u/acme/second")
        }
        #expect(!(try tmux.screen()).contains(Self.webhook), "the webhook token never shows")
        try tmux.keys("y")
        try await tmux.waitForText("copied the body")
        let copied = try tmux.tmux(["show-buffer"])
        #expect(copied.contains("acme/second"), "\(copied)")
        try tmux.keys("Escape")
        try tmux.keys("Escape")
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
        receiver.child.signal(SIGTERM)
        _ = try await receiver.child.waitForExit()
    }

    @Test func aJournalIsFollowedAcrossRotation() async throws {
        let (environment, _, root) = try stateAndConfigFolders("attach")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let journal = root + "/journal"
        // Small enough that a few deliveries rotate it.
        let receiver = try await Self.receiver(
            port: 0, journal: journal, root: environment, extra: ["--journal-max-bytes", "6000"])
        for index in 0..<3 { try Self.send(receiver.url, repository: "acme/before\(index)") }
        let viewer = try Child(["attach", journal, "--headless", "--json"], environment: environment)
        try await eventually("the history", within: 20) { Self.repositories(viewer.stdout).count == 3 }
        for index in 0..<6 { try Self.send(receiver.url, repository: "acme/after\(index)") }
        #expect(FileManager.default.fileExists(atPath: journal + ".1"), "the journal rotated")
        try await eventually("every event across the rotations", within: 20) {
            Self.repositories(viewer.stdout).count == 9
        }
        #expect(
            Self.repositories(viewer.stdout) == (0..<3).map { "acme/before\($0)" }
                + (0..<6).map { "acme/after\($0)" })
        viewer.signal(SIGTERM)
        #expect(try await viewer.waitForExit() == 0)
        let missing = try runHubtop(["attach", root + "/nope", "--headless"], environment: environment)
        #expect(missing.status == 1 && missing.err.contains("no journal at"), "\(missing.err)")
        receiver.child.signal(SIGTERM)
        _ = try await receiver.child.waitForExit()
    }

    @Test func theUnitFileVerifies() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { return }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/hubtop.service")
        let unit = try String(contentsOf: source, encoding: .utf8)
        #expect(unit.contains("DynamicUser=yes") && unit.contains("StateDirectory=hubtop"))
        #expect(unit.contains("LoadCredential=viewer-token"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // verify checks that ExecStart's program exists: the one just built.
        let copy = directory.appendingPathComponent("hubtop.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/hubtop", with: Binary.hubtop).write(
            to: copy, atomically: true, encoding: .utf8)
        let verified = try Spawned.run(["/usr/bin/systemd-analyze", "verify", copy.path], capture: .both)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.isEmpty, "systemd-analyze has something to say:\n\(verified.output)")
    }
}
