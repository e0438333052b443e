import Foundation
import HubtopCore
import Testing

@Suite struct HeadlessTests {
    @Test func sendPrintsTheEventAsNDJSON() throws {
        let child = try Child(["--headless", "--json", "--listen", "127.0.0.1:0", "--token", "T0K"])
        let url = try child.webhookURL()
        #expect(url.hasSuffix("/hook/T0K"))

        let first = try runHubtop(["send", "--url", url])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains(#"{"ok":true,"id":1}"#))
        try eventually("the first event line") { child.stdout.contains("\"id\":1") }

        let second = try runHubtop([
            "send", "--url", url, "--repo", "acme/api", "--tag", "v1.2.3", "--pusher", "zoe",
        ])
        #expect(second.status == 0)
        try eventually("the second event line") { child.stdout.split(separator: "\n").count >= 2 }
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
        try eventually("the folded delivery") { child.stdout.contains("\"deliveries\":2") }

        child.signal(SIGTERM)
        #expect(try child.waitForExit() == 0)
    }

    @Test func humanReadableLinesAndStdinPayloads() throws {
        let child = try Child(["--headless", "--listen", "127.0.0.1:0", "--token", "abc"])
        let url = try child.webhookURL()
        let payload = #"{"push_data":{"pusher":"early"},"repository":{"namespace":"old","name":"school"}}"#
        let sent = try runHubtop(["send", "--url", url, "-"], stdin: payload)
        #expect(sent.status == 0, "\(sent.err)")
        try eventually("a line for old/school") { child.stdout.contains("old/school:(no tag)") }
        #expect(child.stdout.contains("by early"))
        #expect(child.stdout.contains("push_data.tag missing"))
        child.signal(SIGINT)
        #expect(try child.waitForExit() == 0)
    }

    @Test func sendFailsClearlyWhenRefusedOrUnreachable() throws {
        let child = try Child(["--headless", "--listen", "127.0.0.1:0", "--token", "right"])
        let url = try child.webhookURL()
        let wrong = try runHubtop(["send", "--url", url.replacingOccurrences(of: "/right", with: "/wrong")])
        #expect(wrong.status != 0)
        #expect(wrong.out.contains("404"))
        #expect(wrong.err.contains("refused"))
        let bad = try runHubtop(["send", "--url", url, "-"], stdin: "this is not json")
        #expect(bad.status != 0)
        #expect(bad.err.contains("not a JSON object") || bad.out.contains("400"))
        child.signal(SIGTERM)
        _ = try child.waitForExit()
        let unreachable = try runHubtop(["send", "--url", url])
        #expect(unreachable.status != 0)
        #expect(unreachable.err.contains("cannot connect"))
    }

    @Test func demoFeedsHeadlessMode() throws {
        let child = try Child(["--headless", "--demo", "--demo-rate", "50", "--listen", "127.0.0.1:0"])
        try eventually("demo events") { child.stdout.split(separator: "\n").count >= 40 }
        child.signal(SIGTERM)
        #expect(try child.waitForExit() == 0)
    }
}
