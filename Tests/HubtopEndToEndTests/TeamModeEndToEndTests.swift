import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTestSupport
import Testing

/// Team mode against a real PostgreSQL of the test's own: receivers commit before they answer,
/// viewers follow, nothing acknowledged is lost when a receiver or the database goes away.
@Suite(.serialized, .enabled(if: PostgresFixture.installed, "needs PostgreSQL 15 (initdb, pg_ctl, psql)"))
struct TeamModeEndToEndTests {
    static let token = "team-e2e-token-0123456789"

    static func delivery(_ index: Int, repo: String = "acme/api", tag: String? = nil) -> [UInt8] {
        Array(
            #"{"push_data":{"tag":"\#(tag ?? "v\(index)")","pushed_at":\#(1_780_000_000 + index),"pusher":"ci"},"callback_url":"https://registry.hub.docker.com/u/\#(repo)/hook/\#(index)/","repository":{"repo_name":"\#(repo)"}}"#
                .utf8)
    }

    static func receiver(_ database: PostgresFixture, extra: [String] = []) async throws -> (Child, String) {
        let child = try Child(
            ["--headless", "--json", "--listen", "127.0.0.1:0", "--token", token, "--database", database.url]
                + extra)
        return (child, try await child.webhookURL())
    }

    static func viewer(_ database: PostgresFixture) throws -> Child {
        try Child(["--headless", "--json", "--listen", "none", "--database", database.url])
    }

    /// The `pushed_at` of each event a headless `--json` process printed.
    static func pushTimes(_ output: String) -> Set<Int> {
        Set(
            output.split(separator: "\n").compactMap { line -> Int? in
                guard let value = try? JSONValue.parse(String(line)),
                    case .number(let time)? = value.members["pushed_at"]
                else { return nil }
                return Int(time)
            })
    }

    @Test func fiveHundredDeliveriesOverTwoReceiversOneKilledHalfwayLoseNothingAcknowledged() async throws {
        let database = try PostgresFixture()
        let (first, firstURL) = try await Self.receiver(database)
        let (second, secondURL) = try await Self.receiver(database)
        let viewer = try Self.viewer(database)
        defer {
            second.signal(SIGKILL)
            viewer.signal(SIGKILL)
        }
        let acknowledged = LockedSet()
        // Four senders, each alternating between the receivers; the first dies at 250.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<4 {
                group.addTask {
                    for index in stride(from: sender, to: 500, by: 4) {
                        if index == 250 { first.signal(SIGKILL) }
                        let url = index % 2 == 0 ? firstURL : secondURL
                        let answer = try? await HTTPPost.post(url: url, body: Self.delivery(index))
                        if answer?.status == 200 { acknowledged.insert(1_780_000_000 + index) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let answered = acknowledged.values
        #expect(answered.count >= 250, "the surviving receiver answered its half: \(answered.count)")
        // Every acknowledged delivery is committed…
        let stored = Set(
            try database.psql(
                "SELECT convert_from(body, 'UTF8')::json->'push_data'->>'pushed_at' FROM hubtop_events"
            ).split(separator: "\n").compactMap { Int($0) })
        #expect(answered.isSubset(of: stored), "lost: \(answered.subtracting(stored).sorted().prefix(10))")
        // …and on the viewer.
        try await eventually("the viewer shows every acknowledged delivery", within: 30) {
            answered.isSubset(of: Self.pushTimes(viewer.stdout))
        }
        // A viewer started afterwards loads the history.
        let late = try Self.viewer(database)
        defer { late.signal(SIGKILL) }
        try await eventually("a late viewer loads the history", within: 30) {
            Self.pushTimes(late.stdout) == stored
        }
    }

    @Test func aRedeliveryToBothReceiversFoldsIntoOneEventWithTwoDeliveries() async throws {
        let database = try PostgresFixture()
        let (first, firstURL) = try await Self.receiver(
            database, extra: ["--max-connections-per-address", "512"])
        let (second, secondURL) = try await Self.receiver(database)
        defer {
            first.signal(SIGKILL)
            second.signal(SIGKILL)
        }
        let one = try await HTTPPost.post(url: firstURL, body: Self.delivery(7))
        let other = try await HTTPPost.post(url: secondURL, body: Self.delivery(7))
        #expect(one.status == 200 && other.status == 200)
        let firstID = try JSONValue.parse(one.body).members["id"]
        let secondID = try JSONValue.parse(other.body).members["id"]
        #expect(firstID != nil && firstID == secondID, "one event")
        #expect(other.body.contains("\"deliveries\":2"), "\(other.body)")
        #expect(try database.psql("SELECT count(*), sum(deliveries) FROM hubtop_events") == "1|2")
        // Deliveries that arrive together share transactions.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 100..<300 {
                group.addTask { try await HTTPPost.post(url: firstURL, body: Self.delivery(index)).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        let health = try await HTTPPost.post(
            url: firstURL.replacingOccurrences(of: "/hook/" + Self.token, with: "/healthz"), body: [],
            method: "GET")
        let largest = try JSONValue.parse(health.body).members["database"]?.members["largest_batch"]
        guard case .number(let batch)? = largest else {
            Issue.record("no database in /healthz: \(health.body)")
            return
        }
        #expect(batch > 1, "group commit: \(health.body)")
    }

    /// Another registry's delivery is kept with what its request said: a viewer decodes it as
    /// the receiver did, and its redelivery to the other receiver folds on the sender's id.
    @Test func aGitHubDeliveryIsSharedWithItsSourceAndFoldsOnItsDeliveryIDAcrossReceivers() async throws {
        let database = try PostgresFixture()
        let (first, firstURL) = try await Self.receiver(database)
        let (second, secondURL) = try await Self.receiver(database)
        let viewer = try Self.viewer(database)
        defer {
            first.signal(SIGKILL)
            second.signal(SIGKILL)
            viewer.signal(SIGKILL)
        }
        let sample = SourceSamples.github(
            SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0", id: "gh-77"))
        var statuses: [Int] = []
        for url in [firstURL, secondURL] {
            let answer = try await HTTPPost.post(
                url: url, body: sample.body, extraHeaders: sample.headers.map { ($0.name, $0.value) })
            statuses.append(answer.status)
        }
        #expect(statuses == [200, 200])
        #expect(try database.psql("SELECT count(*), sum(deliveries) FROM hubtop_events") == "1|2")
        try await eventually("the viewer shows the GitHub push", within: 30) {
            viewer.stdout.contains(#""repo_name":"ghcr.io/acme/api""#)
        }
        let line = try #require(
            viewer.stdout.split(separator: "\n").first { $0.contains("ghcr.io/acme/api") })
        let fields = try JSONValue.parse(String(line)).members
        #expect(fields["source"] == .string("github"))
        #expect(fields["verified_by"] == .string("unsigned"))
    }

    @Test func aDeliveryIsForwardedAndRunsItsCommandOnceByTheReceiverThatCommittedIt() async throws {
        let database = try PostgresFixture()
        let downstream = try #require(try HTTPProbe([HTTPProbe.Route("/downstream", 200)]))
        let ran = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-ran-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: ran) }
        let extra = [
            "--forward", downstream.base + "/downstream", "--on-event",
            "sh -c 'echo \"$HUBTOP_TAG\" >> \(ran)'",
        ]
        let (first, firstURL) = try await Self.receiver(database, extra: extra)
        let (second, secondURL) = try await Self.receiver(database, extra: extra)
        defer {
            first.signal(SIGKILL)
            second.signal(SIGKILL)
        }
        for index in 0..<6 {
            let answer = try await HTTPPost.post(
                url: index.isMultiple(of: 2) ? firstURL : secondURL, body: Self.delivery(index))
            #expect(answer.status == 200, "\(answer.body)")
        }
        // A redelivery of the first push, to the other receiver: forwarded (it is a delivery),
        // but no command runs (no new event).
        let again = try await HTTPPost.post(url: secondURL, body: Self.delivery(0))
        #expect(again.body.contains("\"deliveries\":2"), "\(again.body)")
        let lines = { (try? String(contentsOfFile: ran, encoding: .utf8))?.split(separator: "\n") ?? [] }
        let settled = {
            downstream.requests.count >= 7 && lines().count >= 6
                && Self.pushTimes(first.stdout).count == 6 && Self.pushTimes(second.stdout).count == 6
        }
        do {
            try await eventually("every delivery forwarded and every command run", within: 30, settled)
        } catch {
            Issue.record(
                error,
                Comment(
                    rawValue: "forwarded \(downstream.requests.count), commands \(lines()), shown "
                        + "\(Self.pushTimes(first.stdout).count)/\(Self.pushTimes(second.stdout).count); "
                        + "first: \(first.stderr)\nsecond: \(second.stderr)"))
            return
        }
        // Both receivers now hold all six events: a duplicate would come from one of them
        // reacting to the other's delivery, which it has read by now. Give it a moment to show.
        try await Task.sleep(for: .seconds(1))
        #expect(downstream.requests.count == 7, "\(downstream.requests.map(\.delivery))")
        #expect(Set(downstream.requests.compactMap(\.delivery)).count == 7, "one forward per delivery")
        #expect(lines().count == 6 && Set(lines()).count == 6, "one command per event: \(lines())")
    }

    @Test func aViewerCutOffCatchesUpWithoutGapsAndTheDatabaseGoingAwayMeans503() async throws {
        let team = try await Team()
        defer { withExtendedLifetime(team) {} }
        let (database, url, viewer) = (team.database, team.url, team.viewer)
        for index in 0..<20 { _ = try await HTTPPost.post(url: url, body: Self.delivery(index)) }
        try await eventually("the viewer follows") { Self.pushTimes(viewer.stdout).count == 20 }
        // Cut every connection (the viewer's and the receiver's), then deliver more at once.
        try database.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'hubtop' AND pid <> pg_backend_pid()"
        )
        var acknowledged = Set(0..<20)
        for index in 20..<80 {
            if (try? await HTTPPost.post(url: url, body: Self.delivery(index)))?.status == 200 {
                acknowledged.insert(index)
            }
        }
        #expect(acknowledged.count >= 70, "the receiver reconnects by itself: \(acknowledged.count)")
        try await eventually("the viewer catches up", within: 30) {
            Set(acknowledged.map { 1_780_000_000 + $0 }).isSubset(of: Self.pushTimes(viewer.stdout))
        }
        // The database stopped: refused with 503 and Retry-After, nothing acknowledged.
        try database.stop()
        let refused = try await HTTPPost.post(url: url, body: Self.delivery(500))
        #expect(refused.status == 503, "\(refused.body)")
        #expect(refused.headers.contains { $0.0.lowercased() == "retry-after" })
        #expect(refused.body.contains("database_unavailable"))
        // Health says so too, so that a load balancer takes the receiver out of rotation; the
        // driver's message only for a request with the metrics token.
        let healthURL = url.replacingOccurrences(of: "/hook/" + Self.token, with: "/healthz")
        let health = try await HTTPPost.post(url: healthURL, body: [], method: "GET")
        #expect(health.status == 503, "\(health.body)")
        let members = try JSONValue.parse(health.body).members
        #expect(members["status"] == .string("degraded"))
        #expect(members["reason"] == .string("database_unavailable"))
        #expect(members["database"]?.members["last_error"] == nil, "\(health.body)")
        try database.start()
        #expect(
            try await Self.postUntilTaken(url, Self.delivery(501)), "taken again once the database is back")
        try await eventually("the viewer shows it", within: 30) {
            Self.pushTimes(viewer.stdout).contains(1_780_000_501)
        }
        #expect(try await HTTPPost.post(url: healthURL, body: [], method: "GET").status == 200)
        #expect(
            try database.psql("SELECT count(*) FROM hubtop_events WHERE deliveries > 0")
                == "\(acknowledged.count + 1)")
    }
}

extension TeamModeEndToEndTests {
    @Test func aTransactionLeftOpenElsewhereDoesNotHoldTheViewersBack() async throws {
        let team = try await Team()
        defer { withExtendedLifetime(team) {} }
        let (database, url, viewer) = (team.database, team.url, team.viewer)
        _ = try await HTTPPost.post(url: url, body: Self.delivery(1))
        try await eventually("the viewer follows") { Self.pushTimes(viewer.stdout) == [1_780_000_001] }
        // Someone's session holds a transaction (with an id) open for a minute.
        let session = Process()
        session.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        session.arguments = [
            "-h", "127.0.0.1", "-p", "\(database.port)", "-U", "hubtop", "-d", "hubtop", "-c",
            "BEGIN; SELECT pg_current_xact_id(); SELECT pg_sleep(60); COMMIT;",
        ]
        session.standardOutput = FileHandle.nullDevice
        try session.run()
        defer {
            _ = try? database.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()"
            )
        }
        try await eventually("the session's transaction is open") {
            (try? database.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND query LIKE '%pg_sleep%'"
            )) == "1"
        }
        for index in 2...4 { _ = try await HTTPPost.post(url: url, body: Self.delivery(index)) }
        try await eventually("new events show while it stays open", within: 10) {
            Self.pushTimes(viewer.stdout).isSuperset(of: [1_780_000_002, 1_780_000_003, 1_780_000_004])
        }
        // A redelivery meanwhile: still one event each, the count raised.
        _ = try await HTTPPost.post(url: url, body: Self.delivery(3))
        try await eventually("the fold shows", within: 10) {
            viewer.stdout.split(separator: "\n").filter { $0.contains("\"pushed_at\":1780000003") }.count == 2
        }
    }

    /// A history of several load chunks reaches a new viewer whole and in order: chunks are
    /// decoded side by side and stored one after another while reading goes on.
    @Test func aViewerLoadsAHistoryOfManyChunksInOrder() async throws {
        let database = try PostgresFixture()
        let (receiver, url) = try await Self.receiver(database)
        #expect(try await HTTPPost.post(url: url, body: Self.delivery(0)).status == 200)
        receiver.signal(SIGKILL)
        let rows = 5000  // more than two chunks of 2,048
        let template = String(decoding: Self.delivery(0, tag: "TAG"), as: UTF8.self)
            .replacingOccurrences(of: "1780000000", with: "PUSHED")
        try database.psql(
            """
            INSERT INTO hubtop_events (fold_key, received_at, last_delivered_at, deliveries, body, delivery)
            SELECT 'load-' || g, 1790000000 + g, 1790000000 + g, 1,
                   convert_to(replace(replace('\(template)', 'PUSHED', (1780000000 + g)::text), 'TAG', 'v' || g), 'UTF8'), '{}'
            FROM generate_series(1, \(rows)) g
            """)
        let viewer = try Self.viewer(database)
        defer { viewer.signal(SIGKILL) }
        func printed() -> [Int] {
            viewer.stdout.split(separator: "\n").compactMap { line -> Int? in
                guard case .number(let time)? = (try? JSONValue.parse(String(line)))?.members["pushed_at"]
                else {
                    return nil
                }
                return Int(time)
            }
        }
        try await eventually("the viewer to print the whole history", within: 60) {
            printed().count >= rows + 1
        }
        #expect(printed() == [1_780_000_000] + (1...rows).map { 1_780_000_000 + $0 })
    }

    @Test func exportReadsTheSharedHistoryAndRetainPrunesIt() async throws {
        let database = try PostgresFixture()
        let (receiver, url) = try await Self.receiver(database)
        for index in 0..<6 {
            let answer = try await HTTPPost.post(
                url: url, body: Self.delivery(index, repo: index < 3 ? "acme/old" : "acme/new"))
            #expect(answer.status == 200)
        }
        _ = try await HTTPPost.post(url: url, body: Self.delivery(5, repo: "acme/new"))  // a redelivery
        receiver.signal(SIGKILL)
        let exported = try runHubtop(["export", "--database", database.url, "--repo", "acme/new"])
        #expect(exported.status == 0, "\(exported.err)")
        #expect(Self.pushTimes(exported.out) == [1_780_000_003, 1_780_000_004, 1_780_000_005])
        #expect(exported.out.contains("\"deliveries\":2"), "the redelivery is folded in the export")
        #expect(exported.err.contains("3 of 6 events"), "\(exported.err)")
        // Three events were received 40 days ago; a receiver keeping 30 days prunes them.
        try database.psql(
            "UPDATE hubtop_events SET received_at = received_at - 40 * 86400 WHERE convert_from(body, 'UTF8') LIKE '%acme/old%'"
        )
        let (pruning, _) = try await Self.receiver(database, extra: ["--retain", "30d"])
        defer { pruning.signal(SIGKILL) }
        try await eventually("the old events are pruned", within: 20) {
            (try? database.psql("SELECT count(*) FROM hubtop_events")) == "3"
        }
    }
}

extension TeamModeEndToEndTests {
    /// A database, a receiver and a viewer, stopped when the test is done with them.
    final class Team {
        let database: PostgresFixture
        let receiver: Child
        let url: String
        let viewer: Child

        init() async throws {
            database = try PostgresFixture()
            (receiver, url) = try await TeamModeEndToEndTests.receiver(database)
            viewer = try TeamModeEndToEndTests.viewer(database)
        }

        deinit {
            receiver.signal(SIGKILL)
            viewer.signal(SIGKILL)
        }
    }

    /// Posts until the answer is 200 (a receiver whose database comes back), for 30 s at most.
    static func postUntilTaken(_ url: String, _ body: [UInt8]) async throws -> Bool {
        do {
            try await eventually("a receiver to take the delivery", within: 30, every: .milliseconds(100)) {
                (try? await HTTPPost.post(url: url, body: body))?.status == 200
            }
            return true
        } catch is Timeout {
            return false
        }
    }
}

/// Thread-safe set of numbers.
final class LockedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var set = Set<Int>()
    func insert(_ value: Int) { lock.withLock { _ = set.insert(value) } }
    var values: Set<Int> { lock.withLock { set } }
}

/// A dashboard that only watches the shared history, in a real terminal.
@Suite(.serialized, .enabled(if: PostgresFixture.installed, "needs PostgreSQL 15 (initdb, pg_ctl, psql)"))
struct TeamDashboardEndToEndTests {
    @Test func aViewerDashboardShowsTheSharedHistoryAndALostDatabase() async throws {
        let database = try PostgresFixture()
        let (receiver, url) = try await TeamModeEndToEndTests.receiver(database)
        defer { receiver.signal(SIGKILL) }
        for index in 0..<3 {
            let answer = try await HTTPPost.post(
                url: url, body: TeamModeEndToEndTests.delivery(index, repo: "acme/team"))
            #expect(answer.status == 200)
        }
        let tmux = try TmuxSession(hubtop: ["--database", database.url, "--listen", "none"])
        try await tmux.waitForScreen("the shared history") { screen in
            screen.contains("acme/team:v2") && screen.contains("watching postgres://hubtop@127.0.0.1:")
                && screen.contains("events 3")
        }
        // Live: a delivery to the receiver shows on this dashboard.
        _ = try await HTTPPost.post(url: url, body: TeamModeEndToEndTests.delivery(3, repo: "acme/team"))
        try await tmux.waitForText("acme/team:v3")
        // The database goes away: the header says so, the dashboard goes on.
        try database.stop()
        try await tmux.waitForText("database connection lost")
        try tmux.keys("4")
        try await tmux.waitForText("[4] Events")
        try database.start()
        #expect(
            try await TeamModeEndToEndTests.postUntilTaken(
                url, TeamModeEndToEndTests.delivery(4, repo: "acme/team")))
        try await tmux.waitForText("acme/team:v4", within: 30)
        try await tmux.waitForScreen("the header clears") {
            !$0.contains("database connection lost") && $0.contains("events 5")
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
    }
}
