import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// The habits of a daily tool: a webhook URL that survives restarts, a config file.
@Suite struct DailyToolEndToEndTests {
    /// A state and config folder of this test's own.
    func folders() throws -> (environment: [String: String], config: String, root: String) {
        try stateAndConfigFolders("daily")
    }

    @Test func twoStartsWithoutATokenPrintTheSameURL() async throws {
        let (environment, _, root) = try folders()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var urls: [String] = []
        for _ in 0..<2 {
            let child = try Child(["--headless", "--listen", "127.0.0.1:0"], environment: environment)
            let url = try await child.webhookURL()
            urls.append(String(url[url.range(of: "/hook/")!.lowerBound...]))
            #expect(child.stderr.contains("kept in \(root)/state/hubtop/token"), "\(child.stderr)")
            child.signal(SIGTERM)
            #expect(try await child.waitForExit() == 0)
        }
        #expect(urls[0] == urls[1])
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/state/hubtop/token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Rotating makes a new one, which the next start uses.
        let rotated = try runHubtop(["token", "--rotate"], environment: environment)
        #expect(rotated.status == 0)
        let token = rotated.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 32 && "/hook/\(token)" != urls[0])
        let child = try Child(["--headless", "--listen", "127.0.0.1:0"], environment: environment)
        #expect(try await child.webhookURL().hasSuffix("/hook/\(token)"))
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
    }

    @Test func aConfigFileSetsTheListenAddressAndTheCommandLineWins() async throws {
        let (environment, config, root) = try folders()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = freeLoopbackPort()
        try """
        # hubtop's settings
        listen = "127.0.0.1:\(port)"
        token = "config-token-0123456789"
        headless = true
        rate-limit = 2.5
        allow-repo = ["acme/*"]

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let child = try Child([], environment: environment)
        let url = try await child.webhookURL()
        #expect(url == "http://127.0.0.1:\(port)/hook/config-token-0123456789")
        let refused = try await HTTPPost.post(url: url, body: Array(DockerHubExample.body.utf8))
        #expect(refused.status == 403, "allow-repo from the file applies")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)

        let shown = try runHubtop(["config", "--listen", "127.0.0.1:1"], environment: environment)
        #expect(shown.status == 0, "\(shown.err)")
        #expect(shown.out.contains("listen = 127.0.0.1:1  # command line"))
        #expect(shown.out.contains("rate-limit = 2.5  # config.toml line 5"))
        #expect(shown.out.contains("allow-repo = [\"acme/*\"]  # config.toml line 6"))
        #expect(shown.out.contains("max-events = 100000  # default"))
        var withVariable = environment
        withVariable["HUBTOP_TOKEN"] = "environment-token-0123456789"
        let overridden = try runHubtop(["config"], environment: withVariable)
        #expect(overridden.out.contains("token = (secret)  # $HUBTOP_TOKEN"), "\(overridden.out)")
        #expect(!shown.out.contains("config-token-0123456789"), "secrets are never printed")
        #expect(shown.out.contains("token = (secret)  # config.toml line 3"))
    }

    @Test func completionsAndTheManualDescribeEveryCommand() throws {
        // The config file is put in front of `run` only: tooling must see the whole tool.
        let completions = try runHubtop(["--generate-completion-script", "bash"])
        #expect(completions.status == 0)
        for command in ["send", "export", "token", "config"] { #expect(completions.out.contains(command)) }
        let help = try runHubtop(["--experimental-dump-help"])
        #expect(help.status == 0)
        #expect(
            help.out.contains("\"commandName\" : \"config\"")
                || help.out.contains("\"commandName\":\"config\""))
    }

    @Test func aBadConfigFileNamesTheFileLineAndKey() throws {
        let (environment, config, root) = try folders()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (text, problem) in [
            ("listen = \"127.0.0.1:0\"\nlisen = \"x\"\n", "config.toml:2: lisen: not a hubtop option"),
            ("max-events = \"many\"\n", "config.toml:1: max-events: wants an integer"),
            ("headless = yes\n", "config.toml:1: unknown value"),
            ("[run]\nlisten = \"x\"\n", "config.toml:2: run.listen: tables are not options"),
        ] {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try runHubtop(["--headless"], environment: environment)
            #expect(result.status == 1)
            #expect(result.err.contains(problem), "\(result.err)")
        }
        // Other commands do not read it.
        #expect(try runHubtop(["themes"], environment: environment).status == 0)
    }
}

/// Names on screen are whole when the terminal can hold them; problems are said in the header.
@Suite(.serialized) struct ScreenEndToEndTests {
    @Test func aFortyCharacterRepositoryNameShowsWholeAt120Columns() async throws {
        let tmux = try TmuxSession(
            hubtop: ["--listen", "127.0.0.1:0", "--token", "names-token-0123456789"], width: 120, height: 40)
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        let long = "antoineaumjaud/api-synology-chatbot-1234"  // 40 characters
        #expect(long.count == 40)
        for (repo, pusher) in [(long, "antoineaumjaud"), ("acme/api", "alice")] {
            let sent = try runHubtop([
                "send", "--url", url, "--repo", repo, "--tag", "latest", "--pusher", pusher,
            ])
            #expect(sent.status == 0, "\(sent.err)")
        }
        try await tmux.waitForText("acme/api:latest")
        let screen = try tmux.screen()
        let eventRows = screen.split(separator: "\n").filter {
            $0.contains("[4] Events") || $0.contains(":latest")
        }
        #expect(eventRows.contains { $0.contains(long + ":latest") }, "\(screen)")
        // Selected in the repositories pane and cut there: its whole name is in the border.
        try tmux.keys("1", "j")
        try await tmux.waitForScreen("the whole name under the repositories pane") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix("└─ \(long)") }
        }
        try tmux.keys("q")
    }

    @Test func aCrashRestoresTheTerminalBeforeItProceeds() async throws {
        // No Swift runtime backtracer (at a terminal it waits for a key, and symbolicating a
        // debug build takes long): the default action follows the restore.
        let tmux = try TmuxSession(
            hubtop: ["--listen", "127.0.0.1:0", "--token", "crash-token-0123456789"],
            environment: ["SWIFT_BACKTRACE": "enable=no"])
        _ = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        #expect(tmux.format("alternate_on") == "1")
        #expect(tmux.format("mouse_any_flag") == "1")
        let shell = tmux.format("pane_pid")
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
        // What a Swift runtime trap raises on x86-64.
        kill(pid, SIGILL)
        let status = try await tmux.exitStatus()
        #expect(status == 128 + SIGILL, "the crash went on: the process died of the signal")
        #expect(tmux.format("alternate_on") == "0", "out of the alternate screen")
        #expect(tmux.format("cursor_flag") == "1", "the cursor is back")
        #expect(tmux.format("mouse_any_flag") == "0", "no more mouse reporting")
        #expect(!(try tmux.screen()).contains("[1] Repositories"))
    }

    @Test func theHeaderSaysWhyTheJournalCannotBeWritten() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-problem-\(UUID())"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tmux = try TmuxSession(hubtop: [
            "--listen", "127.0.0.1:0", "--token", "problem-token-0123456789", "--journal",
            directory + "/journal",
        ])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        try FileManager.default.removeItem(atPath: directory)
        let refused = try runHubtop(["send", "--url", url])
        #expect(refused.out.contains("journal_unavailable"), "\(refused.out)")
        try await tmux.waitForText("cannot open journal")
        // It comes back by itself: the next delivery is accepted and the problem is gone.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(try runHubtop(["send", "--url", url]).status == 0)
        try await tmux.waitForScreen("the problem gone") { !$0.contains("cannot open journal") }
        try tmux.keys("q")
    }
}

/// `hubtop export --format curl`: a delivery sent again, byte for byte, by a command that is
/// safe to print and paste.
@Suite struct CurlExportEndToEndTests {
    @Test func theCurlCommandReproducesTheDeliveryExactly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-curl-\(UUID())")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = folder + "/journal.ndjson"
        let first = try Child([
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", "curl-token-0123456789",
            "--journal", journal,
        ])
        // A JSON escape for ESC, and a raw (valid) right-to-left override in the body itself.
        let hostile = #"v1 it's \u001b[2J $(touch PWNED) \#u{202E}"#
        let body =
            #"{"push_data":{"tag":"\#(hostile)","pushed_at":1780000000,"pusher":"o'brien"},"repository":{"repo_name":"acme/api"}}"#
        let answer = try await HTTPPost.post(url: try await first.webhookURL(), body: Array(body.utf8))
        #expect(answer.status == 200)
        first.signal(SIGTERM)
        _ = try await first.waitForExit()

        let second = try Child([
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", "curl-token-0123456789",
        ])
        defer { second.signal(SIGKILL) }
        let target = try await second.webhookURL()
        let exported = try runHubtop([
            "export", "--journal", journal, "--format", "curl", "--id", "1", "--url", target,
        ])
        #expect(exported.status == 0, "\(exported.err)")
        let command = exported.out.trimmingCharacters(in: .newlines)
        #expect(command.hasPrefix("curl -sS -X POST -H 'Content-Type: application/json' "), "\(command)")
        #expect(
            !command.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" },
            "nothing raw for a terminal")
        #expect(command.contains("\\u202e"), "spelled out as an escape: \(command)")
        let ran = try Spawned.run(["/bin/bash", "-c", command], capture: .both)
        #expect(ran.status == 0 && ran.output.contains("\"ok\":true"), "\(ran.output)")
        try await eventually("the second hubtop has the same delivery") { second.stdout.contains("o'brien") }
        let line = try #require(second.stdout.split(separator: "\n").first)
        #expect(
            try JSONValue.parse(String(line)).members["tag"]?.string
                == "v1 it's \u{1B}[2J $(touch PWNED) \u{202E}")
        #expect(!FileManager.default.fileExists(atPath: "PWNED"))
    }
}
