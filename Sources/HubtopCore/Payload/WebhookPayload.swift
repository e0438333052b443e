/// One Docker Hub webhook delivery, decoded tolerantly.
///
/// Optional fields are optional because real deliveries differ by era: early ones had no tag,
/// some have no images or Dockerfile, and newer ones add fields we have never seen (`extras`).
///
/// Laid out for a store holding a million: the callback URL's prefix (up to its last `/hook/`,
/// the same for a repository's events) is a string the store shares, its own part and the
/// image digests sit in one buffer, and the fields most deliveries lack share one optional box.
public struct WebhookPayload: Sendable, Equatable {
    public var callbackURL: String? {
        get { tail.callbackPart.map { (callbackPrefix ?? "") + $0 } }
        set { (callbackPrefix, tail) = Self.split(newValue, images: tail.images) }
    }
    public var pushedAt: Double?
    public var pusher: String?
    public var tag: String?
    /// Image ids/digests; placeholder entries such as `"..."` are dropped. Packed: a store holds
    /// a million of these.
    public var images: ImageList {
        get { tail.images }
        set { tail = tail.replacingImages(newValue) }
    }
    /// Shared between events while it stays the same (the store keeps one per repository):
    /// most pushes repeat their repository's description, Dockerfile and flags.
    public var repository: RepositoryInfo {
        get { repositoryBox.value }
        set { repositoryBox = RepositoryBox(newValue) }
    }
    var repositoryBox: RepositoryBox
    /// Where a delivery from a registry other than Docker Hub came from and what it did; nil for
    /// Docker Hub's (see `source`, `action`).
    public var origin: SourceFacts?
    /// `push_data.media_type`: what was pushed (an image index, a manifest, an artifact).
    public var mediaType: String? {
        get { rare?.mediaType }
        set { rare = RareFields.make(mediaType: newValue, dhi: dhi, extras: extras, repairs: repairs) }
    }
    /// `dhi_metadata`: the change log of a Docker Hardened Images push.
    public var dhi: DHIMetadata? {
        get { rare?.dhi }
        set { rare = RareFields.make(mediaType: mediaType, dhi: newValue, extras: extras, repairs: repairs) }
    }
    /// Fields hubtop does not interpret, by dotted path (`push_data.x`), kept for display.
    public var extras: [ExtraField] {
        get { rare?.extras ?? [] }
        set { rare = RareFields.make(mediaType: mediaType, dhi: dhi, extras: newValue, repairs: repairs) }
    }
    /// What was repaired or coerced while decoding, in short phrases.
    public var repairs: [String] {
        get { rare?.repairs ?? [] }
        set { rare = RareFields.make(mediaType: mediaType, dhi: dhi, extras: extras, repairs: newValue) }
    }

    /// The callback URL up to and including its last `/hook/` (nil when it has none).
    var callbackPrefix: String?
    /// The callback URL's own part and the images.
    var tail = PushTail()
    var rare: RareFields?

    public init(
        callbackURL: String? = nil, pushedAt: Double? = nil, pusher: String? = nil, tag: String? = nil,
        images: [String] = [], repository: RepositoryInfo, extras: [ExtraField] = [], repairs: [String] = []
    ) {
        self.pushedAt = pushedAt
        self.pusher = pusher
        self.tag = tag
        self.repositoryBox = RepositoryBox(repository)
        (self.callbackPrefix, self.tail) = Self.split(callbackURL, images: ImageList(images))
        self.rare = RareFields.make(mediaType: nil, dhi: nil, extras: extras, repairs: repairs)
    }

    /// What the decoder made, laid out at once.
    init(
        callbackURL: String?, pushedAt: Double?, pusher: String?, tag: String?, imageList: ImageList,
        repositoryBox: RepositoryBox, rare: RareFields?
    ) {
        self.pushedAt = pushedAt
        self.pusher = pusher
        self.tag = tag
        self.repositoryBox = repositoryBox
        (self.callbackPrefix, self.tail) = Self.split(callbackURL, images: imageList)
        self.rare = rare
    }

    /// The prefix up to and including the last `/hook/` (`https://registry.hub.docker.com/u/
    /// acme/api/hook/`; nil when there is none) and a tail with the rest and the images.
    static func split(_ url: String?, images: ImageList) -> (prefix: String?, tail: PushTail) {
        guard var url else { return (nil, PushTail(callbackPart: nil as [UInt8]?, images: images)) }
        return url.withUTF8 { bytes in
            let marker: StaticString = "/hook/"
            let length = marker.utf8CodeUnitCount
            var start = bytes.count - length
            while start >= 0 {
                if bytes[start] == UInt8(ascii: "/")
                    && (1..<length).allSatisfy({ bytes[start + $0] == marker.utf8Start[$0] })
                {
                    let end = start + length
                    return (
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self),
                        PushTail(callbackPart: bytes[end...], images: images)
                    )
                }
                start -= 1
            }
            return (nil, PushTail(callbackPart: bytes[...], images: images))
        }
    }
}

/// A callback URL's own part and an image list in one buffer — one allocation an event instead
/// of two: a flag byte (1: there is a callback URL), the part's length (u32, little-endian) and
/// bytes, then the images as `ImageList` packs them. Empty (no allocation) when there is neither.
struct PushTail: Sendable, Equatable {
    private(set) var bytes: [UInt8] = []

    init() {}

    init<Part: Collection<UInt8>>(callbackPart: Part?, images: ImageList) {
        guard callbackPart != nil || !images.isEmpty else { return }
        var part: [UInt8] = []
        if let callbackPart { part.append(contentsOf: callbackPart) }
        let packed = images.packedBytes
        var out: [UInt8] = []
        out.reserveCapacity(5 + part.count + packed.count)
        out.append(callbackPart == nil ? 0 : 1)
        let length = UInt32(part.count)
        for shift in stride(from: 0, to: 32, by: 8) {
            out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift)))
        }
        out += part
        out += packed
        bytes = out
    }

    private var partLength: Int {
        guard bytes.count >= 5 else { return 0 }
        return (1...4).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 1)) }
    }

    /// The same callback part with other images.
    func replacingImages(_ images: ImageList) -> PushTail {
        guard bytes.first == 1 else { return PushTail(callbackPart: nil as [UInt8]?, images: images) }
        return PushTail(callbackPart: bytes[5..<5 + partLength], images: images)
    }

    /// The callback part's bytes, without making a string of them; nil when there is no URL.
    var callbackPartBytes: ArraySlice<UInt8>? {
        bytes.first == 1 ? bytes[5..<5 + partLength] : nil
    }

    var callbackPart: String? {
        guard bytes.first == 1 else { return nil }
        return String(decoding: bytes[5..<5 + partLength], as: UTF8.self)
    }

    var images: ImageList {
        guard bytes.count > 5 + partLength else { return ImageList() }
        return ImageList(packed: bytes[(5 + partLength)...])
    }

    var byteCount: Int { bytes.capacity }
}

/// What most deliveries lack, in one box they share by not having it.
final class RareFields: Sendable, Equatable {
    let mediaType: String?
    let dhi: DHIMetadata?
    let extras: [ExtraField]
    let repairs: [String]

    private init(mediaType: String?, dhi: DHIMetadata?, extras: [ExtraField], repairs: [String]) {
        self.mediaType = mediaType
        self.dhi = dhi
        self.extras = extras
        self.repairs = repairs
    }

    /// A box when any of them is there, else nil.
    static func make(mediaType: String?, dhi: DHIMetadata?, extras: [ExtraField], repairs: [String])
        -> RareFields?
    {
        guard mediaType != nil || dhi != nil || !extras.isEmpty || !repairs.isEmpty else { return nil }
        return RareFields(mediaType: mediaType, dhi: dhi, extras: extras, repairs: repairs)
    }

    static func == (lhs: RareFields, rhs: RareFields) -> Bool {
        lhs === rhs
            || (lhs.mediaType == rhs.mediaType && lhs.dhi == rhs.dhi && lhs.extras == rhs.extras
                && lhs.repairs == rhs.repairs)
    }
}

/// The `repository` object of a delivery.
public struct RepositoryInfo: Sendable, Hashable {
    /// `namespace/name`; always present on a decoded payload.
    public var repoName: String
    public var namespace: String?
    public var name: String?
    public var owner: String?
    public var description: String?
    public var fullDescription: String?
    public var dockerfile: String?
    public var isOfficial: Bool?
    public var isPrivate: Bool?
    public var isTrusted: Bool?
    public var commentCount: Double?
    public var starCount: Double?
    public var dateCreated: Double?
    public var repoURL: String?
    public var status: String?

    public init(repoName: String) {
        self.repoName = repoName
    }
}

/// A field kept verbatim because hubtop does not know it: its JSON text as sent, which costs
/// its length (a tree of boxed values cost about fifteen times that).
public struct ExtraField: Sendable, Equatable {
    public var path: String
    /// The value's JSON text as it arrived.
    public var json: String

    public init(path: String, json: String) {
        self.path = path
        self.json = json
    }

    public init(path: String, value: JSONValue) {
        self.init(path: path, json: value.jsonText)
    }

    /// The value, parsed on demand (for display).
    public var value: JSONValue { (try? JSONValue.parse(json)) ?? .string(json) }
}

/// An immutable, shared `RepositoryInfo`; compared by value.
final class RepositoryBox: Sendable, Equatable {
    let value: RepositoryInfo

    init(_ value: RepositoryInfo) {
        self.value = value
    }

    static func == (lhs: RepositoryBox, rhs: RepositoryBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
}
