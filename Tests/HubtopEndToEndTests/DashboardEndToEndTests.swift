import Foundation
import Testing

/// The real binary in a real terminal: tmux types the keys and reads the screen.
@Suite(.serialized) struct DashboardEndToEndTests {
    func send(_ url: String, _ arguments: [String] = [], stdin: String? = nil) throws {
        let result = try runHubtop(
            ["send", "--url", url] + arguments + (stdin == nil ? [] : ["-"]), stdin: stdin)
        #expect(result.status == 0, "send failed: \(result.out) \(result.err)")
    }

    @Test func postedEventsShowInEveryPaneAndTheKeysWork() async throws {
        let tmux = try TmuxSession(hubtop: ["--listen", "127.0.0.1:0", "--token", "e2e-token-0123456789"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")

        // Posted events appear without a keypress.
        try send(url, ["--repo", "acme/api", "--tag", "v1.0.0", "--pusher", "alice"])
        try send(url, ["--repo", "acme/web", "--tag", "latest", "--pusher", "bob"])
        try send(url, ["--repo", "other/tool", "--tag", "edge", "--pusher", "carol"])
        try await tmux.waitForText("other/tool:edge")
        var screen = try tmux.screen()
        for text in [
            "acme/api", "acme/web", "[2] Tags of other/tool", "edge", "alice", "bob", "carol",
            "acme/api:v1.0.0",
        ] {
            #expect(screen.contains(text), "missing \(text)\n\(screen)")
        }
        #expect(screen.contains("events 3"))

        // `/` narrows the repositories as you type.
        try tmux.keys("/")
        try tmux.type("acme")
        try await tmux.waitForScreen("only acme repositories") {
            !$0.contains("other/tool") && $0.contains("acme/web")
        }
        try tmux.keys("Enter")
        try await tmux.waitForText("filter: /acme")

        // `d` shows the Dockerfile of the selected repository's latest event.
        try tmux.keys("d")
        try await tmux.waitForText("FROM")
        screen = try tmux.screen()
        #expect(screen.contains("Dockerfile — acme/"))
        #expect(screen.contains("VOLUME"))
        try tmux.keys("Escape", "c")
        try await tmux.waitForText("other/tool")

        // The layout follows the terminal size.
        try tmux.resize(width: 70, height: 20)
        try await tmux.waitForScreen("a 70-column layout") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.contains { $0.hasPrefix("┌─ [4] Events") } && !lines.contains { $0.count > 70 }
        }
        try tmux.resize(width: 50, height: 12)
        try await tmux.waitForText("terminal too small — need 60×16")
        try tmux.resize(width: 120, height: 40)
        try await tmux.waitForText("[4] Events")

        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    @Test func hostileTextCannotRetitleOrRecolourTheTerminal() async throws {
        let tmux = try TmuxSession(hubtop: ["--listen", "127.0.0.1:0", "--token", "x-token-0123456789"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        let titleBefore = tmux.paneTitle
        let osc = "\\u001b]2;PWNED\\u0007"
        let csi = "\\u001b[41m"
        let payload = """
            {"push_data":{"tag":"t\(osc)","pusher":"p\(csi)x","pushed_at":1},
             "repository":{"repo_name":"evil/r\(osc)","description":"d\(osc)\\u009b31m\\u202eend\\r\\bX",
             "dockerfile":"FROM alpine\(osc)\\nRUN x"}}
            """
        try send(url, stdin: payload)
        try await tmux.waitForText("evil/r")
        try tmux.keys("4", "Enter")
        try await tmux.waitForText("description")
        try tmux.keys("d")
        try await tmux.waitForText("FROM alpine")
        #expect(tmux.paneTitle == titleBefore)
        #expect(tmux.paneTitle != "PWNED")
        let coloured = try tmux.screenWithEscapes()
        #expect(!coloured.contains("\u{1B}[41m"), "the payload's red background never reached the terminal")
        let screen = try tmux.screen()
        #expect(screen.contains("�"), "controls are shown as placeholders")
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    /// Every field the dashboard shows, each carrying OSC, CSI, DCS, C1, bidi and CR/BS tricks.
    @Test func injectionInEveryFieldLeavesTitleColoursAndLayoutAlone() async throws {
        let tmux = try TmuxSession(hubtop: ["--listen", "127.0.0.1:0", "--token", "inj-token-0123456789"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        let titleBefore = tmux.paneTitle
        let tricks = [
            "\\u001b]0;OWNED\\u0007", "\\u001b]2;OWNED\\u001b\\\\", "\\u001b[41;97m", "\\u001b[2J\\u001b[H",
            "\\u001bP1$tOWNED\\u001b\\\\", "\\u009b31m", "\\u009d0;OWNED\\u009c", "\\u202e\\u2066",
            "\\rX\\bY\\u0008", "\\u001b[1000D", "\\t",
        ].joined()
        func field(_ name: String) -> String { "\"\(name)\(tricks)\"" }
        let payload = """
            {"callback_url":\(field("https://cb/")),"\(tricks)extra":\(field("x")),
             "push_data":{"tag":\(field("t")),"pusher":\(field("p")),"pushed_at":1700000000,
               "images":[\(field("sha256:1"))]},
             "repository":{"repo_name":\(field("evil/r")),"namespace":\(field("evil")),"name":\(field("r")),
               "owner":\(field("o")),"description":\(field("d")),"full_description":\(field("f")),
               "status":\(field("s")),"repo_url":\(field("https://r/")),
               "dockerfile":"FROM alpine\(tricks)\\nRUN echo \(tricks)"}}
            """
        let sent = try runHubtop(["send", "--url", url, "-"], stdin: payload)
        #expect(sent.status == 0, "\(sent.out) \(sent.err)")
        try await tmux.waitForText("evil/r")
        func checkIntact(_ view: String) async throws {
            let screen = try tmux.screen()
            let coloured = try tmux.screenWithEscapes()
            #expect(tmux.paneTitle == titleBefore, "title changed in \(view)")
            #expect(!screen.contains("OWNED") || screen.contains("�"), "\(view)")
            #expect(
                !colourCodes(in: coloured).contains("41") && !colourCodes(in: coloured).contains("97"),
                "payload colour reached the terminal in \(view)")
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first?.hasPrefix(" hubtop") == true, "the header stays in place in \(view)")
            // Every framed row still ends on its border: nothing was moved by CR, BS or cursor codes.
            for line in lines where line.hasPrefix("│") {
                #expect(line.hasSuffix("│"), "\(view): \(line)")
            }
        }
        try await checkIntact("the lists")
        try tmux.keys("4", "Enter")
        try await tmux.waitForText("user agent")
        try await checkIntact("the event detail")
        try tmux.keys("NPage")
        try await tmux.waitForText("callback URL")
        try await checkIntact("the event detail, scrolled")
        try tmux.keys("d")
        try await tmux.waitForText("FROM alpine")
        try await checkIntact("the Dockerfile viewer")
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    @Test func capitalDDiffsTwoPostedDockerfiles() async throws {
        let tmux = try TmuxSession(hubtop: ["--listen", "127.0.0.1:0", "--token", "diff-token-0123456789"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        for (time, dockerfile) in [
            (1, "FROM debian:12\\nRUN apt-get update\\n"), (2, "FROM debian:13\\nRUN apt-get update\\n"),
        ] {
            let payload = """
                {"push_data":{"tag":"v\(time)","pushed_at":\(1_700_000_000 + time)},
                 "repository":{"repo_name":"diff/app","dockerfile":"\(dockerfile)"}}
                """
            let sent = try runHubtop(["send", "--url", url, "-"], stdin: payload)
            #expect(sent.status == 0)
        }
        try await tmux.waitForText("diff/app:v2")
        try tmux.keys("D")
        try await tmux.waitForText("Dockerfile diff — diff/app #1 (v1) → #2 (v2)")
        // The whole frame, not one caught while the terminal is still drawing it.
        try await tmux.waitForScreen("the diff lines") { screen in
            screen.contains("- FROM debian:12") && screen.contains("+ FROM debian:13")
                && screen.contains("  RUN apt-get update")
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    @Test func sigtermRestoresTheTerminalAndExitsCleanly() async throws {
        let tmux = try TmuxSession(hubtop: ["--demo", "--listen", "127.0.0.1:0"])
        try await tmux.waitForText("[4] Events")
        // The demo moves by itself: the event count grows without a keypress.
        try await tmux.waitForScreen("the demo to add events") { screen in
            guard let range = screen.range(of: "events "),
                let count = Int(screen[range.upperBound...].prefix { $0.isNumber })
            else { return false }
            return count > 30
        }
        let pid = try tmux.tmux(["display-message", "-p", "-t", tmux.name, "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The pane runs a shell; hubtop is its child.
        let children = try spawn(["pgrep", "-P", pid, "-f", "hubtop"])
        let hubtopPID = try #require(Int32(children.split(separator: "\n").first ?? ""))
        kill(hubtopPID, SIGTERM)
        #expect(try await tmux.exitStatus() == 0)
        try await tmux.waitForScreen("the normal screen back") { !$0.contains("[4] Events") }
    }

    @Test func startsFilteredAndSurvivesAnUnknownTerminalType() async throws {
        let tmux = try TmuxSession(
            hubtop: ["--demo", "--repo", "acme", "--listen", "127.0.0.1:0"],
            environment: ["TERM": "no-such-terminal-type"])
        try await tmux.waitForText("filter: /acme")
        try await tmux.waitForScreen("only acme repositories") { screen in
            screen.contains("acme/")
                && !["orbital/", "northwind/", "library/", "svendowideit/"].contains { screen.contains($0) }
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
        let stderr = try String(contentsOfFile: tmux.stderrPath, encoding: .utf8)
        #expect(stderr.contains("terminal type 'no-such-terminal-type' is unknown"))
    }
}
