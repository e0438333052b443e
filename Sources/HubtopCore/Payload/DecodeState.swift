/// Fields collected during the walk; turned into a payload once the walk is done.
struct DecodeState {
    var callbackURL: String?
    var pushedAt: Double?
    var pusher: String?
    var tag: String?
    /// Packed as they come (no string kept per image).
    var images = ImageList()
    /// The repository cache, and what it gave or may be given: an info reused whole, the
    /// bytes of a `repository` object decoded with nothing to repair, how many there were.
    var cache: RepositoryCache?
    var reusedInfo: RepositoryBox?
    var cleanRepository: Range<Int>?
    var repositories = 0
    var identityRepaired = false
    /// A field of `repository` was cut: the info is not remembered, so that every delivery
    /// bringing it says so.
    var repositoryCut = false
    var repoName: String?
    var namespace: String?
    var name: String?
    var owner: String?
    var description: String?
    var fullDescription: String?
    var dockerfile: String?
    var isOfficial: Bool?
    var isPrivate: Bool?
    var isTrusted: Bool?
    var commentCount: Double?
    var starCount: Double?
    var dateCreated: Double?
    var repoURL: String?
    var status: String?
    var mediaType: String?
    var dhi: DHIMetadata?
    var extras: [ExtraField] = []
    var extraBytes = 0
    var droppedExtras = 0
    var repairs: [String] = []

    /// Keeps an unknown field as its JSON text while the event's allowance lasts.
    mutating func keepExtra(_ path: String, _ scanner: inout JSONScanner) throws(JSONError) {
        let json = try scanner.rawValue()
        let size = path.utf8.count + json.utf8.count
        guard extraBytes + size <= PayloadDecoder.maximumExtraBytes else {
            droppedExtras += 1
            return
        }
        extraBytes += size
        extras.append(ExtraField(path: path, json: json))
    }

    mutating func finish() throws(PayloadError) -> WebhookPayload {
        // A reused info was checked when it was first decoded; the rest of the delivery is
        // checked here, and no info is built only to be replaced by it.
        let box: RepositoryBox
        if let reusedInfo { box = reusedInfo } else { box = RepositoryBox(try repositoryInfo()) }
        if let tag, tag.utf8.count > PayloadDecoder.maximumTagLength {
            throw PayloadError(
                .fieldOutOfRange, "push_data.tag is longer than \(PayloadDecoder.maximumTagLength) bytes")
        }
        try Self.checkTimestamp("push_data.pushed_at", pushedAt)
        cutLongFields()
        if tag == nil { repairs.append("push_data.tag missing") }
        if droppedExtras > 0 {
            repairs.append(
                "\(droppedExtras) unknown field(s) not kept: over \(PayloadDecoder.maximumExtraBytes / 1024) KiB"
            )
        }
        if repairs.count > PayloadDecoder.maximumRepairs {
            let more = repairs.count - (PayloadDecoder.maximumRepairs - 1)
            repairs.removeLast(more)
            repairs.append("… and \(more) more repairs")
        }
        // The very box decoded before, when reused: the store sees the same info without comparing it.
        return WebhookPayload(
            callbackURL: callbackURL, pushedAt: pushedAt, pusher: pusher, tag: tag, imageList: images,
            repositoryBox: box,
            rare: RareFields.make(mediaType: mediaType, dhi: dhi, extras: extras, repairs: repairs))
    }

    /// The `repository` object decoded in this delivery, checked and its long fields cut.
    private mutating func repositoryInfo() throws(PayloadError) -> RepositoryInfo {
        let identity = try resolveIdentity()
        try Self.checkTimestamp("repository.date_created", dateCreated)
        cutLongRepositoryFields()
        var info = RepositoryInfo(repoName: identity)
        info.namespace = namespace
        info.name = name
        info.owner = owner
        info.description = description
        info.fullDescription = fullDescription
        info.dockerfile = dockerfile
        info.isOfficial = isOfficial
        info.isPrivate = isPrivate
        info.isTrusted = isTrusted
        info.commentCount = commentCount
        info.starCount = starCount
        info.dateCreated = dateCreated
        info.repoURL = repoURL
        info.status = status
        return info
    }

    /// Seconds since 1970; anything outside ±10 000 years is not a timestamp.
    private static func checkTimestamp(_ path: String, _ value: Double?) throws(PayloadError) {
        if let value, abs(value) > 3e11 { throw PayloadError(.fieldOutOfRange, "\(path) is out of range") }
    }

    /// Cuts each field of `PayloadDecoder.fieldLimits` outside `repository` to its limit, noting
    /// each cut. Field by field, not through an array of key paths: this runs for every
    /// delivery, and key paths read at run time cost more than the rest of the check.
    mutating func cutLongFields() {
        let limits = PayloadDecoder.fieldLimits
        Self.cut(&pusher, limits[0], &repairs)
        Self.cut(&mediaType, limits[1], &repairs)
        Self.cut(&callbackURL, limits[2], &repairs)
    }

    /// The same for the fields of `repository`; `repositoryCut` says whether any was cut.
    mutating func cutLongRepositoryFields() {
        let limits = PayloadDecoder.fieldLimits
        let before = repairs.count
        defer { repositoryCut = repairs.count > before }
        Self.cut(&namespace, limits[3], &repairs)
        Self.cut(&name, limits[4], &repairs)
        Self.cut(&owner, limits[5], &repairs)
        Self.cut(&description, limits[6], &repairs)
        Self.cut(&fullDescription, limits[7], &repairs)
        Self.cut(&repoURL, limits[8], &repairs)
        Self.cut(&status, limits[9], &repairs)
    }

    private static func cut(
        _ field: inout String?, _ limit: (path: String, bytes: Int), _ repairs: inout [String]
    ) {
        guard let value = field, value.utf8.count > limit.bytes else { return }
        field = value.cutToUTF8(limit.bytes)
        repairs.append("\(limit.path): cut to \(limit.bytes) bytes (was \(value.utf8.count))")
    }

    /// `repo_name`, or `namespace/name` when it is missing.
    mutating func resolveIdentity() throws(PayloadError) -> String {
        let identity: String
        if let repoName, !repoName.isEmpty {
            identity = repoName
            if namespace == nil || name == nil, let slash = repoName.firstIndex(of: "/") {
                namespace = namespace ?? String(repoName[..<slash])
                name = name ?? String(repoName[repoName.index(after: slash)...])
            }
        } else if let namespace, !namespace.isEmpty, let name, !name.isEmpty {
            identity = namespace + "/" + name
            repairs.append("repository.repo_name derived from namespace/name")
            identityRepaired = true
        } else {
            throw PayloadError(
                .missingRepository, "repository.repo_name (or namespace and name) is required")
        }
        if identity.utf8.count > PayloadDecoder.maximumRepositoryNameLength {
            throw PayloadError(
                .fieldOutOfRange,
                "repository.repo_name is longer than \(PayloadDecoder.maximumRepositoryNameLength) bytes")
        }
        return identity
    }
}

extension JSONValue {
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension String {
    /// At most `limit` UTF-8 bytes, cut where a scalar starts.
    func cutToUTF8(_ limit: Int) -> String {
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        while end > utf8.startIndex && UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(Substring(utf8[..<end]))
    }

    func trimmingASCIIWhitespace() -> Substring {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" || first == "\n" || first == "\r" {
            slice.removeFirst()
        }
        while let last = slice.last, last == " " || last == "\t" || last == "\n" || last == "\r" {
            slice.removeLast()
        }
        return slice
    }
}
