/// The aggregates read back: what the single queries and the dashboard's snapshot share, each
/// run under the store's lock by its caller.
extension StoreState {
    var totals: StoreTotals {
        var totals = StoreTotals(
            events: columns.events.count, repositories: liveRepositories, evicted: evicted, folded: folded,
            accepted: accepted, newestID: nextID - 1, version: version, bytes: bytes)
        totals.artifacts = artifacts
        return totals
    }

    /// Repositories with events whose name matches `pattern`, most recently active first.
    func repositorySummaries(matching pattern: NamePattern, source: EventSource? = nil) -> [RepositorySummary]
    {
        repositories.filter { repo in
            repo.summary.events > 0 && (source == nil || repo.source == source)
                && pattern.matches(lowercased: repo.lowercasedName)
        }.map(\.summary).sorted(by: EventStore.recentFirst)
    }

    /// Tags of one repository, most recently pushed first.
    func tagSummaries(of repository: String) -> [TagSummary] {
        guard let index = repositoryIndex[repository] else { return [] }
        var tags = repositories[index].tags.values.sorted {
            ($0.lastEventID, $0.tag ?? "") > ($1.lastEventID, $1.tag ?? "")
        }
        if !images.isEmpty {
            for position in tags.indices {
                tags[position].digest = images[tags[position].lastEventID]?.digest
            }
        }
        if !pullCounts.isEmpty {
            for position in tags.indices {
                guard let tag = tags[position].tag else { continue }
                tags[position].pulls = pullCounts[PullCount(repository: repository, tag: tag)] ?? 0
            }
        }
        return tags
    }

    /// Pushers overall, or of the repositories matching the filter, most recently seen first.
    func pusherSummaries(filter: EventFilter) -> [PusherSummary] {
        let result: [PusherSummary]
        if filter.repository == nil && filter.repositoryContains.isEmpty && filter.source == nil {
            result = pushers.values.filter { $0.events > 0 }
        } else {
            let pattern = NamePattern(filter.repositoryContains)
            var merged: [String: PusherSummary] = [:]
            for repo in repositories where repo.summary.events > 0 && matches(repo, filter, pattern) {
                for (name, pusher) in repo.pushers {
                    if var existing = merged[name] {
                        existing.events += pusher.events
                        existing.lastSeen = max(existing.lastSeen, pusher.lastSeen)
                        merged[name] = existing
                    } else {
                        merged[name] = pusher
                    }
                }
            }
            result = Array(merged.values)
        }
        return result.sorted { ($0.lastSeen, $0.name) > ($1.lastSeen, $1.name) }
    }

    /// Where a history row stands (0 = newest), or nil when the filter hides it.
    func historyPosition(of key: HistoryKey, filter: EventFilter, expanded: Set<UInt64>) -> Int? {
        // A row the filter hides would be looked for through the whole store.
        guard mayShow(key, filter) else { return nil }
        var found: Int?
        var row = 0
        walkHistory(filter, expanded: expanded) { index, burst, isMember in
            let matched =
                isMember ? key.member == columns.events[index].id : (key.member == nil && key.burst == burst)
            if matched {
                found = row
                return false
            }
            row += 1
            return true
        }
        return found
    }

    /// Each repository's events over the last hour in `bars` bars, oldest first.
    func repositoryActivity(_ names: [String], bars: Int, now: Double) -> [String: [Int]] {
        let group = max(1, 60 / max(1, bars))
        var result: [String: [Int]] = [:]
        for name in names {
            guard let index = repositoryIndex[name] else { continue }
            result[name] = repositories[index].activity.recent(bars, of: group, now: now)
        }
        return result
    }

    /// The newest event of the same repository before `id` whose Dockerfile differs from that
    /// event's: what `D` compares against.
    func previousDifferentDockerfile(before id: UInt64) -> StoredEvent? {
        guard let first = columns.events.first?.id, id >= first, id < first + UInt64(columns.events.count)
        else { return nil }
        let target = Int(id - first)
        let repository = columns.repository[target]
        let current = columns.events[target].payload.repository.dockerfile
        var index = target - 1
        while index >= 0 {
            if columns.repository[index] == repository,
                let dockerfile = columns.events[index].payload.repository.dockerfile,
                dockerfile != current
            {
                return columns.events[index]
            }
            index -= 1
        }
        return nil
    }

    /// The newest event of a repository, if any is stored.
    func latestEvent(of repository: String) -> StoredEvent? {
        guard let index = repositoryIndex[repository], repositories[index].summary.events > 0 else {
            return nil
        }
        return event(id: repositories[index].summary.lastEventID)
    }
}
