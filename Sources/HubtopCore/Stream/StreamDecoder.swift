/// Reads the stream's JSON objects back into events (the viewer's side of `StreamEncoder`).
/// Everything in them is untrusted: text is kept as it came and sanitised where it is drawn,
/// as a payload's is; anything malformed is an error naming what was wrong.
public struct StreamDecoder {
    /// The last repository object seen per repository, as the box events share: events that
    /// leave it out, or repeat it unchanged, get the same box (the store then shares it without
    /// comparing).
    private var repositories: [String: RepositoryBox] = [:]
    private static let rememberedRepositories = 50_000

    public init() {}

    public mutating func decode(_ data: [UInt8]) throws(StreamError) -> StreamMessage {
        let read: StreamFields?
        do {
            read = try data.withUnsafeBufferPointer { buffer throws(JSONError) -> StreamFields? in
                var scanner = JSONScanner(bytes: buffer)
                guard scanner.peek() == UInt8(ascii: "{") else {
                    // Read whole only to say whether it is JSON at all.
                    _ = try scanner.readValue()
                    try scanner.expectEnd()
                    return nil
                }
                let fields = try StreamFields(&scanner)
                try scanner.expectEnd()
                return fields
            }
        } catch {
            throw StreamError("a stream message is not JSON (\(error.description))")
        }
        guard let fields = read else { throw StreamError("a stream message is not a JSON object") }
        if let kind = fields.kind?.string {
            switch kind {
            case "fold":
                guard let id = Self.id(fields.id), let deliveries = fields.deliveries?.number,
                    deliveries >= 1, deliveries < 1e9
                else { throw StreamError("a fold message without a valid id and deliveries") }
                return .fold(
                    id: id, deliveries: Int(deliveries),
                    lastDeliveredAt: Self.time(fields.lastDeliveredAt) ?? 0)
            case "hello":
                let events = fields.events?.number.map { Int(max(0, min($0, 1e12))) } ?? 0
                return .hello(events: events, newestID: Self.id(fields.newestID) ?? 0)
            case "caught_up": return .caughtUp
            default: return .other(kind: String(kind.prefix(64)))
            }
        }
        return .event(try event(fields))
    }

    private mutating func event(_ fields: StreamFields) throws(StreamError) -> StreamedEvent {
        guard let id = Self.id(fields.id) else { throw StreamError("an event without a valid id") }
        guard let name = fields.repoName?.string, !name.isEmpty else {
            throw StreamError("event \(id) has no repo_name")
        }
        guard let receivedAt = Self.time(fields.receivedAt) else {
            throw StreamError("event \(id) has no valid received_at")
        }
        let extras =
            fields.extras?.elements.compactMap { extra -> ExtraField? in
                guard let path = extra["path"]?.string, let json = extra["json"]?.string else { return nil }
                return ExtraField(path: path, json: json)
            } ?? []
        var payload = WebhookPayload(
            callbackURL: fields.callbackURL?.string, pushedAt: Self.time(fields.pushedAt),
            pusher: fields.pusher?.string, tag: fields.tag?.string, imageList: fields.images,
            repositoryBox: repositoryBox(fields.repository, name: name),
            rare: RareFields.make(
                mediaType: fields.mediaType?.string, dhi: nil, extras: extras,
                repairs: fields.repairs?.elements.compactMap(\.string) ?? []))
        if let origin = fields.origin { payload.origin = try Self.facts(origin, event: id) }
        let deliveries = fields.deliveries?.number ?? 1
        return StreamedEvent(
            id: id, receivedAt: receivedAt,
            deliveries: deliveries >= 1 && deliveries < 1e9 ? Int(deliveries) : 1,
            lastDeliveredAt: Self.time(fields.lastDeliveredAt) ?? receivedAt, payload: payload,
            delivery: fields.delivery.flatMap(Self.delivery))
    }

    /// The box for an event's repository: the one remembered when it came without one or with
    /// the same, else a new one, remembered.
    private mutating func repositoryBox(_ sent: RepositoryInfo?, name: String) -> RepositoryBox {
        guard var info = sent else {
            return repositories[name] ?? RepositoryBox(RepositoryInfo(repoName: name))
        }
        info.repoName = name
        if let last = repositories[name], last.value == info { return last }
        let box = RepositoryBox(info)
        if repositories.count >= Self.rememberedRepositories { repositories.removeAll(keepingCapacity: true) }
        repositories[name] = box
        return box
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
