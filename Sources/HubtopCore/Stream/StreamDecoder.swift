/// Reads the stream's JSON objects back into events (the viewer's side of `StreamEncoder`).
/// Everything in them is untrusted: text is kept as it came and sanitised where it is drawn,
/// as a payload's is; anything malformed is an error naming what was wrong.
public struct StreamDecoder {
    /// The last repository object seen per repository: events that leave it out share it.
    private var repositories: [String: RepositoryInfo] = [:]
    private static let rememberedRepositories = 50_000

    public init() {}

    public mutating func decode(_ data: [UInt8]) throws(StreamError) -> StreamMessage {
        let value: JSONValue
        do {
            value = try data.withUnsafeBufferPointer { buffer throws(JSONError) in
                var scanner = JSONScanner(bytes: buffer)
                let value = try scanner.readValue()
                try scanner.expectEnd()
                return value
            }
        } catch {
            throw StreamError("a stream message is not JSON (\(error.description))")
        }
        guard case .object = value else { throw StreamError("a stream message is not a JSON object") }
        let members = value.members
        if let kind = members["kind"]?.string {
            switch kind {
            case "fold":
                guard let id = Self.id(members["id"]), let deliveries = members["deliveries"]?.number,
                    deliveries >= 1, deliveries < 1e9
                else { throw StreamError("a fold message without a valid id and deliveries") }
                return .fold(
                    id: id, deliveries: Int(deliveries),
                    lastDeliveredAt: Self.time(members["last_delivered_at"]) ?? 0)
            case "hello":
                let events = members["events"]?.number.map { Int(max(0, min($0, 1e12))) } ?? 0
                return .hello(events: events, newestID: Self.id(members["newest_id"]) ?? 0)
            case "caught_up": return .caughtUp
            default: return .other(kind: String(kind.prefix(64)))
            }
        }
        return .event(try event(members))
    }

    private mutating func event(_ members: [String: JSONValue]) throws(StreamError) -> StreamedEvent {
        guard let id = Self.id(members["id"]) else { throw StreamError("an event without a valid id") }
        guard let name = members["repo_name"]?.string, !name.isEmpty else {
            throw StreamError("event \(id) has no repo_name")
        }
        guard let receivedAt = Self.time(members["received_at"]) else {
            throw StreamError("event \(id) has no valid received_at")
        }
        let repository: RepositoryInfo
        if let object = members["repository"] {
            repository = Self.repository(object, name: name)
            if repositories.count >= Self.rememberedRepositories {
                repositories.removeAll(keepingCapacity: true)
            }
            repositories[name] = repository
        } else {
            repository = repositories[name] ?? RepositoryInfo(repoName: name)
        }
        var payload = WebhookPayload(
            callbackURL: members["callback_url"]?.string, pushedAt: Self.time(members["pushed_at"]),
            pusher: members["pusher"]?.string, tag: members["tag"]?.string,
            images: members["images"]?.elements.compactMap(\.string) ?? [], repository: repository,
            extras: members["extras"]?.elements.compactMap { extra in
                guard let path = extra["path"]?.string, let json = extra["json"]?.string else { return nil }
                return ExtraField(path: path, json: json)
            } ?? [],
            repairs: members["repairs"]?.elements.compactMap(\.string) ?? [])
        payload.mediaType = members["media_type"]?.string
        if let origin = members["origin"] { payload.origin = try Self.facts(origin, event: id) }
        let deliveries = members["deliveries"]?.number ?? 1
        return StreamedEvent(
            id: id, receivedAt: receivedAt,
            deliveries: deliveries >= 1 && deliveries < 1e9 ? Int(deliveries) : 1,
            lastDeliveredAt: Self.time(members["last_delivered_at"]) ?? receivedAt, payload: payload,
            delivery: members["delivery"].flatMap(Self.delivery))
    }

    static func id(_ value: JSONValue?) -> UInt64? {
        guard let number = value?.number, number >= 0, number < 9e15, number == number.rounded() else {
            return nil
        }
        return UInt64(number)
    }

    /// A time no clock gives (NaN, before 1970, centuries ahead) is no time.
    public static func time(_ value: JSONValue?) -> Double? {
        guard let number = value?.number, number.isFinite, number >= 0, number < 32_503_680_000 else {
            return nil
        }
        return number
    }

    static func repository(_ value: JSONValue, name: String) -> RepositoryInfo {
        var info = RepositoryInfo(repoName: name)
        info.namespace = value["namespace"]?.string
        info.name = value["name"]?.string
        info.owner = value["owner"]?.string
        info.description = value["description"]?.string
        info.fullDescription = value["full_description"]?.string
        info.dockerfile = value["dockerfile"]?.string
        info.isOfficial = value["is_official"].flatMap(Self.flag)
        info.isPrivate = value["is_private"].flatMap(Self.flag)
        info.isTrusted = value["is_trusted"].flatMap(Self.flag)
        info.commentCount = value["comment_count"]?.number
        info.starCount = value["star_count"]?.number
        info.dateCreated = value["date_created"]?.number
        info.repoURL = value["repo_url"]?.string
        info.status = value["status"]?.string
        return info
    }

    static func flag(_ value: JSONValue) -> Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    static func facts(_ value: JSONValue, event: UInt64) throws(StreamError) -> SourceFacts {
        guard let source = value.text("source").flatMap(EventSource.init(rawValue:)) else {
            throw StreamError("event \(event) names no source this viewer knows")
        }
        var scan: ScanSummary?
        if let object = value["scan"] {
            let counts = object["counts"]?.elements.compactMap { pair -> (severity: String, count: Int)? in
                guard let severity = pair.elements.first?.string, pair.elements.count == 2,
                    let count = pair.elements[1].number, count >= 0, count < 1e9
                else { return nil }
                return (severity, Int(count))
            }
            scan = ScanSummary(
                severity: object["severity"]?.string, counts: counts ?? [],
                total: object["total"]?.number.flatMap(Self.count),
                fixable: object["fixable"]?.number.flatMap(Self.count),
                scanner: object["scanner"]?.string)
        }
        return SourceFacts(
            source: source, action: value.text("action").flatMap(EventAction.init(rawValue:)) ?? .push,
            host: value.text("host"), digest: value.text("digest"),
            platforms: value["platforms"]?.elements.compactMap(\.string) ?? [],
            deliveryKey: value.text("delivery_key"),
            proof: value.text("proof").flatMap(SenderProof.init(rawValue:)),
            scan: scan, sourceURL: value.text("source_url"), revision: value.text("revision"))
    }

    public static func count(_ number: Double) -> Int? {
        number >= 0 && number < 1e12 ? Int(number) : nil
    }

    static func delivery(_ value: JSONValue) -> DeliveryInfo? {
        guard let origin = value.text("origin").flatMap(DeliveryInfo.Origin.init(rawValue:)) else {
            return nil
        }
        return DeliveryInfo(
            origin: origin, source: value.text("peer"), userAgent: value.text("user_agent"),
            forwardedFor: value.text("forwarded_for"),
            forwardedForTrusted: value["forwarded_for_trusted"].flatMap(Self.flag) ?? false,
            allowedBy: value.text("allowed_by"), deliveryID: value.text("delivery_id"))
    }
}
