import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// The integration flags wired in the real binary: one hubtop forwards to another.
@Suite struct IntegrationEndToEndTests {
    @Test func forwardsAllowedDeliveriesToAnotherHubtopAndCountsThem() async throws {
        let downstream = try Child([
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", "down-token-0123456789",
        ])
        let downstreamURL = try await downstream.webhookURL()
        let upstream = try Child([
            "--headless", "--listen", "127.0.0.1:0", "--token", "up-token-0123456789", "--forward",
            downstreamURL,
            "--allow-repo", "acme/*", "--metrics-token", "metrics-token-0123456789",
        ])
        let url = try await upstream.webhookURL()

        let refused = try runHubtop(["send", "--url", url])  // svendowideit/testhook: not allowed
        #expect(refused.status == 1)
        #expect(refused.out.contains("403"))
        #expect(refused.out.contains("repository_not_allowed"))
        let sent = try runHubtop(["send", "--url", url, "--repo", "acme/api", "--tag", "v1"])
        #expect(sent.status == 0, "\(sent.out) \(sent.err)")
        try await eventually("the forwarded event downstream") { downstream.stdout.contains("\"acme/api\"") }
        #expect(!downstream.stdout.contains("svendowideit"))

        let base = String(url.dropLast("/hook/up-token-0123456789".count))
        func scrape() async throws -> String {
            let response = try await HTTPPost.post(
                url: base + "/metrics", body: [],
                extraHeaders: [("Authorization", "Bearer metrics-token-0123456789")],
                method: "GET")
            #expect(response.status == 200)
            return response.body
        }
        var metrics = try await scrape()
        #expect(metrics.contains("hubtop_events_accepted_total{repository=\"acme/api\"} 1"))
        #expect(metrics.contains("hubtop_rejections_total{reason=\"repository_not_allowed\"} 1"))
        // The forward's outcome is recorded just after the downstream answers.
        try await eventually("the forward's outcome in /metrics") {
            metrics = try await scrape()
            return metrics.contains("outcome=\"delivered\"} 1")
        }
        for child in [upstream, downstream] {
            child.signal(SIGTERM)
            #expect(try await child.waitForExit() == 0)
        }
    }
}
