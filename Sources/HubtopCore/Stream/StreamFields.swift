/// The members of one stream message, read straight from its bytes. A viewer catching up reads
/// a million of them: no table of every member is built, image digests are packed as they come,
/// and the repository object becomes an info at once. Members it does not use are checked and
/// skipped; the last of a repeated member wins, as with any object this scanner reads.
struct StreamFields {
    var kind: JSONValue?
    var id: JSONValue?
    var receivedAt: JSONValue?
    var pushedAt: JSONValue?
    var lastDeliveredAt: JSONValue?
    var deliveries: JSONValue?
    var events: JSONValue?
    var newestID: JSONValue?
    var repoName: JSONValue?
    var tag: JSONValue?
    var pusher: JSONValue?
    var callbackURL: JSONValue?
    var mediaType: JSONValue?
    /// The string entries of `images` (others are left out).
    var images = ImageList()
    /// The `repository` member as an info, nil when there is none; named by the event's `repo_name`.
    var repository: RepositoryInfo?
    var extras: JSONValue?
    var repairs: JSONValue?
    var origin: JSONValue?
    var delivery: JSONValue?

    /// Reads the object at the scanner (which must start one).
    init(_ scanner: inout JSONScanner) throws(JSONError) {
        try scanner.beginObject()
        var members = MemberWalk()
        while let key = try scanner.nextMember(&members) {
            if key.is("images") {
                try readImages(&scanner)
            } else if key.is("repository") {
                repository = try Self.readRepository(&scanner)
            } else if !(try readScalar(key, &scanner)) {
                try scanner.skipValue()
            }
        }
    }

    /// Reads the value of a member kept as it came; false when `key` is not one.
    private mutating func readScalar(_ key: MemberKey, _ scanner: inout JSONScanner) throws(JSONError) -> Bool
    {
        if key.is("id") {
            id = try scanner.readValue()
        } else if key.is("received_at") {
            receivedAt = try scanner.readValue()
        } else if key.is("pushed_at") {
            pushedAt = try scanner.readValue()
        } else if key.is("repo_name") {
            repoName = try scanner.readValue()
        } else if key.is("tag") {
            tag = try scanner.readValue()
        } else if key.is("pusher") {
            pusher = try scanner.readValue()
        } else if key.is("deliveries") {
            deliveries = try scanner.readValue()
        } else if key.is("last_delivered_at") {
            lastDeliveredAt = try scanner.readValue()
        } else if key.is("callback_url") {
            callbackURL = try scanner.readValue()
        } else if key.is("media_type") {
            mediaType = try scanner.readValue()
        } else if key.is("repairs") {
            repairs = try scanner.readValue()
        } else if key.is("extras") {
            extras = try scanner.readValue()
        } else if key.is("origin") {
            origin = try scanner.readValue()
        } else if key.is("delivery") {
            delivery = try scanner.readValue()
        } else if key.is("kind") {
            kind = try scanner.readValue()
        } else if key.is("events") {
            events = try scanner.readValue()
        } else if key.is("newest_id") {
            newestID = try scanner.readValue()
        } else {
            return false
        }
        return true
    }

    private mutating func readImages(_ scanner: inout JSONScanner) throws(JSONError) {
        images = ImageList()
        guard scanner.peek() == UInt8(ascii: "[") else { return try scanner.skipValue() }
        try scanner.beginArray()
        var first = true
        var count = 0
        while try scanner.nextElement(first: &first) {
            if count >= JSONScanner.maximumArrayElements {
                throw scanner.error("array longer than \(JSONScanner.maximumArrayElements) elements")
            }
            count += 1
            let at = scanner.offset
            if let raw = scanner.plainStringBytes() {
                if !images.appendDigest(raw) { images.append(try JSONScanner.validatedString(raw, at: at)) }
            } else if case .string(let image) = try scanner.readValue() {
                images.append(image)
            }
        }
    }

    /// Anything but an object is an info with nothing known.
    private static func readRepository(_ scanner: inout JSONScanner) throws(JSONError) -> RepositoryInfo {
        var info = RepositoryInfo(repoName: "")
        guard scanner.peek() == UInt8(ascii: "{") else {
            try scanner.skipValue()
            return info
        }
        try scanner.beginObject()
        var members = MemberWalk()
        while let key = try scanner.nextMember(&members) {
            let value = try scanner.readValue()
            if key.is("namespace") {
                info.namespace = value.string
            } else if key.is("name") {
                info.name = value.string
            } else if key.is("owner") {
                info.owner = value.string
            } else if key.is("description") {
                info.description = value.string
            } else if key.is("full_description") {
                info.fullDescription = value.string
            } else if key.is("dockerfile") {
                info.dockerfile = value.string
            } else if key.is("is_official") {
                info.isOfficial = StreamDecoder.flag(value)
            } else if key.is("is_private") {
                info.isPrivate = StreamDecoder.flag(value)
            } else if key.is("is_trusted") {
                info.isTrusted = StreamDecoder.flag(value)
            } else if key.is("comment_count") {
                info.commentCount = value.number
            } else if key.is("star_count") {
                info.starCount = value.number
            } else if key.is("date_created") {
                info.dateCreated = value.number
            } else if key.is("repo_url") {
                info.repoURL = value.string
            } else if key.is("status") {
                info.status = value.string
            }
        }
        return info
    }
}
