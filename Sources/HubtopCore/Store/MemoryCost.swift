/// What the store counts against its memory budget: each event's own heap (unknown fields,
/// image list, delivery details) plus a fixed share for its record and index entries; each
/// distinct text (`SharedText`), repository info and delivery details once; each repository's
/// tables.
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
        // Its tag, pusher, callback prefix and media type are counted in `SharedText`.
        var size = eventRecord + (payload.tail.bytes.isEmpty ? 0 : 32 + payload.tail.byteCount)
        if let rare = payload.rare {
            size += 48 + (rare.dhi?.byteCount ?? 0)
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

    /// An info's object with its header and the allocator's rounding, and its entry in the
    /// store's table of infos (24 B, about twice that in a table between doublings); its
    /// text is counted once in the store's `SharedText`. Most events share their
    /// repository's info; a sender whose every push changes it pays this.
    static let repositoryInfo = MemoryLayout<RepositoryInfo>.stride + 24 + 48

    /// A text in `SharedText`: its bytes and its entry in the pool's table.
    static func pooled(_ string: String) -> Int { text(string) + 32 }

    static func repository(_ name: String) -> Int { repositoryRecord + 2 * text(name) }

    /// An event's forward, notify and command outcomes (the detail shows them).
    static func outcomes(_ outcomes: [IntegrationOutcome]) -> Int {
        outcomes.isEmpty ? 0 : outcomes.reduce(64) { $0 + 96 + text($1.name) + text($1.detail) }
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
        func pool(_ text: String?) {
            if let text, SharedText.isPooled(text), texts.insert(text).inserted {
                total += MemoryCost.pooled(text)
            }
        }
        for event in columns.events {
            total += MemoryCost.event(event)
            let payload = event.payload
            for text in [payload.pusher, payload.tag, payload.callbackPrefix, payload.rare?.mediaType] {
                pool(text)
            }
            let box = payload.repositoryBox
            if infos.insert(ObjectIdentifier(box)).inserted {
                total += MemoryCost.repositoryInfo
                for text in SharedText.fields(of: box.value) { pool(text) }
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
