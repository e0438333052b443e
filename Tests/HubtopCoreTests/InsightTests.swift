import HubtopTestSupport
import Testing

@testable import HubtopCore

/// Burst grouping, activity counting, durations, globs, UTC parsing and export formats.
@Suite struct BurstTests {
    @discardableResult
    func post(
        _ store: EventStore, _ repo: String, tag: String? = "latest", pusher: String = "alice",
        at time: Double
    ) -> UInt64 {
        guard
            case .appended(let id) = store.ingest(
                makePayload(repo: repo, tag: tag, pusher: pusher, pushedAt: time), receivedAt: time)
        else {
            Issue.record("not appended")
            return 0
        }
        return id
    }

    @Test func deliveriesOfOneTagWithinTheWindowFormOneRow() {
        let store = EventStore(groupWindow: 120)
        post(store, "a/x", at: 1000)
        post(store, "a/x", at: 1010)
        post(store, "b/y", at: 1020)  // another repository, in between
        post(store, "a/x", tag: "v2", at: 1030)  // another tag of the same repository
        post(store, "a/x", at: 1120)  // 120 s after the burst's first: still in
        post(store, "a/x", at: 1121)  // 121 s: a new burst
        let page = store.history()
        #expect(page.rows.map(\.size) == [1, 3, 1, 1])
        #expect(page.rows.map(\.event.id) == [6, 5, 4, 3])
        #expect(page.total == 4)
        #expect(store.repository(named: "a/x")?.bursts == 3)
        #expect(store.tags(of: "a/x").first { $0.tag == "latest" }?.bursts == 2)
    }

    @Test func zeroWindowTurnsGroupingOff() {
        let store = EventStore(groupWindow: 0)
        for second in 0..<5 { post(store, "a/x", at: Double(second)) }
        #expect(store.history().rows.map(\.size) == [1, 1, 1, 1, 1])
    }

    @Test func anExpandedBurstListsItsDeliveriesUnderItsRow() {
        let store = EventStore(groupWindow: 60)
        let first = post(store, "a/x", at: 0)
        post(store, "b/y", at: 1)
        post(store, "a/x", at: 2)
        post(store, "a/x", at: 3)
        let page = store.history(expanded: [first])
        #expect(page.rows.map(\.isMember) == [false, true, true, true, false])
        #expect(page.rows.map(\.event.id) == [4, 4, 3, 1, 2])
        #expect(page.total == 5)
        #expect(store.historyPosition(of: HistoryKey(burst: first, member: 3), expanded: [first]) == 2)
        #expect(store.historyPosition(of: HistoryKey(burst: 2)) == 1)
        #expect(store.historyPosition(of: HistoryKey(burst: first, member: 3)) == nil, "collapsed")
    }

    @Test func aPusherFilterCountsOnlyMatchingDeliveries() {
        let store = EventStore(groupWindow: 60)
        post(store, "a/x", pusher: "alice", at: 0)
        post(store, "a/x", pusher: "bob", at: 1)
        post(store, "a/x", pusher: "alice", at: 2)
        let page = store.history(filter: EventFilter(pusher: "bob"))
        #expect(page.rows.map(\.size) == [1])
        #expect(page.rows.first?.event.id == 2)
        #expect(store.history(filter: EventFilter(pusher: "alice")).rows.map(\.size) == [2])
    }

    @Test func evictionShrinksBurstsAndKeepsCountsRight() {
        let store = EventStore(capacity: 3, groupWindow: 60)
        post(store, "a/x", at: 0)
        post(store, "a/x", at: 1)
        post(store, "b/y", at: 2)
        post(store, "a/x", at: 3)
        // The first delivery is gone; its burst lives on with two.
        #expect(store.history().rows.map(\.size) == [2, 1])
        post(store, "b/y", at: 100)
        post(store, "b/y", at: 101)
        #expect(store.history().rows.map(\.size) == [2, 1])
        #expect(store.repository(named: "a/x")?.bursts == 1)
        post(store, "c/z", at: 200)
        #expect(store.repository(named: "a/x") == nil)
        #expect(store.history().total == 2)
    }

    /// The totals from the aggregates agree with walking the rows, for any mix and filter.
    @Test func totalsFromAggregatesMatchAFullWalk() {
        var random = SplitMix64(seed: 7)
        let store = EventStore(capacity: 400, groupWindow: 30)
        var time = 0.0
        for _ in 0..<1000 {
            time += 1 + Double(random.next() % 20)
            let repo = ["a/x", "a/y", "b/z"][Int(random.next() % 3)]
            let tag = ["latest", "v1", nil][Int(random.next() % 3)]
            post(store, repo, tag: tag, pusher: ["p", "q"][Int(random.next() % 2)], at: time)
        }
        let expanded = Set(store.history(limit: 50).rows.map(\.burst).prefix(10))
        let filters = [
            EventFilter(), EventFilter(repositoryContains: "a/"), EventFilter(repository: "b/z"),
            EventFilter(repository: "a/x", tag: .some("v1")), EventFilter(repository: "a/x", tag: .some(nil)),
        ]
        for filter in filters {
            for open in [Set<UInt64>(), expanded] {
                let page = store.history(filter: filter, expanded: open, limit: Int.max)
                #expect(page.total == page.rows.count, "\(filter)")
                // Sizes add up to the events the filter admits.
                let events = store.events(filter: filter, limit: Int.max).events.count
                #expect(page.rows.filter { !$0.isMember }.map(\.size).reduce(0, +) == events)
            }
        }
    }
}

@Suite struct ActivityTests {
    @Test func ringCountsPerBucketAndForgetsOldBuckets() {
        var ring = ActivityRing(bucketSeconds: 60, buckets: 60)
        ring.add(at: 0)
        ring.add(at: 59)
        ring.add(at: 60)
        ring.add(at: 60 * 61)  // same slot as minute 1, an hour later: replaces it
        #expect(ring.recent(3, now: 120) == [2, 0, 0], "minute 1's slot now counts minute 61")
        #expect(ring.recent(2, now: 60 * 61) == [0, 1])
        #expect(ring.recent(60, now: 60 * 61).reduce(0, +) == 1, "minute 0 and 1 are out of the window")
        #expect(ring.recent(2, of: 3, now: 300) == [2, 0])
        // A late event for a bucket an hour older than its slot's does not wipe the newer count.
        ring.add(at: 60)
        #expect(ring.recent(1, now: 60 * 61) == [1])
    }

    /// Bars are the per-bucket counts summed in groups, the oldest group padded with zeros where
    /// the window is shorter than the bars asked for.
    @Test func groupedBarsSumTheBucketsTheyCover() {
        var generator = SystemRandomNumberGenerator()
        var ring = ActivityRing(bucketSeconds: 60, buckets: 60)
        for _ in 0..<500 { ring.add(at: Double(Int.random(in: 0..<(90 * 60), using: &generator))) }
        for (bars, group) in [(1, 1), (12, 5), (7, 9), (30, 3), (60, 1), (5, 20), (0, 4)] {
            let now = Double(Int.random(in: (60 * 60)..<(100 * 60), using: &generator))
            let buckets = ring.recent(bars * group, now: now)
            let padded = Array(repeating: 0, count: bars * group - buckets.count) + buckets
            let expected = (0..<bars).map { padded[($0 * group)..<(($0 + 1) * group)].reduce(0, +) }
            #expect(ring.recent(bars, of: group, now: now) == expected, "\(bars) bars of \(group) at \(now)")
        }
    }

    @Test func storeKeepsPerRepositoryAndOverallActivity() {
        let store = EventStore()
        for (repo, time) in [("a/x", 10.0), ("a/x", 20), ("b/y", 70), ("a/x", 3000)] {
            store.ingest(makePayload(repo: repo, pushedAt: time), receivedAt: time)
        }
        #expect(store.activity(minutes: 3, now: 130) == [2, 1, 0])
        #expect(store.eventsInLastMinute(now: 3010) == 1)
        let bars = store.activity(of: ["a/x", "b/y", "nope/none"], bars: 12, now: 3000)
        #expect(bars["a/x"] == [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(bars["b/y"]?.reduce(0, +) == 1)
        #expect(bars["nope/none"] == nil)
    }
}

@Suite struct TextParsingTests {
    @Test func durations() {
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("2m") == 120)
        #expect(DurationText.seconds("1h30m") == 5400)
        #expect(DurationText.seconds("1.5h") == 5400)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.seconds("0") == 0)
        #expect(DurationText.seconds(" 45 ") == 45)
        for bad in ["", "h", "5x", "-3m", "1h30", "nan", "inf"] {
            #expect(DurationText.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func globs() {
        #expect(GlobPattern("acme/*").matches("acme/api"))
        #expect(GlobPattern("acme/*").matches("ACME/web"))
        #expect(!GlobPattern("acme/*").matches("acmeco/api"))
        #expect(GlobPattern("*/api").matches("acme/api"))
        #expect(GlobPattern("v?.*").matches("v1.2.3"))
        #expect(!GlobPattern("v?.*").matches("v10.2"))
        #expect(GlobPattern("a*b*c").matches("axxbyyc"))
        #expect(!GlobPattern("a*b*c").matches("axxbyy"))
        #expect(GlobPattern("exact").matches("exact") && !GlobPattern("exact").matches("exactly"))
        #expect(GlobPattern("*").matches(""))
        // The one pattern language: substring unless there is a wildcard.
        #expect(NamePattern("rabbit").matches("goliatone/hello-rabbit"))
        #expect(NamePattern("Rabbit").matches("goliatone/hello-RABBIT"))
        #expect(!NamePattern("rabbit*").matches("goliatone/hello-rabbit"))
        #expect(NamePattern("*rabbit").matches("goliatone/hello-rabbit"))
        #expect(NamePattern("").matches("anything"))
        #expect(NamePattern("acme/?pi").matches("acme/api") && !NamePattern("acme/?pi").matches("acme/api2"))
    }

    @Test func utcTimes() {
        #expect(Timestamp.parseUTC("1970-01-01") == 0)
        #expect(Timestamp.parseUTC("2026-11-29T08:10:01Z") == 1_795_939_801)
        #expect(Timestamp.parseUTC("2026-11-29 08:10") == 1_795_939_800)
        #expect(Timestamp.utc(Timestamp.parseUTC("2000-02-29T23:59:59")!) == "2000-02-29 23:59:59Z")
        for bad in ["2026-13-01", "26-11-29", "2026-11-29T25:00", "yesterday", "2026-11-29T08"] {
            #expect(Timestamp.parseUTC(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct ExportFormatTests {
    func event(repo: String, tag: String?, pusher: String?) -> StoredEvent {
        let store = EventStore()
        var payload = makePayload(repo: repo, tag: tag, pusher: pusher, pushedAt: 1_795_939_801)
        payload.images = ["sha256:a", "sha256:b"]
        store.ingest(payload, receivedAt: 1_795_939_802)
        return store.event(id: 1)!
    }

    @Test func csvQuotesAndDefusesHostileText() {
        #expect(EventExport.csvField("plain") == "plain")
        #expect(EventExport.csvField("a,b") == "\"a,b\"")
        #expect(EventExport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(EventExport.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(EventExport.csvField("-2+3") == "'-2+3")
        #expect(EventExport.csvField("@SUM(A1)") == "'@SUM(A1)")
        let hostile = EventExport.csvField("line1\nline2\r\u{1B}]0;owned\u{07}\u{202E}")
        #expect(!hostile.unicodeScalars.contains { TerminalSanitizer.isUnsafe($0) })
        #expect(!hostile.contains("\n"))
    }

    @Test func csvRowsHaveOneCellPerColumn() {
        let row = ExportFormat.csv.line(event(repo: "a/x", tag: "v1,2", pusher: "=cmd"))
        #expect(
            ExportFormat.csv.header
                == "id,received_at,pushed_at,repository,tag,pusher,deliveries,images,dockerfile,source,action,digest"
        )
        #expect(
            row
                == "1,2026-11-29T08:10:02Z,2026-11-29T08:10:01Z,a/x,\"v1,2\",'=cmd,1,sha256:a sha256:b,no,dockerhub,push,"
        )
    }

    @Test func ndjsonIsTheHeadlessJSONLine() {
        let stored = event(repo: "a/x", tag: nil, pusher: nil)
        #expect(ExportFormat.ndjson.header == nil)
        let line = ExportFormat.ndjson.line(stored)
        #expect(line == EventFormatter.json(stored))
        #expect((try? JSONValue.parse(line)) != nil)
        #expect(ExportFormat(path: "out.CSV") == .csv)
        #expect(ExportFormat(path: "out.json") == .ndjson)
    }
}

/// Filters that admit few events walk their repositories' own lists; the rows must be what the
/// plain scan of `events(filter:)` gives (without grouping), and add up to it (with).
@Suite struct SparseFilterTests {
    func store(groupWindow: Double) -> EventStore {
        var random = SplitMix64(seed: 21)
        let store = EventStore(capacity: 3000, groupWindow: groupWindow)
        var time = 0.0
        for _ in 0..<6000 {
            time += 1 + Double(random.next() % 3)
            let rare = random.next() % 40 == 0
            let repo = rare ? ["rare/one", "rare/two"][Int(random.next() % 2)] : "busy/\(random.next() % 30)"
            store.ingest(
                makePayload(
                    repo: repo, tag: ["a", "b"][Int(random.next() % 2)],
                    pusher: ["p", "q"][Int(random.next() % 2)],
                    pushedAt: time), receivedAt: time)
        }
        return store
    }

    func filters(_ store: EventStore) -> [EventFilter] {
        [
            EventFilter(repositoryContains: "rare/"), EventFilter(repository: "rare/two"),
            EventFilter(repositoryContains: "rare/", pusher: "q"),
            EventFilter(repositoryContains: "rare/", upToID: store.totals.newestID - 500),
            EventFilter(repository: "rare/one", tag: .some("a")),
        ]
    }

    @Test func rareRepositoriesGiveTheSameRowsAsAFullScan() {
        let ungrouped = store(groupWindow: 0)
        for filter in filters(ungrouped) {
            let rows = ungrouped.history(filter: filter, limit: Int.max).rows
            #expect(!rows.isEmpty)
            #expect(
                rows.map(\.event.id) == ungrouped.events(filter: filter, limit: Int.max).events.map(\.id),
                "\(filter)")
        }
        let grouped = store(groupWindow: 30)
        for filter in filters(grouped) {
            let page = grouped.history(filter: filter, limit: Int.max)
            #expect(page.total == page.rows.count)
            #expect(
                page.rows.map(\.size).reduce(0, +)
                    == grouped.events(filter: filter, limit: Int.max).events.count)
            #expect(page.rows.map(\.event.id) == page.rows.map(\.event.id).sorted(by: >), "newest first")
        }
    }
}
