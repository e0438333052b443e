/// What other registries send beyond pushes: pulls counted per tag, a sender's ping, scan
/// results kept with the push they scanned, and the digests and platforms an event carries.
extension StoreState {
    /// Pull counts kept at most for this many tags (the least pulled go first past it).
    static let maximumPullTags = 50_000

    mutating func countPulls(_ pulls: [PullCount]) {
        guard !pulls.isEmpty else { return }
        for pull in pulls {
            if pullCounts[pull] == nil, pullCounts.count >= Self.maximumPullTags,
                let least = pullCounts.min(by: { $0.value < $1.value })?.key
            {
                pullCounts[least] = nil
            }
            pullCounts[pull, default: 0] += 1
        }
        version += 1
    }

    /// The stored push a scan result belongs to: the newest of the repository with its digest,
    /// else (a tagged scan) the tag's newest push, else (a platform child's scan, its tag empty:
    /// Harbor sends one per child) the repository's newest push of the last ten minutes.
    func scanTarget(_ payload: WebhookPayload) -> UInt64? {
        guard let index = repositoryIndex[payload.repository.repoName] else { return nil }
        if let digest = payload.origin?.digest, let owner = digestOwners[digest], event(id: owner) != nil,
            event(id: owner)?.repoName == payload.repository.repoName
        {
            return owner
        }
        guard let tag = payload.tag else {
            let newest = repositories[index].summary.lastEventID
            guard let pushed = event(id: newest), pushed.payload.action == .push,
                abs((payload.pushedAt ?? pushed.receivedAt) - pushed.pushedOrReceivedAt) <= 600
            else { return nil }
            return newest
        }
        guard let newest = repositories[index].tags[TagKey(tag: tag)]?.lastEventID else { return nil }
        return event(id: newest) == nil ? nil : newest
    }

    /// Keeps a scan result with the push it scanned; false when that push is not held.
    mutating func attachScan(_ payload: WebhookPayload) -> UInt64? {
        guard let scan = payload.origin?.scan, let target = scanTarget(payload) else { return nil }
        if let old = scans[target] { bytes -= MemoryCost.scan(old) }
        scans[target] = scan
        bytes += MemoryCost.scan(scan)
        version += 1
        return target
    }

    /// Platform manifests held per repository for their index's push, at most this many each;
    /// a push takes those of the last `childWindow` seconds.
    static let maximumHeldChildren = 64
    static let maximumChildRepositories = 1024
    static let childWindow = 600.0

    /// Holds a platform manifest (pushed by digest, ahead of its index) for the repository's next
    /// tagged push.
    mutating func holdChild(_ child: ChildManifest, at time: Double) {
        if heldChildren[child.repository] == nil, heldChildren.count >= Self.maximumChildRepositories,
            let oldest = heldChildren.min(by: { ($0.value.last?.at ?? 0) < ($1.value.last?.at ?? 0) })?.key
        {
            heldChildren[oldest] = nil
        }
        var held = heldChildren[child.repository, default: []]
        held.removeAll { $0.digest == child.digest || time - $0.at > Self.childWindow }
        held.append((child.digest, time))
        if held.count > Self.maximumHeldChildren { held.removeFirst(held.count - Self.maximumHeldChildren) }
        heldChildren[child.repository] = held
    }

    /// At ingest of another registry's tagged push: the platform manifests held for it.
    mutating func foldChildren(into event: StoredEvent) {
        guard !heldChildren.isEmpty, event.tag != nil, event.payload.action == .push,
            let held = heldChildren.removeValue(forKey: event.repoName)
        else { return }
        let digests = held.filter { event.receivedAt - $0.at <= Self.childWindow }.map(\.digest)
        guard !digests.isEmpty else { return }
        childManifests[event.id] = digests
        bytes += MemoryCost.children(digests)
    }

    /// At ingest: the digest and platforms the event itself carries, as a registry lookup would.
    mutating func recordCarriedImage(_ event: StoredEvent) {
        guard let origin = event.payload.origin, let digest = origin.digest, origin.action == .push else {
            return
        }
        _ = recordImage(event.id, ImageFacts(digest: digest, platforms: origin.platforms))
    }
}

extension MemoryCost {
    static func children(_ digests: [String]) -> Int {
        64 + digests.reduce(0) { $0 + 16 + text($1) }
    }

    static func scan(_ scan: ScanSummary) -> Int {
        96 + scan.counts.reduce(0) { $0 + 24 + text($1.severity) } + text(scan.severity) + text(scan.scanner)
    }
}

extension EventStore {
    /// Counts pulls, keeps a ping and holds platform manifests for their index's push (none of
    /// them is an event).
    public func note(pulls: [PullCount], ping: String?, children: [ChildManifest] = [], at time: Double) {
        guard !pulls.isEmpty || ping != nil || !children.isEmpty else { return }
        state.withLock { state in
            state.countPulls(pulls)
            for child in children { state.holdChild(child, at: time) }
            if let ping {
                state.lastPing = SenderPing(text: ping, at: time)
                state.version += 1
            }
        }
    }
}
