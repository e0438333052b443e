import DequeModule

/// Everything behind the store's lock.
struct StoreState {
    struct Repository {
        var summary: RepositorySummary
        let lowercasedName: String
        var tags: [TagKey: TagSummary] = [:]
        var pushers: [String: PusherSummary] = [:]
        /// The burst a new delivery of each tag may still join.
        var openBursts: [TagKey: UInt64] = [:]
        /// Events received per minute over the last hour.
        var activity = ActivityRing(bucketSeconds: 60, buckets: 60)
        /// The latest repository info, shared by the events that repeat it.
        var info: RepositoryBox?
        /// Ids of this repository's stored events, oldest first: filtered histories walk these
        /// instead of the whole store.
        var eventIDs = Deque<UInt64>()
        /// Bursts of artifact pushes folded under their image push (not history rows of their own).
        var foldedBursts = 0
        /// The registry it lives in (its name says the host; Docker Hub's have none).
        var source = EventSource.dockerHub

        /// A slot whose repository has no events left, waiting for reuse.
        static let vacant = Repository(
            summary: RepositorySummary(
                name: "", events: 0, lastPushedAt: 0, lastReceivedAt: 0, lastEventID: 0, isPrivate: false,
                isOfficial: false, isTrusted: false, tagCount: 0),
            lowercasedName: "")

        /// Drops this copy's hold on the tables, so that a copy taken just before owns them
        /// alone and changes them in place (otherwise each change copies whole tables).
        mutating func releaseTables() {
            tags = [:]
            pushers = [:]
            openBursts = [:]
            eventIDs = []
        }
    }

    /// Deliveries of one repository and tag that arrived close together. Its id is the id of
    /// its first event; members are contiguous in id order only per burst, not in the store.
    struct Burst {
        var lastID: UInt64
        let firstReceivedAt: Double
        var live: Int
    }

    /// Dictionary key for an optional tag.
    struct TagKey: Hashable {
        let tag: String?
    }

    let groupWindow: Double
    let memoryBudget: Int
    /// What the stored events and the per-repository tables hold, as `MemoryCost` counts it.
    var bytes = 0
    /// Repository infos in use, with how many events hold each: one is counted once, and
    /// uncounted when its last event goes.
    var boxes: [ObjectIdentifier: Int] = [:]
    /// Text the stored events and infos repeat, one copy per distinct value while something
    /// stored holds it.
    var texts = SharedText()
    /// Delivery details shared by events (see `StoreState+Deliveries`), with how many hold each.
    var sharedDeliveries: [DeliveryInfo: Int] = [:]
    /// Slots of `repositories` whose last event was evicted, for reuse.
    var vacantRepositories: [Int] = []
    /// The stored events, oldest first, with what the walks need beside each.
    var columns = EventColumns()
    /// Bursts of more than one delivery (see `joinBurst`).
    var bursts: [UInt64: Burst] = [:]
    var perMinute = ActivityRing(bucketSeconds: 60, buckets: 60)
    var perSecond = ActivityRing(bucketSeconds: 1, buckets: 61)
    var annotations: [UInt64: [IntegrationOutcome]] = [:]
    /// Digests and platforms the registry told, by event id (see `StoreState+Images`).
    var images: [UInt64: ImageFacts] = [:]
    /// Pulls by repository and tag (counted, not stored as events).
    var pullCounts: [PullCount: Int] = [:]
    /// Pushes of the same digest in other registries, both ways (see `StoreState+Mirrors`).
    var mirrors: [UInt64: [UInt64]] = [:]
    /// Platform manifests folded under another registry's tagged push, by its event id, and
    /// those held for the next push of their repository.
    var childManifests: [UInt64: [String]] = [:]
    var heldChildren: [String: [(digest: String, at: Double)]] = [:]
    /// Scan results by the event id of the push they scanned.
    var scans: [UInt64: ScanSummary] = [:]
    /// The latest greeting a sender sent (GitHub's ping) and when.
    var lastPing: SenderPing?
    /// A digest → the newest event with it.
    var digestOwners: [String: UInt64] = [:]
    /// Artifact push → the image push it is folded under, and the reverse.
    var artifactOwner: [UInt64: UInt64] = [:]
    var ownedArtifacts: [UInt64: [UInt64]] = [:]
    /// Bursts with artifact pushes folded under an image push → how many of its members are.
    var foldedBursts: [UInt64: Int] = [:]
    /// Stored signature, attestation and SBOM pushes.
    var artifacts = 0
    /// The info of a repository seen for the first time, until `addToIndexes` creates it.
    var pendingInfo: RepositoryBox?
    var nextID: UInt64 = 1
    var repositories: [Repository] = []
    var repositoryIndex: [String: Int] = [:]
    /// Beside each slot of `repositories`: the decoder's box its info was last found equal to.
    /// The decoder hands the same box again while a repository's bytes stay the same, so the
    /// comparison is skipped. Weak (the decoder's cache holds it, not the store), and apart from
    /// `Repository` (a weak field there makes every read of a slot copy it).
    var infoSources: [InfoSource] = []

    struct InfoSource {
        weak var box: RepositoryBox?
    }
    var liveRepositories = 0
    var pushers: [String: PusherSummary] = [:]
    /// Redeliveries: a 64-bit hash of the fold key → event id (a key string per event would
    /// cost more than the event). A hit is confirmed against the stored event.
    var foldIndex: [UInt64: UInt64] = [:]
    var evicted = 0
    var folded = 0
    var accepted = 0
    var version: UInt64 = 0
    /// The newest deliveries' raw requests (the inspector), in a budget of their own.
    var requests: RequestLog

    init(groupWindow: Double, memoryBudget: Int = 0, requestBudget: Int = 0) {
        self.groupWindow = groupWindow
        self.memoryBudget = memoryBudget
        self.requests = RequestLog(budget: requestBudget)
    }

    /// The hash of what identifies a redelivery — the callback URL and push time, else the
    /// repository, tag and push time; nil when the payload has no push time to compare.
    static func foldHash(_ payload: WebhookPayload) -> UInt64? {
        var hasher = Hasher()
        if let key = payload.origin?.deliveryKey {
            hasher.combine(2 as UInt8)
            hasher.combine(key)
            return UInt64(bitPattern: Int64(hasher.finalize()))
        }
        guard let pushedAt = payload.pushedAt else { return nil }
        // The URL's two stored parts, not the URL made again (a URL splits the same way each time).
        let part = payload.tail.callbackPartBytes
        if let part, !part.isEmpty || !(payload.callbackPrefix ?? "").isEmpty {
            hasher.combine(0 as UInt8)
            hasher.combine(payload.callbackPrefix ?? "")
            part.withUnsafeBytes { hasher.combine(bytes: $0) }
        } else {
            hasher.combine(1 as UInt8)
            hasher.combine(payload.repository.repoName)
            hasher.combine(payload.tag)
        }
        hasher.combine(pushedAt)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Whether two payloads are the same push by the rule `foldHash` hashes.
    static func sameFoldKey(_ a: WebhookPayload, _ b: WebhookPayload) -> Bool {
        if a.origin?.deliveryKey != nil || b.origin?.deliveryKey != nil {
            return a.origin?.deliveryKey == b.origin?.deliveryKey
        }
        guard a.pushedAt == b.pushedAt, a.pushedAt != nil else { return false }
        let aCallback = a.callbackURL.flatMap { $0.isEmpty ? nil : $0 }
        let bCallback = b.callbackURL.flatMap { $0.isEmpty ? nil : $0 }
        if aCallback != nil || bCallback != nil { return aCallback == bCallback }
        return a.repository.repoName == b.repository.repoName && a.tag == b.tag
    }

    func event(id: UInt64) -> StoredEvent? {
        guard let first = columns.events.first?.id, id >= first else { return nil }
        let index = Int(id - first)
        return index < columns.events.count ? columns.events[index] : nil
    }

    mutating func ingest(
        _ incoming: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo?, capacity: Int,
        deliveries: Int = 1, lastDeliveredAt: Double? = nil
    ) -> StoreChange {
        accepted += 1
        version += 1
        if incoming.action == .scan, let target = attachScan(incoming) { return .annotated(id: target) }
        let key = Self.foldHash(incoming)
        if let key, let id = foldIndex[key], let first = columns.events.first?.id,
            Self.sameFoldKey(columns.events[Int(id - first)].payload, incoming)
        {
            let index = Int(id - first)
            columns.events[index].deliveries += 1
            columns.events[index].lastDeliveredAt = receivedAt
            folded += 1
            return .folded(id: id, deliveries: columns.events[index].deliveries)
        }
        var payload = incoming
        // Looked up once for both: hashing the name is a good part of an event's cost.
        let known = repositoryIndex[incoming.repositoryBox.value.repoName]
        shareRepositoryInfo(&payload, at: known)
        bytes += texts.hold(&payload)
        let id = nextID
        nextID += 1
        let (sharedDelivery, deliveryNumber) = holdDelivery(delivery)
        let event = StoredEvent(
            id: id, receivedAt: receivedAt, deliveries: max(1, deliveries),
            lastDeliveredAt: max(receivedAt, lastDeliveredAt ?? receivedAt), payload: payload,
            sharedDelivery: sharedDelivery, deliveryNumber: deliveryNumber)
        let (repoIndex, burst) = addToIndexes(event, at: known)
        columns.events.append(event)
        columns.repository.append(Int32(repoIndex))
        columns.burst.append(burst)
        columns.isBurstHead.append(true)
        perMinute.add(at: receivedAt)
        perSecond.add(at: receivedAt)
        if let key { foldIndex[key] = id }
        if event.payload.origin != nil {
            recordCarriedImage(event)
            foldChildren(into: event)
        }
        if event.payload.artifact != nil {
            artifacts += 1
            if !digestOwners.isEmpty { foldIfOwnerKnown(id) }
        }
        bytes += MemoryCost.event(event)
        holdBox(event.payload.repositoryBox)
        // The newest event stays even when it alone is over the budget.
        while columns.events.count > capacity
            || (memoryBudget > 0 && bytes > memoryBudget && columns.events.count > 1)
        {
            evictOldest()
        }
        return .appended(id: id)
    }

    /// Uses the repository's previous info when this payload's is the same, so that a million
    /// events of a few hundred repositories hold a few hundred copies.
    /// `index`: the repository's place in `repositories`, nil when it is new.
    mutating func shareRepositoryInfo(_ payload: inout WebhookPayload, at index: Int?) {
        let incoming = payload.repositoryBox
        if let index, let shared = repositories[index].info,
            infoSources[index].box === incoming || shared == incoming
        {
            infoSources[index].box = incoming
            payload.repositoryBox = shared
        } else {
            // A new info (a star more, a new Dockerfile, a repository seen first): its text
            // is shared with every other info and event that has the same.
            var info = payload.repository
            texts.share(&info)
            payload.repository = info
            if let index {
                repositories[index].info = payload.repositoryBox
                infoSources[index].box = incoming
            } else {
                pendingInfo = payload.repositoryBox
            }
        }
    }

    mutating func holdBox(_ box: RepositoryBox) {
        // One lookup for the common case: an info the store already holds.
        if let index = boxes.index(forKey: ObjectIdentifier(box)) {
            boxes.values[index] += 1
            return
        }
        boxes[ObjectIdentifier(box)] = 1
        bytes += MemoryCost.repositoryInfo
        for text in SharedText.fields(of: box.value) { bytes += texts.hold(text) }
    }

    mutating func releaseBox(_ box: RepositoryBox) {
        guard let index = boxes.index(forKey: ObjectIdentifier(box)) else { return }
        if boxes.values[index] > 1 {
            boxes.values[index] -= 1
            return
        }
        boxes.remove(at: index)
        bytes -= MemoryCost.repositoryInfo
        for text in SharedText.fields(of: box.value) { bytes -= texts.release(text) }
    }

    /// Counts the event in its repository, tag and pusher aggregates and puts it in a burst.
    /// Returns the repository index and the burst id.
    mutating func addToIndexes(_ event: StoredEvent, at known: Int?) -> (Int, UInt64) {
        let box = event.payload.repositoryBox
        let name = box.value.repoName
        let time = event.pushedOrReceivedAt
        let index: Int
        if let known {
            index = known
        } else {
            let summary = RepositorySummary(
                name: name, events: 0, lastPushedAt: time, lastReceivedAt: event.receivedAt,
                lastEventID: event.id, isPrivate: false, isOfficial: false, isTrusted: false, tagCount: 0)
            var repository = Repository(
                summary: summary, lowercasedName: name.lowercased(), info: pendingInfo)
            repository.source = event.payload.source
            if let vacant = vacantRepositories.popLast() {
                index = vacant
                repositories[index] = repository
                infoSources[index] = InfoSource()
            } else {
                index = repositories.count
                repositories.append(repository)
                infoSources.append(InfoSource())
            }
            repositoryIndex[name] = index
            bytes += MemoryCost.repository(name)
            pendingInfo = nil
        }
        let tagKey = TagKey(tag: event.tag)
        let (isEmpty, open) = repositories[index].openBurst(tagKey)
        if isEmpty { liveRepositories += 1 }
        let burstID = joinBurst(event, open: open)
        // Changed in place: a copy of the repository would copy its tables on the first write.
        repositories[index].add(event, info: box.value, tagKey: tagKey, burst: burstID)
        if let pusher = event.pusher { Self.count(pusher, at: time, in: &pushers) }
        return (index, burstID)
    }

    /// Adds the event to the open burst when it arrived within the window of that burst's first
    /// delivery (it becomes the burst's newest); otherwise it starts a burst of its own. A
    /// burst of one is not in `bursts` (most are of one, and an entry costs more than the
    /// event's other indexes): its event is all there is to know of it.
    mutating func joinBurst(_ event: StoredEvent, open: UInt64?) -> UInt64 {
        guard groupWindow > 0, let open, let first = columns.events.first?.id, open >= first else {
            return event.id
        }
        var burst: Burst
        if let known = bursts[open] {
            burst = known
        } else {
            let index = Int(open - first)
            guard index < columns.events.count, columns.burst[index] == open else { return event.id }
            burst = Burst(lastID: open, firstReceivedAt: columns.events[index].receivedAt, live: 1)
        }
        guard abs(event.receivedAt - burst.firstReceivedAt) <= groupWindow else { return event.id }
        columns.isBurstHead[Int(burst.lastID - first)] = false
        burst.lastID = event.id
        burst.live += 1
        bursts[open] = burst
        return open
    }
}

/// The events in id order, oldest first, and beside each (same position) what filtering and
/// grouping read without touching the event: its repository's slot, its burst, and whether it
/// is its burst's newest.
struct EventColumns {
    var events = Deque<StoredEvent>()
    var repository = Deque<Int32>()
    var burst = Deque<UInt64>()
    var isBurstHead = Deque<Bool>()
}

extension WebhookPayload {
    /// The fold rule (`StoreState.sameFoldKey`) as text, for a database's unique key: nil when
    /// the payload cannot fold (no push time).
    /// JSON text, so that no two keys run together and no NUL reaches a text column.
    public var foldKey: String? {
        var writer = JSONWriter()
        writer.beginArray()
        if let key = origin?.deliveryKey {
            writer.string("delivery")
            writer.string(key)
            writer.endArray()
            return writer.text
        }
        guard let pushedAt else { return nil }
        writer.number(pushedAt)
        if let callbackURL, !callbackURL.isEmpty {
            writer.string(callbackURL)
        } else {
            writer.string(repository.repoName)
            writer.string(tag)
        }
        writer.endArray()
        return writer.text
    }
}
