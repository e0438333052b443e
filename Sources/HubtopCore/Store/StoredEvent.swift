/// A delivery as kept by the store: the decoded payload plus what hubtop knows about receiving it.
public struct StoredEvent: Sendable, Identifiable, Equatable {
    /// Monotonically increasing, never reused; ids of evicted events are simply gone.
    public let id: UInt64
    /// When the first delivery arrived (seconds since 1970).
    public let receivedAt: Double
    /// How many deliveries folded into this event (1 when never redelivered).
    public internal(set) var deliveries: Int
    /// When the latest delivery arrived.
    public internal(set) var lastDeliveredAt: Double
    public let payload: WebhookPayload
    /// What the delivery shares with its sender's others (every field but its id's number)
    /// when `deliveryNumber` is not 0, else the event's own delivery: one object per sender,
    /// not per event.
    let sharedDelivery: DeliveryInfo?
    let deliveryNumber: UInt64

    /// What hubtop saw of the request (nil for events made in-process, such as tests').
    public var delivery: DeliveryInfo? {
        deliveryNumber == 0 ? sharedDelivery : sharedDelivery?.numbered(deliveryNumber)
    }

    public init(
        id: UInt64, receivedAt: Double, deliveries: Int, lastDeliveredAt: Double, payload: WebhookPayload,
        delivery: DeliveryInfo?
    ) {
        self.init(
            id: id, receivedAt: receivedAt, deliveries: deliveries, lastDeliveredAt: lastDeliveredAt,
            payload: payload, sharedDelivery: delivery, deliveryNumber: 0)
    }

    init(
        id: UInt64, receivedAt: Double, deliveries: Int, lastDeliveredAt: Double, payload: WebhookPayload,
        sharedDelivery: DeliveryInfo?, deliveryNumber: UInt64
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.deliveries = deliveries
        self.lastDeliveredAt = lastDeliveredAt
        self.payload = payload
        self.sharedDelivery = sharedDelivery
        self.deliveryNumber = deliveryNumber
    }

    public static func == (lhs: StoredEvent, rhs: StoredEvent) -> Bool {
        lhs.id == rhs.id && lhs.receivedAt == rhs.receivedAt && lhs.deliveries == rhs.deliveries
            && lhs.lastDeliveredAt == rhs.lastDeliveredAt && lhs.payload == rhs.payload
            && lhs.delivery == rhs.delivery
    }

    public var repoName: String { payload.repository.repoName }
    public var tag: String? { payload.tag }
    public var pusher: String? { payload.pusher }
    /// The push time when the payload has one, else when it arrived.
    public var pushedOrReceivedAt: Double { payload.pushedAt ?? receivedAt }
}

/// What one ingest did to the store.
public enum StoreChange: Sendable, Equatable {
    case appended(id: UInt64)
    /// A redelivery folded into an existing event, which now has `deliveries` deliveries.
    case folded(id: UInt64, deliveries: Int)
    /// An integration outcome (forward, callback) of the event was recorded.
    case annotated(id: UInt64)

    /// The event concerned.
    public var eventID: UInt64? {
        switch self {
        case .appended(let id), .folded(let id, _), .annotated(let id): return id
        }
    }

}

/// Per-repository aggregate, kept up to date as events arrive and are evicted.
public struct RepositorySummary: Sendable, Equatable {
    public let name: String
    public internal(set) var events: Int
    public internal(set) var lastPushedAt: Double
    public internal(set) var lastReceivedAt: Double
    public internal(set) var lastEventID: UInt64
    public internal(set) var isPrivate: Bool
    public internal(set) var isOfficial: Bool
    public internal(set) var isTrusted: Bool
    public internal(set) var tagCount: Int
    /// History rows: bursts of deliveries (see `EventStore.groupWindow`) with events stored.
    public internal(set) var bursts: Int = 0

    public init(
        name: String, events: Int, lastPushedAt: Double, lastReceivedAt: Double, lastEventID: UInt64,
        isPrivate: Bool, isOfficial: Bool, isTrusted: Bool, tagCount: Int, bursts: Int = 0
    ) {
        self.name = name
        self.events = events
        self.lastPushedAt = lastPushedAt
        self.lastReceivedAt = lastReceivedAt
        self.lastEventID = lastEventID
        self.isPrivate = isPrivate
        self.isOfficial = isOfficial
        self.isTrusted = isTrusted
        self.tagCount = tagCount
        self.bursts = bursts
    }
}

public struct TagSummary: Sendable, Equatable {
    public let repository: String
    /// nil for deliveries without a tag (early Docker Hub payloads).
    public let tag: String?
    public internal(set) var events: Int
    public internal(set) var lastPushedAt: Double
    public internal(set) var lastEventID: UInt64
    public internal(set) var bursts: Int = 0
    /// The digest of the tag's newest push, when the registry has told.
    public internal(set) var digest: String?
    /// Pulls the registry reported (Distribution, Harbor).
    public internal(set) var pulls = 0

    mutating func add(id: UInt64, at time: Double, startsBurst: Bool) {
        events += 1
        lastPushedAt = max(lastPushedAt, time)
        lastEventID = id
        if startsBurst { bursts += 1 }
    }
}

public struct PusherSummary: Sendable, Equatable {
    public let name: String
    public internal(set) var events: Int
    public internal(set) var lastSeen: Double

    mutating func add(at time: Double) {
        events += 1
        lastSeen = max(lastSeen, time)
    }
}

/// Narrows the event history. Empty fields match everything.
public struct EventFilter: Sendable, Equatable {
    /// A `NamePattern` for the repository name: a case-insensitive substring, or a whole-name
    /// glob when it has `*` or `?`.
    public var repositoryContains: String = ""
    /// Exact repository name (set by choosing a repository).
    public var repository: String?
    /// Exact tag; `.some(nil)` selects untagged deliveries.
    public var tag: String??
    /// Exact pusher.
    public var pusher: String?
    /// Only repositories of this registry kind (Docker Hub, Distribution, GHCR, …).
    public var source: EventSource?
    /// `--mirror-lag`: only pushes landed before this time and seen in no other registry.
    public var unmirroredBefore: Double?
    /// Ignore events newer than this id (a paused view).
    public var upToID: UInt64?
    /// Leave out signature, attestation and SBOM pushes.
    public var hideArtifacts = false
    /// Only pushes whose hardened-image change log fixes vulnerabilities.
    public var onlyVulnerabilityFixes = false

    /// Whether a filter looks at each event's kind (and so cannot count from the aggregates).
    var selectsKinds: Bool { hideArtifacts || onlyVulnerabilityFixes || unmirroredBefore != nil }

    public init(
        repositoryContains: String = "", repository: String? = nil, tag: String?? = nil,
        pusher: String? = nil,
        upToID: UInt64? = nil
    ) {
        self.repositoryContains = repositoryContains
        self.repository = repository
        self.tag = tag
        self.pusher = pusher
        self.upToID = upToID
    }

    public var isEmpty: Bool {
        repositoryContains.isEmpty && repository == nil && tag == nil && pusher == nil && upToID == nil
            && source == nil && !selectsKinds
    }
}

public struct EventPage: Sendable, Equatable {
    public var events: [StoredEvent]
    /// All events matching the filter, not just this page.
    public var total: Int
}

/// Identifies a history row: a burst, or one delivery shown under an expanded burst.
public struct HistoryKey: Hashable, Sendable {
    public let burst: UInt64
    /// The event id of a member row; nil for the burst's own row.
    public let member: UInt64?

    public init(burst: UInt64, member: UInt64? = nil) {
        self.burst = burst
        self.member = member
    }
}

/// One row of the grouped history.
public struct HistoryRow: Sendable, Equatable {
    /// The burst's newest matching event, or the member itself.
    public let event: StoredEvent
    /// The id of the burst's first event.
    public let burst: UInt64
    /// Matching events in the burst (1 for a lone event and for member rows).
    public let size: Int
    /// A delivery listed under its expanded burst.
    public let isMember: Bool
    /// The event's digest and whether it is a re-push, when the registry has told.
    public internal(set) var image: ImageFacts?
    /// Signature, attestation and SBOM pushes folded under this image push.
    public internal(set) var artifacts: [ArtifactKind] = []
    /// The vulnerability scan of this push, when the registry sent one (Harbor).
    public internal(set) var scan: ScanSummary?
    /// Pushes of the same digest in other registries (mirrors).
    public internal(set) var mirrors = 0

    init(event: StoredEvent, burst: UInt64, size: Int, isMember: Bool) {
        self.event = event
        self.burst = burst
        self.size = size
        self.isMember = isMember
    }

    public var key: HistoryKey { HistoryKey(burst: burst, member: isMember ? event.id : nil) }
}

public struct HistoryPage: Sendable, Equatable {
    public var rows: [HistoryRow]
    /// All rows matching the filter, not just this page.
    public var total: Int
}

public struct StoreTotals: Sendable, Equatable {
    public var events: Int
    public var repositories: Int
    public var evicted: Int
    public var folded: Int
    public var accepted: Int
    public var newestID: UInt64
    public var version: UInt64
    /// What the store holds against its memory budget (see `MemoryCost`).
    public var bytes: Int
    /// Stored signature, attestation and SBOM pushes (counted in `events` too).
    public var artifacts = 0

    public init(
        events: Int = 0, repositories: Int = 0, evicted: Int = 0, folded: Int = 0, accepted: Int = 0,
        newestID: UInt64 = 0, version: UInt64 = 0, bytes: Int = 0
    ) {
        self.bytes = bytes
        self.events = events
        self.repositories = repositories
        self.evicted = evicted
        self.folded = folded
        self.accepted = accepted
        self.newestID = newestID
        self.version = version
    }
}
