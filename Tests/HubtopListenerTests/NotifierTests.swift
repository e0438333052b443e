import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// `--notify`: messages to a Slack-style webhook and an ntfy-style topic over real HTTP.
@Suite struct NotifierTests {
    static func event(_ store: EventStore, repo: String, tag: String, at time: Double) {
        var info = RepositoryInfo(repoName: repo)
        info.repoURL = "https://hub.docker.com/r/\(repo)"
        store.ingest(
            WebhookPayload(pushedAt: time, pusher: "ci-bot", tag: tag, repository: info), receivedAt: time)
    }

    @Test func eachKindOfReceiverGetsItsBodyWithTheTemplateFilledIn() async throws {
        let chat = TestReceiver()
        let topic = TestReceiver(statuses: [503, 200])  // retried like --forward
        let chatPort = try await chat.start()
        let topicPort = try await topic.start()
        defer {
            Task {
                await chat.stop()
                await topic.stop()
            }
        }
        let store = EventStore()
        // 127.0.0.1 has no "ntfy" in its name: the format is chosen per URL, here by a path
        // the test receiver ignores and a forced format for the second notifier.
        let slack = try Notifier(
            urls: ["http://127.0.0.1:\(chatPort)/services/T0/B0/x"], format: nil, template: nil,
            filter: "acme/*", store: store, metrics: nil)
        let ntfy = try Notifier(
            urls: ["http://127.0.0.1:\(topicPort)/hubtop-builds"], format: .ntfy,
            template: "{repo} {tag} by {pusher}{digest}", filter: nil, store: store, metrics: nil)
        slack.start()
        ntfy.start()
        defer {
            slack.stop()
            ntfy.stop()
        }
        Self.event(store, repo: "acme/api", tag: "v1\u{1B}[2J$(reboot)", at: 1)
        Self.event(store, repo: "other/tool", tag: "edge", at: 2)
        try await eventually("both receivers have their messages") {
            chat.received.count == 1 && topic.received.count == 3
        }
        let message = try JSONValue.parse(String(decoding: chat.received[0].body, as: UTF8.self)).members[
            "text"]?.string
        #expect(
            message == "acme/api:v1�[2J$(reboot) pushed by ci-bot https://hub.docker.com/r/acme/api",
            "controls never reach the chat")
        #expect(chat.received[0].header("content-type") == "application/json")
        let texts = topic.received.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(texts.contains("other/tool edge by ci-bot"))
        #expect(topic.received[0].header("content-type") == "text/plain; charset=utf-8")
        try await eventually("the outcome is recorded") {
            store.outcomes(of: 1).contains {
                $0.name.hasPrefix("notify → 127.0.0.1") && $0.state == .delivered
            }
        }
    }

    @Test func theRateLimitSkipsAndCountsWhatIsOver() async throws {
        let chat = TestReceiver()
        let port = try await chat.start()
        defer { Task { await chat.stop() } }
        let store = EventStore()
        let notifier = try Notifier(
            urls: ["http://127.0.0.1:\(port)/hook"], format: .json, template: nil, filter: nil, perMinute: 3,
            store: store, metrics: nil)
        notifier.start()
        defer { notifier.stop() }
        for index in 0..<5 { Self.event(store, repo: "acme/api", tag: "v\(index)", at: Double(index)) }
        try await eventually("three sent") { chat.received.count == 3 }
        #expect(notifier.skippedCount == 2)
        #expect(store.outcomes(of: 5).first?.state == .dropped)
        let body = try JSONValue.parse(String(decoding: chat.received[0].body, as: UTF8.self)).members
        #expect(body["event"]?.members["tag"]?.string == "v0", "json carries the event too")
    }

    @Test func templatesFillKnownPlaceholdersOnly() {
        let store = EventStore()
        Self.event(store, repo: "acme/api", tag: "v1", at: 1)
        let event = store.event(id: 1)!
        #expect(ChatMessage.text("{repo}@{tag} {nope} {digest}", event, digest: nil) == "acme/api@v1 {nope}")
        #expect(
            ChatMessage.text("{digest}", event, digest: "sha256:" + String(repeating: "ab", count: 32))
                == "(abababababab)")
        #expect(ChatMessage.Format.guess(host: "ntfy.sh") == .ntfy)
    }

    @Test func payloadValuesCannotPingAChannelOrLink() async throws {
        let chat = TestReceiver()
        let port = try await chat.start()
        defer { Task { await chat.stop() } }
        let store = EventStore()
        let slack = try Notifier(
            urls: ["http://127.0.0.1:\(port)/services/T0/B0/x"], format: .slack,
            template: "<!here> {pusher} pushed {tag}", filter: nil, store: store, metrics: nil)
        slack.start()
        defer { slack.stop() }
        store.ingest(
            makePayload(
                repo: "acme/api", tag: "<https://evil.example|click> & more", pusher: "eve <!channel>",
                pushedAt: 1),
            receivedAt: 1)
        try await eventually("the message arrives") { chat.received.count == 1 }
        let text = try JSONValue.parse(String(decoding: chat.received[0].body, as: UTF8.self)).members[
            "text"]?
            .string
        #expect(
            text == "<!here> eve &lt;!channel&gt; pushed &lt;https://evil.example|click&gt; &amp; more",
            "the template's markup stays; the payload's is escaped")
        let event = store.event(id: 1)!
        #expect(ChatMessage.text("{pusher}", event, digest: nil, format: .ntfy) == "eve <!channel>")
        #expect(ChatMessage.Format.guess(host: "hooks.slack.com") == .slack)
    }
}
