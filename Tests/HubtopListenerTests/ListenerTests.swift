import HubtopCore
import NIOCore
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// Starts a listener on an ephemeral loopback port for the duration of `body`.
func withListener(
    token: String = "secret-token-0123456789", maxBody: Int = 1 << 20, capacity: Int = 1000,
    _ body: (_ base: String, _ ingestor: Ingestor) async throws -> Void
) async throws {
    try await withConfiguredListener(token: token, capacity: capacity, rateLimit: 100) { configuration, _ in
        configuration.maxBodyBytes = maxBody
    } _: { base, ingestor in
        try await body(base, ingestor)
    }
}

func jsonObject(_ text: String) -> [String: JSONValue] {
    (try? JSONValue.parse(text))?.members ?? [:]
}

@Suite struct ListenerTests {
    @Test func storesAPostedEventAndAnswersWithItsId() async throws {
        try await withListener { base, ingestor in
            let response = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(DockerHubExample.body.utf8))
            #expect(response.status == 200)
            #expect(response.body == #"{"ok":true,"id":1}"#)
            let event = try #require(ingestor.store.event(id: 1))
            #expect(event.repoName == "svendowideit/testhook")
            #expect(event.tag == "latest")
            let again = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789/", body: Array(DockerHubExample.body.utf8))
            #expect(again.body == #"{"ok":true,"id":1,"deliveries":2}"#)
        }
    }

    @Test func wrongOrMissingTokenLooksLikeAnyUnknownPath() async throws {
        try await withListener { base, ingestor in
            let body = Array(DockerHubExample.body.utf8)
            let wrong = try await HTTPPost.post(url: base + "/hook/secret-token-0123456789X", body: body)
            let missing = try await HTTPPost.post(url: base + "/hook/", body: body)
            let unknown = try await HTTPPost.post(url: base + "/nothing/here", body: body)
            for response in [wrong, missing, unknown] {
                #expect(response.status == 404)
                #expect(response.body == unknown.body)
            }
            #expect(ingestor.store.totals.events == 0)
        }
    }

    @Test func otherMethodsOnTheHookGet405WithAllow() async throws {
        try await withListener { base, _ in
            for method in ["GET", "PUT", "DELETE"] {
                let response = try await HTTPPost.post(
                    url: base + "/hook/secret-token-0123456789", body: [], method: method)
                #expect(response.status == 405)
                #expect(response.headers.contains { $0.0.lowercased() == "allow" && $0.1 == "POST, OPTIONS" })
                #expect(jsonObject(response.body)["error"] == .string("method_not_allowed"))
            }
        }
    }

    @Test func healthReportsCounts() async throws {
        try await withListener { base, _ in
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(DockerHubExample.body.utf8))
            _ = try await HTTPPost.post(url: base + "/hook/secret-token-0123456789", body: Array("nope".utf8))
            let health = try await HTTPPost.post(url: base + "/healthz", body: [], method: "GET")
            #expect(health.status == 200)
            let fields = jsonObject(health.body)
            #expect(fields["status"] == .string("ok"))
            #expect(fields["events"] == .number(1))
            #expect(fields["repositories"] == .number(1))
            #expect(fields["rejected"] == .number(1))
        }
    }

    @Test func undecodableBodiesGet400WithDetailAndChangeNothing() async throws {
        try await withListener { base, ingestor in
            _ = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(DockerHubExample.body.utf8))
            let before = ingestor.store.event(id: 1)
            for body in [
                "", "{", "[]", "form=1&b=2", #"{"push_data":{}}"#, #"{"repository":{"repo_name":"a/b"}} x"#,
            ] {
                let response = try await HTTPPost.post(
                    url: base + "/hook/secret-token-0123456789", body: Array(body.utf8))
                #expect(response.status == 400, "\(body)")
                let fields = jsonObject(response.body)
                #expect(fields["error"] != nil)
                guard case .string(let detail)? = fields["detail"] else {
                    Issue.record("no detail for \(body): \(response.body)")
                    continue
                }
                #expect(!detail.isEmpty)
            }
            #expect(ingestor.store.totals.events == 1)
            #expect(ingestor.store.event(id: 1) == before)
            #expect(ingestor.rejections.total == 6)
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await withListener(maxBody: 1024) { base, ingestor in
            let big = Array(repeating: UInt8(ascii: " "), count: 4096)
            let response = try await HTTPPost.post(url: base + "/hook/secret-token-0123456789", body: big)
            #expect(response.status == 413)
            #expect(jsonObject(response.body)["error"] == .string("body_too_large"))
            // The listener is still serving.
            let ok = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(DockerHubExample.body.utf8))
            #expect(ok.status == 413, "the documented example is larger than 1 KiB")
            let small = #"{"repository":{"repo_name":"a/b"}}"#
            let accepted = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(small.utf8))
            #expect(accepted.status == 200)
            #expect(ingestor.rejections.byReason["body_too_large"] == 2)
        }
    }

    @Test func expectContinueIsHonoured() async throws {
        try await withListener { base, ingestor in
            let response = try await HTTPPost.post(
                url: base + "/hook/secret-token-0123456789", body: Array(DockerHubExample.body.utf8),
                extraHeaders: [("Expect", "100-continue")])
            #expect(response.status == 200)
            #expect(ingestor.store.totals.events == 1)
        }
    }

    @Test func listenAddressParsing() {
        #expect(ListenerConfiguration.parseListenAddress("0.0.0.0:80")! == ("0.0.0.0", 80))
        #expect(ListenerConfiguration.parseListenAddress("[::1]:9876")! == ("::1", 9876))
        #expect(ListenerConfiguration.parseListenAddress(":1234")! == ("127.0.0.1", 1234))
        #expect(ListenerConfiguration.parseListenAddress("nope") == nil)
        #expect(ListenerConfiguration.parseListenAddress("h:99999") == nil)
    }

    @Test func tokensAreRandomComparedWhollyAndMasked() {
        let token = WebhookToken.random()
        #expect(token.count == 32)
        #expect(token.allSatisfy { $0.isHexDigit })
        #expect(token != WebhookToken.random())
        #expect(WebhookToken.matches("abc"[...], "abc"))
        #expect(!WebhookToken.matches("abd"[...], "abc"))
        #expect(!WebhookToken.matches("ab"[...], "abc"))
        #expect(!WebhookToken.matches("abcd"[...], "abc"))
        #expect(WebhookToken.masked(token) == token.prefix(4) + "…" + token.suffix(4))
    }
}
