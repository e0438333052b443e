/// What the registry said about stored events: digests, platforms, re-pushes, and which
/// signature, attestation and SBOM pushes belong to which image push.
extension StoreState {
    /// Records the image of event `id`. Marks it unchanged when the tag's previous push had the
    /// same digest (and updates the tag's next push likewise), and folds artifact pushes naming
    /// the digest under it. False when the event is gone or nothing changed.
    mutating func recordImage(_ id: UInt64, _ incoming: ImageFacts) -> Bool {
        guard let event = event(id: id), let first = columns.events.first?.id else { return false }
        let repoIndex = Int(columns.repository[Int(id - first)])
        var facts = incoming
        let old = images[id]
        if let old, old.digest == facts.digest, facts.platforms.isEmpty { facts.platforms = old.platforms }
        let neighbours = tagNeighbours(of: id, tag: event.tag, repository: repoIndex)
        facts.unchanged = neighbours.previous.flatMap { images[$0]?.digest } == facts.digest
        guard facts != old else { return false }
        if let old {
            bytes -= MemoryCost.imageFacts(old)
            if digestOwners[old.digest] == id { digestOwners[old.digest] = nil }
        }
        images[id] = facts
        bytes += MemoryCost.imageFacts(facts)
        if let next = neighbours.next, var nextFacts = images[next] {
            nextFacts.unchanged = nextFacts.digest == facts.digest
            images[next] = nextFacts
        }
        if let previous = digestOwners[facts.digest], previous < id, let moved = ownedArtifacts[previous] {
            // Artifacts go under the newest push of their image: the one the history shows first.
            ownedArtifacts[previous] = nil
            ownedArtifacts[id, default: []] += moved
            for artifact in moved { artifactOwner[artifact] = id }
        }
        linkMirrors(id, digest: facts.digest)
        if (digestOwners[facts.digest] ?? 0) < id { digestOwners[facts.digest] = id }
        foldArtifacts(naming: facts.digest, under: id, repository: repoIndex)
        version += 1
        return true
    }

    /// The pushes of the same tag just before and just after `id`, from the repository's id list.
    func tagNeighbours(of id: UInt64, tag: String?, repository: Int) -> (previous: UInt64?, next: UInt64?) {
        let ids = repositories[repository].eventIDs
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        guard low < ids.count, ids[low] == id else { return (nil, nil) }
        var previous: UInt64?
        var next: UInt64?
        var position = low - 1
        while position >= 0 {
            if event(id: ids[position])?.tag == tag {
                previous = ids[position]
                break
            }
            position -= 1
        }
        position = low + 1
        while position < ids.count {
            if event(id: ids[position])?.tag == tag {
                next = ids[position]
                break
            }
            position += 1
        }
        return (previous, next)
    }

    /// Folds the stored artifact pushes of the repository whose tag names `digest` under `owner`.
    mutating func foldArtifacts(naming digest: String, under owner: UInt64, repository: Int) {
        guard let first = columns.events.first?.id else { return }
        for artifact in repositories[repository].eventIDs
        where artifact != owner && artifactOwner[artifact] == nil {
            let index = Int(artifact - first)
            if columns.events[index].payload.artifactSubject == digest { fold(artifact, index, under: owner) }
        }
    }

    /// At ingest: an artifact push whose image push is already known goes under it.
    mutating func foldIfOwnerKnown(_ id: UInt64) {
        guard let first = columns.events.first?.id, id >= first else { return }
        let index = Int(id - first)
        let event = columns.events[index]
        guard let subject = event.payload.artifactSubject, let owner = digestOwners[subject],
            owner >= first, columns.repository[Int(owner - first)] == columns.repository[index]
        else { return }
        fold(id, index, under: owner)
    }

    mutating func fold(_ artifact: UInt64, _ index: Int, under owner: UInt64) {
        artifactOwner[artifact] = owner
        ownedArtifacts[owner, default: []].append(artifact)
        let burst = columns.burst[index]
        foldedBursts[burst, default: 0] += 1
        if foldedBursts[burst] == 1 { repositories[Int(columns.repository[index])].foldedBursts += 1 }
    }

    /// At eviction: forgets the event's image, and its folds either way round. Artifacts whose
    /// image push goes are shown on their own again.
    mutating func forgetImage(of event: StoredEvent, burst: UInt64, repository: inout Repository) {
        if let facts = images.removeValue(forKey: event.id) {
            bytes -= MemoryCost.imageFacts(facts)
            if digestOwners[facts.digest] == event.id { digestOwners[facts.digest] = nil }
        }
        if let owner = artifactOwner.removeValue(forKey: event.id) {
            ownedArtifacts[owner]?.removeAll { $0 == event.id }
            if ownedArtifacts[owner]?.isEmpty == true { ownedArtifacts[owner] = nil }
            unfold(burst, &repository)
        }
        guard !ownedArtifacts.isEmpty, let owned = ownedArtifacts.removeValue(forKey: event.id),
            let first = columns.events.first?.id
        else { return }
        for artifact in owned where artifact >= first {
            artifactOwner[artifact] = nil
            let index = Int(artifact - first)
            // Folds stay within a repository: the artifact's is the one being changed.
            unfold(columns.burst[index], &repository)
        }
    }

    /// One member fewer folded; the burst is a row again when none is left.
    mutating func unfold(_ burst: UInt64, _ repository: inout Repository) {
        guard let count = foldedBursts[burst] else { return }
        if count > 1 {
            foldedBursts[burst] = count - 1
        } else {
            foldedBursts[burst] = nil
            repository.foldedBursts -= 1
        }
    }

    /// Whether the history leaves the event out: its burst holds artifact pushes folded under
    /// their image push (a burst is one tag, so all of it names the same image).
    func isFolded(_ index: Int, _ filter: EventFilter) -> Bool {
        filter.tag == nil && !foldedBursts.isEmpty && foldedBursts[columns.burst[index]] != nil
    }

    /// The newest earlier event of the same repository with a different known digest: what `D`
    /// compares a reconstructed Dockerfile with.
    func previousDifferentImage(before id: UInt64) -> StoredEvent? {
        guard let digest = images[id]?.digest, let first = columns.events.first?.id, id >= first else {
            return nil
        }
        let ids = repositories[Int(columns.repository[Int(id - first)])].eventIDs
        for other in ids.reversed() where other < id {
            if let facts = images[other], facts.digest != digest {
                guard let event = event(id: other), event.payload.artifact == nil else { continue }
                return event
            }
        }
        return nil
    }

    /// The kinds of the artifacts folded under `id`.
    func artifactKinds(of id: UInt64) -> [ArtifactKind] {
        guard let owned = ownedArtifacts[id], let first = columns.events.first?.id else { return [] }
        return owned.compactMap { $0 >= first ? columns.events[Int($0 - first)].payload.artifact : nil }
    }
}

extension MemoryCost {
    /// A dictionary entry with its digest and platform names.
    static func imageFacts(_ facts: ImageFacts) -> Int {
        96 + text(facts.digest) + facts.platforms.reduce(0) { $0 + 16 + text($1) }
    }
}

extension EventStore {
    /// Records what the registry said about event `id` (see `StoreState.recordImage`); observers
    /// hear `.annotated`. Ignored once the event is evicted.
    public func recordImage(_ id: UInt64, _ facts: ImageFacts) {
        guard state.withLock({ $0.recordImage(id, facts) }) else { return }
        notify(.annotated(id: id))
    }

    public func image(of id: UInt64) -> ImageFacts? { reading { $0.image(of: id) } }

    /// Whether `id` is the newest stored push of its repository and tag (a lookup by tag now
    /// describes it).
    public func isNewestOfTag(_ id: UInt64) -> Bool {
        state.withLock { state in
            guard let event = state.event(id: id), let index = state.repositoryIndex[event.repoName] else {
                return false
            }
            return state.repositories[index].tags[StoreState.TagKey(tag: event.tag)]?.lastEventID == id
        }
    }
}
