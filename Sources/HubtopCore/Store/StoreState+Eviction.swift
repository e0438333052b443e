import DequeModule

/// Counting pushers in and out, and evicting the oldest event with everything that points at it.
extension StoreState {
    static func count(_ name: String, at time: Double, in table: inout [String: PusherSummary]) {
        // One lookup, changed in place.
        table[name, default: PusherSummary(name: name, events: 0, lastSeen: time)].add(at: time)
    }

    static func uncount(_ name: String, in table: inout [String: PusherSummary]) {
        guard var summary = table[name] else { return }
        summary.events -= 1
        table[name] = summary.events > 0 ? summary : nil
    }

    mutating func evictOldest() {
        guard let event = columns.events.popFirst(), let repoIndex = columns.repository.popFirst(),
            let burstID = columns.burst.popFirst()
        else { return }
        columns.isBurstHead.removeFirst()
        evicted += 1
        bytes -= MemoryCost.event(event) + texts.release(event.payload)
        releaseBox(event.payload.repositoryBox)
        releaseDelivery(of: event)
        if !annotations.isEmpty, let outcomes = annotations.removeValue(forKey: event.id) {
            bytes -= MemoryCost.outcomes(outcomes)
        }
        forgetMirrors(of: event.id)
        if !childManifests.isEmpty, let digests = childManifests.removeValue(forKey: event.id) {
            bytes -= MemoryCost.children(digests)
        }
        if !scans.isEmpty, let scan = scans.removeValue(forKey: event.id) { bytes -= MemoryCost.scan(scan) }
        if let key = Self.foldHash(event.payload), foldIndex[key] == event.id { foldIndex[key] = nil }
        var repo = repositories[Int(repoIndex)]
        repositories[Int(repoIndex)].releaseTables()
        repo.summary.events -= 1
        repo.eventIDs.removeFirst()
        if repo.summary.events == 0 { liveRepositories -= 1 }
        let tagKey = TagKey(tag: event.tag)
        // Not in `bursts`: a burst of one, gone with its event.
        var burstGone = true
        if var burst = bursts[burstID] {
            burst.live -= 1
            burstGone = burst.live == 0
            bursts[burstID] = burstGone ? nil : burst
        }
        if burstGone {
            repo.summary.bursts -= 1
            if repo.openBursts[tagKey] == burstID { repo.openBursts[tagKey] = nil }
        }
        if var tag = repo.tags[tagKey] {
            tag.events -= 1
            if burstGone { tag.bursts -= 1 }
            repo.tags[tagKey] = tag.events > 0 ? tag : nil
        }
        repo.summary.tagCount = repo.tags.count
        if let pusher = event.pusher {
            Self.uncount(pusher, in: &repo.pushers)
            Self.uncount(pusher, in: &pushers)
        }
        if event.payload.artifact != nil { artifacts -= 1 }
        if !images.isEmpty || !artifactOwner.isEmpty {
            forgetImage(of: event, burst: burstID, repository: &repo)
        }
        if repo.summary.events == 0 {
            // Its last event is gone: so are its tables, its info and its name in the index.
            repositoryIndex[repo.summary.name] = nil
            bytes -= MemoryCost.repository(repo.summary.name)
            repositories[Int(repoIndex)] = Repository.vacant
            vacantRepositories.append(Int(repoIndex))
            return
        }
        repositories[Int(repoIndex)] = repo
    }
}
