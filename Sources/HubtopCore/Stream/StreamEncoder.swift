/// Writes stored events as the stream's JSON objects: the object `--headless --json` prints,
/// plus what a viewer needs to show the event as the receiver does (the repository, the
/// callback URL, the source's facts, how it was delivered).
///
/// One per connection: a repository object is sent once while it stays the same, as the store
/// shares it, so a history of a million pushes does not carry a million Dockerfiles.
///
/// The receiver's live messages share one encoder for every viewer: a viewer that joins later
/// has each repository from its history, and `resendAfter` sends a repository again once that
/// many events have gone by (so one whose last mention the viewer's history no longer holds
/// comes again).
public struct StreamEncoder {
    private var sent: [String: (box: RepositoryBox, at: Int)] = [:]
    private var written = 0
    private let resendAfter: Int
    /// Repositories remembered: past this the table starts again (a repository is then sent again).
    private static let rememberedRepositories = 50_000

    public init(resendAfter: Int = .max) {
        self.resendAfter = resendAfter
    }

    /// The event's object; `shareRepositories`: leave out a repository this encoder sent before.
    public mutating func event(_ event: StoredEvent, shareRepositories: Bool = true) -> [UInt8] {
        written += 1
        var writer = JSONWriter(escapesUnsafeText: true)
        writer.beginObject()
        EventFormatter.writeFields(event, &writer)
        writer.key("last_delivered_at")
        writer.number(event.lastDeliveredAt)
        let payload = event.payload
        if let url = payload.callbackURL {
            writer.key("callback_url")
            writer.string(url)
        }
        if let mediaType = payload.mediaType {
            writer.key("media_type")
            writer.string(mediaType)
        }
        let name = payload.repository.repoName
        let last = shareRepositories ? sent[name] : nil
        if last == nil || last?.box !== payload.repositoryBox || written - (last?.at ?? 0) > resendAfter {
            writer.key("repository")
            writer.repository(payload.repository)
            if shareRepositories {
                if sent.count >= Self.rememberedRepositories { sent.removeAll(keepingCapacity: true) }
                sent[name] = (payload.repositoryBox, written)
            }
        }
        if !payload.extras.isEmpty {
            writer.key("extras")
            writer.beginArray()
            for extra in payload.extras {
                writer.beginObject()
                writer.key("path")
                writer.string(extra.path)
                writer.key("json")
                writer.string(extra.json)
                writer.endObject()
            }
            writer.endArray()
        }
        if let origin = payload.origin { Self.writeFacts(origin, &writer) }
        if let delivery = event.delivery { Self.writeDelivery(delivery, &writer) }
        writer.endObject()
        return writer.bytes
    }

    /// The live message for a change of `store` (nil for one a viewer does not need).
    public mutating func message(for change: StoreChange, in store: EventStore) -> [UInt8]? {
        switch change {
        case .appended(let id):
            guard let event = store.event(id: id) else { return nil }
            return self.event(event)
        case .folded(let id, _):
            guard let event = store.event(id: id) else { return nil }
            return Self.fold(id: id, deliveries: event.deliveries, lastDeliveredAt: event.lastDeliveredAt)
        case .annotated: return nil
        }
    }

    public static func fold(id: UInt64, deliveries: Int, lastDeliveredAt: Double) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("kind")
        writer.string("fold")
        writer.key("id")
        writer.integer(Int(id))
        writer.key("deliveries")
        writer.integer(deliveries)
        writer.key("last_delivered_at")
        writer.number(lastDeliveredAt)
        writer.endObject()
        return writer.bytes
    }

    public static func hello(events: Int, newestID: UInt64) -> [UInt8] {
        Array("{\"kind\":\"hello\",\"events\":\(events),\"newest_id\":\(newestID)}".utf8)
    }

    public static let caughtUp = Array("{\"kind\":\"caught_up\"}".utf8)

    /// Everything `SourceFacts` holds, as values a viewer reads back (the headless fields
    /// beside it are for people and scripts).
    static func writeFacts(_ facts: SourceFacts, _ writer: inout JSONWriter) {
        writer.key("origin")
        writer.beginObject()
        let texts: [(String, String?)] = [
            ("source", facts.source.rawValue), ("action", facts.action.rawValue), ("host", facts.host),
            ("digest", facts.digest), ("delivery_key", facts.deliveryKey), ("proof", facts.proof?.rawValue),
            ("source_url", facts.sourceURL), ("revision", facts.revision),
        ]
        for (key, value) in texts where value != nil {
            writer.key(key)
            writer.string(value)
        }
        writer.key("platforms")
        writer.beginArray()
        for platform in facts.platforms { writer.string(platform) }
        writer.endArray()
        if let scan = facts.scan {
            writer.key("scan")
            writer.beginObject()
            writer.key("severity")
            writer.string(scan.severity)
            writer.key("counts")
            writer.beginArray()
            for (severity, count) in scan.counts {
                writer.beginArray()
                writer.string(severity)
                writer.integer(count)
                writer.endArray()
            }
            writer.endArray()
            for (key, value) in [("total", scan.total), ("fixable", scan.fixable)] where value != nil {
                writer.key(key)
                writer.integer(value ?? 0)
            }
            writer.key("scanner")
            writer.string(scan.scanner)
            writer.endObject()
        }
        writer.endObject()
    }

    static func writeDelivery(_ delivery: DeliveryInfo, _ writer: inout JSONWriter) {
        writer.key("delivery")
        writer.beginObject()
        let texts: [(String, String?)] = [
            ("origin", delivery.origin.rawValue), ("peer", delivery.source),
            ("user_agent", delivery.userAgent),
            ("forwarded_for", delivery.forwardedFor), ("allowed_by", delivery.allowedBy),
            ("delivery_id", delivery.deliveryID),
        ]
        for (key, value) in texts where value != nil {
            writer.key(key)
            writer.string(value)
        }
        writer.key("forwarded_for_trusted")
        writer.bool(delivery.forwardedForTrusted)
        writer.endObject()
    }
}
