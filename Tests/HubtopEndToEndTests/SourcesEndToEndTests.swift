import Foundation
import HubtopCore
import HubtopTestSupport
import Testing

/// A real Distribution registry (Debian's `docker-registry`) sending its notifications to a real
/// hubtop: one push row per tagged push with its pusher and platforms, no blob rows, a slow
/// answer's redelivery folded, a delete shown.
@Suite(
    .serialized,
    .enabled(
        if: RegistryFixture.installed && FileManager.default.isExecutableFile(atPath: "/usr/bin/htpasswd"),
        "needs Debian's docker-registry and htpasswd (.ci/run installs them)"))
struct SourcesEndToEndTests {
    static let token = "sources-e2e-token-0123"

    @Test func aRegistrysNotificationsBecomeOnePushRowWithItsPusherAndPlatforms() async throws {
        let hubtopPort = freeLoopbackPort()
        // Between the registry and hubtop: the first delivery of a tagged push is answered late.
        let relay = try ReportingScript("slow-relay.py", ["http://127.0.0.1:\(hubtopPort)", "2.5"])
        let registry = try RegistryFixture(
            credentials: ("ci-alice", "s3cret-pass"),
            notify: "http://127.0.0.1:\(relay.firstLine)/hook/\(Self.token)")
        let host = "127.0.0.1:\(registry.port)"
        // The viewer reads the registry with the credentials `docker login` would have kept.
        let dockerConfig = FileManager.default.temporaryDirectory.appendingPathComponent("docker-\(UUID())")
        try FileManager.default.createDirectory(at: dockerConfig, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dockerConfig) }
        let auth = Base64.encode(Array("ci-alice:s3cret-pass".utf8))
        try #"{"auths":{"\#(host)":{"auth":"\#(auth)"}}}"#.write(
            to: dockerConfig.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(
            hubtop: [
                "--listen", "127.0.0.1:\(hubtopPort)", "--token", Self.token, "--lookup-registry",
                registry.base,
                "--enrich", "auto", "--group-window", "0",
            ], environment: ["DOCKER_CONFIG": dockerConfig.path])
        try await tmux.waitForText("waiting for webhooks")
        try await registry.ready()
        let pushed = try registry.push("team/app")
        let index = try #require(pushed["index"]?.string)

        // The redelivery waits on the registry's own timers (a 1 s timeout, a 1 s backoff), which a
        // loaded machine stretches: 20 s ran out in one full-suite run; the whole test takes 5 s alone.
        try await tmux.waitForScreen(
            "the tagged pushes, by their pusher, and the redelivery folded", within: 60
        ) {
            screen in
            screen.contains("\(host)/team/app:v1-again") && screen.contains("\(host)/team/app:v1 ")
                && screen.contains("ci-alice") && screen.contains("redelivered")
                && screen.contains("artifacts 1")
        }
        var screen = try tmux.screen()
        #expect(!screen.contains("(no tag)"), "no row for a blob or an untagged manifest\n\(screen)")
        #expect(
            screen.contains("events 3"), "v1, v1-again and the signature (folded under its image)\n\(screen)")
        #expect(screen.contains("dist"))
        // The relay's own record: the late answer, and the same event id delivered twice.
        try await eventually("the relay to report the late answer", within: 20) {
            relay.reports.joined().contains("late")
        }
        let ids = relay.reports.compactMap { $0.split(separator: " ").first }
        #expect(ids.count > Set(ids).count, "the registry sent an event again: \(relay.reports)")

        // The index's platforms come from the registry (the event has none), read as ci-alice.
        try tmux.keys("4", "End", "Enter")
        try await tmux.waitForScreen("the detail with both platforms") { screen in
            screen.contains("Distribution (\(host))") && screen.contains("linux/amd64")
                && screen.contains("linux/arm64/v8") && screen.contains("2 platform manifests folded")
        }
        try tmux.keys("Escape")

        // A manifest deleted by digest: its delete, and one per tag that pointed at it.
        #expect(try await registry.delete("team/app", digest: index) == 202)
        try await tmux.waitForScreen("the delete") { $0.contains("deleted") }
        screen = try tmux.screen()
        #expect(screen.contains("dist"))
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }
}
