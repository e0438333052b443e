/// What the store counts against its memory budget: each event's own heap (text it does not
/// share, unknown fields, image list, delivery details) plus a fixed share for its record and
/// index entries; each distinct repository info once; each repository's tables.
///
/// The fixed shares are measured on this platform: with them the count stays within 10 % of
/// the resident memory a million events of the realistic mix add (`HubtopFigures memory
/// delivered`, which prints both), so that the budget holds what it says and no fewer.
enum MemoryCost {
    /// The event record, its slots in the parallel columns, fold and burst index entries, and
    /// its share of tag, pusher and id-list tables (each event adds at most one of each).
    static let eventRecord = 232
    /// A repository's summary, index entry, activity ring and empty tables.
    static let repositoryRecord = 1_536

    static func event(_ event: StoredEvent) -> Int {
        let payload = event.payload
        // The callback prefix is shared through the interner unless it is too long for it.
        let prefix = unshared(payload.callbackPrefix)
        var size = eventRecord + prefix + (payload.tail.bytes.isEmpty ? 0 : 32 + payload.tail.byteCount)
        // Interned (shared) up to the interner's longest; a longer value is the event's own.
        size += unshared(payload.pusher) + unshared(payload.tag)
        if let rare = payload.rare {
            size += 48 + unshared(rare.mediaType) + (rare.dhi?.byteCount ?? 0)
            size += rare.extras.reduce(0) { $0 + 32 + text($1.path) + text($1.json) }
            size += rare.repairs.reduce(0) { $0 + 16 + text($1) }
        }
        if let origin = payload.origin { size += origin.cost }
        // A shared delivery is counted once, in the store's table (`sharedDelivery`).
        if event.deliveryNumber == 0, let delivery = event.sharedDelivery {
            size += deliveryDetails(delivery)
        }
        return size
    }

    /// A delivery's object and text.
    static func deliveryDetails(_ delivery: DeliveryInfo) -> Int {
        96 + text(delivery.source) + text(delivery.userAgent) + text(delivery.forwardedFor)
            + text(delivery.deliveryID) + text(delivery.allowedBy)
    }

    /// A delivery shared by events, with its entry in the store's table.
    static func sharedDelivery(_ delivery: DeliveryInfo) -> Int { 48 + deliveryDetails(delivery) }

    /// An info's own bytes; its long text is counted once in the store's `TextPool`.
    static func repositoryInfo(_ info: RepositoryInfo) -> Int {
        var size = 192 + text(info.repoName) + text(info.namespace) + text(info.name) + text(info.owner)
        for field in [info.description, info.fullDescription, info.dockerfile] where !TextPool.isPooled(field)
        {
            size += text(field)
        }
        return size + text(info.repoURL) + text(info.status)
    }

    static func repository(_ name: String) -> Int { repositoryRecord + 2 * text(name) }

    /// An event's forward, notify and command outcomes (the detail shows them).
    static func outcomes(_ outcomes: [IntegrationOutcome]) -> Int {
        outcomes.isEmpty ? 0 : outcomes.reduce(64) { $0 + 96 + text($1.name) + text($1.detail) }
    }

    /// A string the interner shares while it is short enough; a longer one is its holder's own.
    static func unshared(_ string: String?) -> Int {
        guard let string, string.utf8.count > StringInterner.longest else { return 0 }
        return text(string)
    }

    /// A string's heap bytes: none up to 15 UTF-8 bytes (stored inline), else its bytes plus
    /// the allocation's header.
    static func text(_ string: String?) -> Int {
        guard let count = string?.utf8.count, count > 15 else { return 0 }
        return count + 32
    }
}

extension StoreState {
    /// What `bytes` should be, counted from scratch from what is stored (for tests: the running
    /// count must never drift from it).
    func recountedBytes() -> Int {
        var total = 0
        var infos = Set<ObjectIdentifier>()
        var texts = Set<String>()
        for event in columns.events {
            total += MemoryCost.event(event)
            let box = event.payload.repositoryBox
            if infos.insert(ObjectIdentifier(box)).inserted {
                total += MemoryCost.repositoryInfo(box.value)
                for text in TextPool.pooled(box.value) where texts.insert(text).inserted {
                    total += MemoryCost.text(text)
                }
            }
        }
        total += sharedDeliveries.keys.reduce(0) { $0 + MemoryCost.sharedDelivery($1) }
        total += images.values.reduce(0) { $0 + MemoryCost.imageFacts($1) }
        total += annotations.values.reduce(0) { $0 + MemoryCost.outcomes($1) }
        for repository in repositories where repository.summary.events > 0 {
            total += MemoryCost.repository(repository.summary.name)
        }
        return total
    }
}

extension EventStore {
    func recountedBytes() -> Int { state.withLock { $0.recountedBytes() } }
}
