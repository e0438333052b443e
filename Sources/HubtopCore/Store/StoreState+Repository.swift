/// A repository's own aggregates, changed in place in `StoreState.repositories`.
extension StoreState.Repository {
    /// Whether it has no events, and the burst of `tagKey` a delivery may still join. Mutating
    /// only to be reached through the array's in-place accessor: a read copies the repository.
    mutating func openBurst(_ tagKey: StoreState.TagKey) -> (isEmpty: Bool, open: UInt64?) {
        (summary.events == 0, openBursts[tagKey])
    }

    /// Counts `event` (of burst `burst`) in the summary, its tag, its pusher and the activity.
    mutating func add(_ event: StoredEvent, info: RepositoryInfo, tagKey: StoreState.TagKey, burst: UInt64) {
        let time = event.pushedOrReceivedAt
        let startsBurst = burst == event.id
        if startsBurst {
            openBursts[tagKey] = burst
            summary.bursts += 1
        }
        summary.events += 1
        summary.lastPushedAt = max(summary.lastPushedAt, time)
        summary.lastReceivedAt = event.receivedAt
        summary.lastEventID = event.id
        summary.isPrivate = info.isPrivate ?? summary.isPrivate
        summary.isOfficial = info.isOfficial ?? summary.isOfficial
        summary.isTrusted = info.isTrusted ?? summary.isTrusted
        // One lookup, changed in place.
        tags[
            tagKey,
            default: TagSummary(
                repository: summary.name, tag: event.tag, events: 0, lastPushedAt: time,
                lastEventID: event.id, bursts: 0)
        ].add(id: event.id, at: time, startsBurst: startsBurst)
        summary.tagCount = tags.count
        activity.add(at: event.receivedAt)
        eventIDs.append(event.id)
        if let pusher = event.pusher { StoreState.count(pusher, at: time, in: &pushers) }
    }
}
