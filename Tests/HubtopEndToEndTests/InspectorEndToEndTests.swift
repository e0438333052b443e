import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// The raw request inspector, `y` / `Y` through the terminal's clipboard, and `r`, in the real
/// binary under tmux (with `set-clipboard on`, tmux keeps what OSC 52 sets as a buffer).
@Suite struct InspectorEndToEndTests {
    static let token = "inspect-token-0123456789"

    static func health(_ webhookURL: String) async throws -> [String: JSONValue] {
        let url = String(webhookURL.split(separator: "/hook/").first ?? "") + "/healthz"
        let response = try await HTTPPost.post(url: url, body: [], method: "GET")
        return (try? JSONValue.parse(response.body))?.members ?? [:]
    }

    static func waitForHealth(
        _ webhookURL: String, _ what: String, _ condition: ([String: JSONValue]) -> Bool
    ) async throws {
        try await eventually(what, within: 10) { condition(try await health(webhookURL)) }
    }

    @Test func theInspectorShowsTheRequestCopiesItAndRReSendsIt() async throws {
        let downstream = try Child([
            "--headless", "--listen", "127.0.0.1:0", "--token", "down-token-0123456789", "--rate-limit", "0",
        ])
        let downstreamURL = try await downstream.webhookURL()
        let tmux = try TmuxSession(hubtop: [
            "--listen", "127.0.0.1:0", "--token", Self.token, "--forward", downstreamURL, "--group-window",
            "0",
            "--rate-limit", "0",
        ])
        try tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        let body =
            #"{"push_data":{"tag":"v1","pushed_at":1780000000,"pusher":"ci; $(touch /tmp/pwned)"},"#
            + #""repository":{"repo_name":"acme/api","star_count":7}}"#
        let response = try await HTTPPost.post(
            url: url, body: Array(body.utf8), contentType: "application/json",
            extraHeaders: [("X-Trace", "abc123"), ("User-Agent", "Docker-Hookshot")])
        #expect(response.status == 200)
        try await tmux.waitForText("acme/api:v1")
        try await Self.waitForHealth(downstreamURL, "the forward downstream") { $0["events"] == .number(1) }

        try tmux.keys("4")
        try tmux.keys("Enter")
        try await tmux.waitForText("Event #1")
        try tmux.keys("i")
        let expected = [
            "Raw request — acme/api:v1 #1", "POST /hook/<token> HTTP/1.1", "X-Trace: abc123",
            "User-Agent: Docker-Hookshot", #""repo_name": "acme/api""#, #""star_count": 7"#,
            "answered 200 in",
            #"{"ok":true,"id":1}"#, "y body · Y curl · r re-send",
        ]
        try await tmux.waitForScreen("the raw request") { screen in
            expected.allSatisfy { screen.contains($0) }
        }
        #expect(!(try tmux.screen()).contains(Self.token), "the token never shows")

        // y: the body, byte for byte, on the clipboard (tmux's buffer).
        try tmux.keys("y")
        try await tmux.waitForText("copied the body")
        #expect(try tmux.tmux(["show-buffer"]) == body)
        // Y: a curl command that, run with the token in the environment, delivers it again.
        try tmux.keys("Y")
        try await tmux.waitForText("copied the curl command")
        let command = try tmux.tmux(["show-buffer"])
        #expect(command.hasPrefix("curl "), "\(command)")
        #expect(command.contains("${HUBTOP_TOKEN}") && !command.contains(Self.token))
        let ran = try Spawned.run(["/usr/bin/env", "HUBTOP_TOKEN=\(Self.token)", "/bin/bash", "-c", command])
        #expect(ran.status == 0 && ran.output.contains("\"deliveries\":2"), "\(ran.output)")
        try await Self.waitForHealth(url, "the curl redelivery") { $0["folded"] == .number(1) }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"), "payload text stays data")
        try await tmux.waitForText("delivery 2 of 2")
        // The redelivery was forwarded as well.
        try await Self.waitForHealth(downstreamURL, "the forwarded redelivery") { $0["folded"] == .number(1) }

        // r: to the --forward target, a new delivery of the same body.
        try tmux.keys("r")
        try await tmux.waitForText("Enter: the --forward target")
        try tmux.keys("Enter")
        try await tmux.waitForText("re-sending delivery")
        try await Self.waitForHealth(downstreamURL, "the re-send downstream") { $0["folded"] == .number(2) }
        try await tmux.waitForScreen("the outcome") {
            $0.contains("re-send → 127.0.0.1:") && $0.contains("delivered")
        }
        // Never to itself.
        try tmux.keys("r")
        try tmux.type(url)
        try tmux.keys("Enter")
        try await tmux.waitForText("is this hubtop's own listener")
        try tmux.keys("Escape")
        try await tmux.waitForScreen("the outcome in the detail") {
            $0.contains("Event #1") && $0.contains("re-send") && $0.contains("delivered")
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
        downstream.signal(SIGTERM)
        #expect(try await downstream.waitForExit() == 0)
    }
}
