/// What a decoder needs to know of the request beyond its body: the headers that name the
/// format (`Content-Type`, `X-GitHub-Event`, CloudEvents' `ce-*`), the sender's delivery id, and
/// how the sender was proven. Kept with the body in the journal and the database (as one line
/// before it), so a replay decodes the delivery as the listener did.
public struct DeliveryHints: Sendable, Equatable {
    /// The media type alone, lower-cased (`application/vnd.docker.distribution.events.v1+json`).
    public var contentType: String?
    /// `X-GitHub-Event`.
    public var githubEvent: String?
    /// `X-GitHub-Delivery`: the same on a manual redelivery.
    public var githubDelivery: String?
    /// CloudEvents binary mode: the `ce-*` headers, by attribute name (`specversion`, `id`, …).
    public var cloudEvent: [String: String] = [:]
    public var proof: SenderProof?

    public init(
        contentType: String? = nil, githubEvent: String? = nil, githubDelivery: String? = nil,
        cloudEvent: [String: String] = [:], proof: SenderProof? = nil
    ) {
        self.contentType = contentType.map(Self.mediaType)
        self.githubEvent = githubEvent
        self.githubDelivery = githubDelivery
        self.cloudEvent = cloudEvent
        self.proof = proof
    }

    /// From a request's header fields (any case).
    public init<Headers: Sequence>(headers: Headers, proof: SenderProof?)
    where Headers.Element == (name: String, value: String) {
        self.init(proof: proof)
        for (name, value) in headers {
            // Every delivery passes here: only names that can matter (c…, x…) are lower-cased.
            guard let first = name.utf8.first.map({ $0 | 0x20 }),
                first == UInt8(ascii: "c") || first == UInt8(ascii: "x")
            else { continue }
            let lowered = name.lowercased()
            switch lowered {
            case "content-type": contentType = Self.mediaType(value)
            case "x-github-event": githubEvent = String(value.prefix(64))
            case "x-github-delivery": githubDelivery = String(value.prefix(128))
            default:
                if lowered.hasPrefix("ce-"), lowered.count > 3, cloudEvent.count < 32 {
                    cloudEvent[String(lowered.dropFirst(3))] = String(value.prefix(1024))
                }
            }
        }
    }

    /// `application/json; charset=utf-8` → `application/json`.
    static func mediaType(_ value: String) -> String {
        let type = value.prefix { $0 != ";" }
        return String(String(type).trimmingASCIIWhitespace()).lowercased()
    }

    // MARK: - Kept with the body

    /// The first byte of a stored body that starts with hints: never the start of JSON.
    static let storedMarker: UInt8 = 0x01

    /// The line kept before the body: the marker, then the hints as one JSON object, then `\n`.
    public var storedLine: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        for (key, value) in [
            ("content_type", contentType), ("github_event", githubEvent),
            ("github_delivery", githubDelivery), ("proof", proof?.rawValue),
        ] {
            guard let value else { continue }
            writer.key(key)
            writer.string(value)
        }
        if !cloudEvent.isEmpty {
            writer.key("ce")
            writer.beginObject()
            for (key, value) in cloudEvent.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                writer.string(value)
            }
            writer.endObject()
        }
        writer.endObject()
        return [Self.storedMarker] + writer.bytes + [UInt8(ascii: "\n")]
    }

    /// Splits a stored body into its hints and the body as received; a body without hints is
    /// returned whole (a Docker Hub delivery, or a journal written before hints existed).
    static func split(_ stored: UnsafeBufferPointer<UInt8>) -> (DeliveryHints?, UnsafeBufferPointer<UInt8>) {
        guard stored.first == storedMarker, let end = stored.firstIndex(of: UInt8(ascii: "\n")) else {
            return (nil, stored)
        }
        let line = String(decoding: UnsafeBufferPointer(rebasing: stored[1..<end]), as: UTF8.self)
        let members = ((try? JSONValue.parse(line)) ?? .null).members
        var hints = DeliveryHints(
            contentType: members["content_type"]?.string, githubEvent: members["github_event"]?.string,
            githubDelivery: members["github_delivery"]?.string,
            proof: members["proof"]?.string.flatMap(SenderProof.init(rawValue:)))
        for (key, value) in members["ce"]?.members ?? [:] {
            if let text = value.string { hints.cloudEvent[key] = text }
        }
        return (hints, UnsafeBufferPointer(rebasing: stored[(end + 1)...]))
    }
}
