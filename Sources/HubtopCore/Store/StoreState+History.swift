import DequeModule

/// Walking the history: which events a filter admits, grouped into burst rows, and pages of them.
extension StoreState {
    func matches(_ repo: Repository, _ filter: EventFilter) -> Bool {
        matches(repo, filter, NamePattern(filter.repositoryContains))
    }

    /// The same with the filter's pattern made once, for loops over every repository.
    func matches(_ repo: Repository, _ filter: EventFilter, _ pattern: NamePattern) -> Bool {
        if let exact = filter.repository, repo.summary.name != exact { return false }
        if let source = filter.source, repo.source != source { return false }
        return pattern.matches(lowercased: repo.lowercasedName)
    }

    /// Per repository slot: whether the filter admits it.
    func repositoryMatches(_ filter: EventFilter) -> [Bool] {
        let pattern = NamePattern(filter.repositoryContains)
        return repositories.map { matches($0, filter, pattern) }
    }

    /// Index of the newest event the filter admits (events after a pause are skipped).
    func newestIndex(_ filter: EventFilter) -> Int {
        guard let upTo = filter.upToID, let first = columns.events.first?.id else {
            return columns.events.count - 1
        }
        if upTo < first { return -1 }
        return min(columns.events.count - 1, Int(upTo - first))
    }

    func eventMatches(_ index: Int, _ filter: EventFilter) -> Bool {
        let event = columns.events[index]
        if let tag = filter.tag, event.tag != tag { return false }
        if let pusher = filter.pusher, event.pusher != pusher { return false }
        if filter.hideArtifacts, event.payload.artifact != nil { return false }
        if filter.onlyVulnerabilityFixes, !event.payload.fixesVulnerabilities { return false }
        if let cutoff = filter.unmirroredBefore, !isUnmirrored(index, before: cutoff) { return false }
        return !isFolded(index, filter)
    }

    /// Visits history rows newest first: each burst once, at its newest matching event, followed
    /// by its matching members when it is expanded and has more than one. Stops when `visit`
    /// returns false. Without pusher or pause filters a burst matches as a whole, so its head is
    /// known from a flag; otherwise heads are found by remembering bursts already visited.
    func walkHistory(
        _ filter: EventFilter, expanded: Set<UInt64>, _ visit: (Int, UInt64, Bool) -> Bool
    ) {
        let repoMatches = repositoryMatches(filter)
        let whole = Self.matchesWholeBursts(filter)
        var seen = Set<UInt64>()
        var candidates = Candidates(self, filter, repoMatches)
        while let index = candidates.next() {
            let burst = columns.burst[index]
            if whole {
                guard columns.isBurstHead[index] else { continue }
                if let tag = filter.tag, columns.events[index].tag != tag { continue }
                if filter.tag == nil, !foldedBursts.isEmpty, foldedBursts[burst] != nil { continue }
            } else {
                guard eventMatches(index, filter), seen.insert(burst).inserted else { continue }
                // A burst whose first event is newer than this one cannot come up again.
                if seen.count > 4096 {
                    let id = columns.events[index].id
                    seen = seen.filter { $0 <= id }
                }
            }
            if !visit(index, burst, false) { return }
            guard expanded.contains(burst), burstSize(burst, head: index, filter) > 1 else { continue }
            for member in members(of: burst, head: index, filter) where !visit(member, burst, true) {
                return
            }
        }
    }

    /// The events a filter admits by repository, newest first. When the matching repositories
    /// hold few of the stored events, their own id lists are merged instead of scanning the
    /// whole store past everyone else's columns.events.
    struct Candidates {
        let state: StoreState
        let repoMatches: [Bool]
        let newest: Int
        var index: Int
        /// Per matching repository: its id list and the position of its next (older) id.
        var lists: [(ids: Deque<UInt64>, next: Int)] = []
        let merging: Bool

        init(_ state: StoreState, _ filter: EventFilter, _ repoMatches: [Bool]) {
            self.state = state
            self.repoMatches = repoMatches
            newest = state.newestIndex(filter)
            index = newest
            var matching: [Int] = []
            var admitted = 0
            for (repo, match) in repoMatches.enumerated() where match {
                matching.append(repo)
                admitted += state.repositories[repo].eventIDs.count
            }
            merging = matching.count <= 64 && admitted * 8 < state.columns.events.count
            if merging {
                lists = matching.map { repo in
                    let ids = state.repositories[repo].eventIDs
                    return (ids, ids.count - 1)
                }
            }
        }

        mutating func next() -> Int? {
            guard merging else {
                while index >= 0 {
                    defer { index -= 1 }
                    if repoMatches[Int(state.columns.repository[index])] { return index }
                }
                return nil
            }
            guard let first = state.columns.events.first?.id else { return nil }
            while true {
                var best = -1
                var bestID: UInt64 = 0
                for (slot, list) in lists.enumerated() where list.next >= 0 {
                    let id = list.ids[list.next]
                    if best < 0 || id > bestID {
                        best = slot
                        bestID = id
                    }
                }
                guard best >= 0 else { return nil }
                lists[best].next -= 1
                let position = Int(bestID - first)
                if position <= newest { return position }  // newer than a paused view: skip
            }
        }
    }

    /// Whether the row's event is still stored and its repository and tag pass the filter
    /// (a quick test before a walk).
    func mayShow(_ key: HistoryKey, _ filter: EventFilter) -> Bool {
        guard let first = columns.events.first?.id else { return false }
        let id = key.member ?? bursts[key.burst]?.lastID ?? key.burst
        guard id >= first, id < first + UInt64(columns.events.count) else { return false }
        let index = Int(id - first)
        guard matches(repositories[Int(columns.repository[index])], filter) else { return false }
        if let tag = filter.tag, columns.events[index].tag != tag { return false }
        return true
    }

    static func matchesWholeBursts(_ filter: EventFilter) -> Bool {
        filter.pusher == nil && filter.upToID == nil && !filter.selectsKinds
    }

    /// Indexes of a burst's matching events, newest first, from its head down.
    func members(of burst: UInt64, head: Int, _ filter: EventFilter) -> [Int] {
        guard let first = columns.events.first?.id else { return [] }
        let lowest = burst >= first ? Int(burst - first) : 0
        let whole = Self.matchesWholeBursts(filter)
        return stride(from: head, through: lowest, by: -1).filter {
            columns.burst[$0] == burst && (whole || eventMatches($0, filter))
        }
    }

    func burstSize(_ burst: UInt64, head: Int, _ filter: EventFilter) -> Int {
        if Self.matchesWholeBursts(filter) { return bursts[burst]?.live ?? 1 }
        return members(of: burst, head: head, filter).count
    }

    func historyPage(filter: EventFilter, expanded: Set<UInt64>, offset: Int, limit: Int) -> HistoryPage {
        var rows: [HistoryRow] = []
        var count = 0
        let knownTotal = historyTotalWithoutScan(filter, expanded: expanded)
        // Nothing to show: do not walk a million events to find that out.
        if let knownTotal, offset >= knownTotal || limit == 0 {
            return HistoryPage(rows: [], total: knownTotal)
        }
        walkHistory(filter, expanded: expanded) { index, burst, isMember in
            defer { count += 1 }
            if count >= offset && rows.count < limit {
                let event = columns.events[index]
                var row = HistoryRow(
                    event: event, burst: burst, size: isMember ? 1 : burstSize(burst, head: index, filter),
                    isMember: isMember)
                if !images.isEmpty { row.image = images[event.id] }
                if !scans.isEmpty { row.scan = scans[event.id] }
                if !mirrors.isEmpty { row.mirrors = mirrors[event.id]?.count ?? 0 }
                if !ownedArtifacts.isEmpty { row.artifacts = artifactKinds(of: event.id) }
                rows.append(row)
            }
            return knownTotal == nil || rows.count < limit
        }
        return HistoryPage(rows: rows, total: knownTotal ?? count)
    }

    /// The number of history rows from the aggregates, when the filter allows it.
    func historyTotalWithoutScan(_ filter: EventFilter, expanded: Set<UInt64>) -> Int? {
        guard Self.matchesWholeBursts(filter) else { return nil }
        var total = 0
        var matching = Set<Int>()
        let pattern = NamePattern(filter.repositoryContains)
        for (index, repo) in repositories.enumerated()
        where repo.summary.events > 0 && matches(repo, filter, pattern) {
            matching.insert(index)
            if let tag = filter.tag {
                total += repo.tags[TagKey(tag: tag)]?.bursts ?? 0
            } else {
                total += repo.summary.bursts - repo.foldedBursts
            }
        }
        guard let first = columns.events.first?.id else { return total }
        for id in expanded {
            guard let burst = bursts[id], burst.live > 1 else { continue }
            let head = Int(burst.lastID - first)
            guard matching.contains(Int(columns.repository[head])) else { continue }
            if let tag = filter.tag, columns.events[head].tag != tag { continue }
            if filter.tag == nil, foldedBursts[id] != nil { continue }
            total += burst.live
        }
        return total
    }

    func page(filter: EventFilter, offset: Int, limit: Int) -> EventPage {
        // Decide per repository once, then test each event by index: no string work per event.
        let repoMatches = repositoryMatches(filter)
        let needsEventTest =
            filter.tag != nil || filter.pusher != nil || filter.upToID != nil || filter.selectsKinds
        var total = 0
        if !needsEventTest {
            total = repositories.indices.reduce(0) {
                $0 + (repoMatches[$1] ? repositories[$1].summary.events : 0)
            }
        }
        var page: [StoredEvent] = []
        page.reserveCapacity(min(limit, 256))
        var skipped = 0
        var index = newestIndex(filter)
        while index >= 0 {
            defer { index -= 1 }
            guard repoMatches[Int(columns.repository[index])] else { continue }
            if needsEventTest {
                if !eventMatches(index, filter) { continue }
                total += 1
            } else if page.count >= limit {
                break
            }
            if skipped < offset {
                skipped += 1
            } else if page.count < limit {
                page.append(columns.events[index])
            }
        }
        return EventPage(events: page, total: total)
    }
}
