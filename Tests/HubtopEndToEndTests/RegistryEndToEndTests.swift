import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// Deliveries without a Dockerfile, as Docker Hub sends them today, against a real registry:
/// the dashboard reconstructs the Dockerfile from the image history, shows digests and
/// platforms, marks re-pushes, folds signatures, and stays usable when the registry is not.
@Suite(
    .serialized,
    .enabled(if: RegistryFixture.installed, "needs Debian's docker-registry (.ci/run installs it)"))
struct RegistryEndToEndTests {
    static let token = "registry-e2e-token-0123"

    /// A delivery as today's Docker Hub sends one: no Dockerfile, a media type.
    static func delivery(tag: String, at time: Int) -> [UInt8] {
        Array(
            #"{"push_data":{"tag":"\#(tag)","pushed_at":\#(time),"pusher":"ci-bot","media_type":"application/vnd.oci.image.index.v1+json"},"callback_url":"https://registry.hub.docker.com/u/acme/api/hook/x/","repository":{"repo_name":"acme/api","namespace":"acme","name":"api","status":"Active"}}"#
                .utf8)
    }

    static func post(_ url: String, tag: String, at time: Int) async throws {
        let answer = try await HTTPPost.post(url: url, body: delivery(tag: tag, at: time))
        #expect(answer.status == 200, "\(answer.status) \(answer.body)")
    }

    @Test func aDeliveryWithoutADockerfileIsReconstructedFromTheRegistry() async throws {
        let registry = try RegistryFixture()
        try await registry.ready()
        let pushed = try registry.push("acme/api")
        let index = try #require(pushed["index"]?.string)
        let tmux = try TmuxSession(hubtop: [
            "--listen", "127.0.0.1:0", "--token", Self.token, "--registry", registry.base, "--enrich", "auto",
            "--group-window", "0",
        ])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        // auto: each delivery's tag is HEADed; the tags pane shows the short digest.
        let now = Int(Date().timeIntervalSince1970)
        try await Self.post(url, tag: "v1", at: now - 600)
        try await tmux.waitForText(ImageFacts.short(index))
        // The same image pushed again: marked as a re-push.
        try await Self.post(url, tag: "v1", at: now - 300)
        try await tmux.waitForText(" same")
        // Its signature folds under it, counted apart in the header.
        let signature = "sha256-" + index.dropFirst("sha256:".count) + ".sig"
        try await Self.post(url, tag: String(signature), at: now - 200)
        try await tmux.waitForScreen("the signature folded, counted apart") { screen in
            screen.contains("same+sig") && screen.contains("artifacts 1")
        }
        var screen = try tmux.screen()
        #expect(!screen.contains("acme/api:sha256-"), "the signature has no row of its own\n\(screen)")
        #expect(registry.requests(for: "/v2/acme/api/manifests/").allSatisfy { $0.contains("method=HEAD") })

        // d: the Dockerfile reconstructed from the image history, base image set apart.
        try tmux.keys("4", "d")
        let expected = [
            "Reconstructed Dockerfile — acme/api:v1", "# source:   https://github.com/acme/api",
            "# revision: 0123abcd", "# ── from the base image ──", "ADD file:abc in /", "# ── this image ──",
            "WORKDIR /app", "RUN apk add --no-cache curl # amd64", "COPY . /app", #"CMD ["./serve"]"#,
            ImageFacts.short(index) + " · linux/amd64 1/2 · P platform",
        ]
        // Waiting for the whole frame, not one caught while the terminal is still drawing it.
        try await tmux.waitForScreen("the reconstructed Dockerfile") { screen in
            expected.allSatisfy { screen.contains($0) }
        }
        screen = try tmux.screen()
        try? screen.write(
            toFile: NSTemporaryDirectory() + "hubtop-reconstructed.txt", atomically: true, encoding: .utf8)
        // P: the other platform.
        try tmux.keys("P")
        try await tmux.waitForScreen("the arm64 platform") { screen in
            screen.contains("RUN apk add --no-cache curl # arm64") && screen.contains("linux/arm64/v8 2/2")
        }

        // The detail: digest, both platforms, the re-push, the folded signature.
        try tmux.keys("Escape", "Enter")
        try await tmux.waitForScreen("the detail") { screen in
            [
                "platforms      linux/amd64, linux/arm64/v8", "digest         " + index.prefix(40),
                "re-push        unchanged", "artifacts      sig #3",
                "source         https://github.com/acme/api",
            ].allSatisfy { screen.contains($0) }
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }

    @Test func withEnrichmentOffTheRegistryHearsNothing() async throws {
        let registry = try RegistryFixture()
        try await registry.ready()
        _ = try registry.push("acme/api")
        let tmux = try TmuxSession(hubtop: [
            "--listen", "127.0.0.1:0", "--token", Self.token, "--registry", registry.base, "--enrich", "off",
        ])
        let url = try await tmux.webhookURL()
        try await tmux.waitForText("waiting for webhooks")
        try await Self.post(url, tag: "v1", at: 1_780_000_000)
        try await tmux.waitForText("acme/api:v1")
        try tmux.keys("4", "d")
        try await tmux.waitForText("(--enrich off)")
        try tmux.keys("Escape", "Enter")
        try await tmux.waitForText("unknown (--enrich off)")
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
        #expect(registry.requests(for: "/v2/acme/").isEmpty, "the registry's log shows no request")
    }

    @Test func aRegistryThatRefusesOrIsDownLeavesTheDashboardResponsive() async throws {
        let registry = try RegistryFixture()
        try await registry.ready()
        let gate = try RegistryGate(upstream: registry.base, ["limited", "600"])
        // One hubtop against a registry answering 429, one against a closed port.
        for (base, expected) in [
            (gate.base, "the registry's pull limit is reached; retry after"),
            ("http://127.0.0.1:\(freeLoopbackPort())", "the registry lookup failed"),
        ] {
            let tmux = try TmuxSession(hubtop: [
                "--listen", "127.0.0.1:0", "--token", Self.token, "--registry", base,
            ])
            let url = try await tmux.webhookURL()
            try await tmux.waitForText("waiting for webhooks")
            try await Self.post(url, tag: "v1", at: 1_780_000_000)
            try await tmux.waitForText("acme/api:v1")
            try tmux.keys("4", "d")
            try await tmux.waitForScreen("the error in the pane") {
                $0.replacingOccurrences(of: "│\n│", with: " ").contains(expected)
                    || $0.contains(String(expected.prefix(40)))
            }
            // Still answering keys and deliveries.
            try tmux.keys("?")
            try await tmux.waitForText("Keys")
            try tmux.keys("Escape", "Escape")
            try await Self.post(url, tag: "v2", at: 1_780_000_100)
            try await tmux.waitForText("acme/api:v2")
            try tmux.keys("q")
            #expect(try await tmux.exitStatus() == 0)
        }
        #expect(gate.requests.count == 1, "a 429 is not retried: \(gate.requests)")
    }
}
