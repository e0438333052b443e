/// Decodes Docker Hub webhook bodies in one pass over the bytes.
public enum PayloadDecoder {
    /// Docker Hub's own limits; longer values cannot be genuine.
    public static let maximumRepositoryNameLength = 255
    public static let maximumTagLength = 128
    /// A push names a handful of images (one per platform); far more is not a Docker Hub payload.
    public static let maximumImages = 1000
    /// Unknown fields are kept as their JSON text up to this many bytes per event (paths
    /// included); the rest are dropped with a repair note.
    public static let maximumExtraBytes = 16 * 1024
    /// The longest value kept of each text field a sender may fill at will, in UTF-8 bytes: as
    /// long as Docker Hub could plausibly send (its names are at most 30–255 characters, a short
    /// description 100, a full description 25,000), with room for other registries' names. A
    /// longer value is cut, with a repair note. Dockerfiles are not cut (they are what hubtop
    /// shows): they count against the memory budget like all stored text.
    public static let fieldLimits: [(path: String, bytes: Int)] = [
        ("push_data.pusher", 255), ("push_data.media_type", 255), ("callback_url", 2048),
        ("repository.namespace", 255), ("repository.name", 255), ("repository.owner", 255),
        ("repository.description", 4096), ("repository.full_description", 102_400),
        ("repository.repo_url", 2048), ("repository.status", 64),
    ]

    /// Repairs noted per event, beyond which one line says how many more there were.
    public static let maximumRepairs = 40
    /// Placeholder image entries seen in documentation and test payloads.
    static let placeholderImages: Set<String> = ["...", "…", ""]

    public static func decode(_ bytes: [UInt8]) throws(PayloadError) -> WebhookPayload {
        try bytes.withUnsafeBufferPointer { buffer throws(PayloadError) in try decode(buffer) }
    }

    public static func decode(_ text: String) throws(PayloadError) -> WebhookPayload {
        try decode(Array(text.utf8))
    }

    /// `cache`: repository objects decoded before, reused when the bytes are the same.
    public static func decode(_ buffer: UnsafeBufferPointer<UInt8>, cache: RepositoryCache? = nil)
        throws(PayloadError) -> WebhookPayload
    {
        var scanner = JSONScanner(bytes: buffer)
        var state = DecodeState()
        state.cache = cache
        do throws(JSONError) {
            guard let first = scanner.peek() else { throw JSONError(message: "empty body", offset: 0) }
            guard first == UInt8(ascii: "{") else {
                if first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") || first == UInt8(ascii: "-")
                    || (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "t")
                    || first == UInt8(ascii: "f") || first == UInt8(ascii: "n")
                {
                    throw JSONError(message: "the payload must be a JSON object", offset: scanner.offset)
                }
                throw JSONError(message: "not JSON, found \(scanner.describeByte())", offset: scanner.offset)
            }
            try decodeTop(&scanner, &state)
            try scanner.expectEnd()
        } catch {
            throw PayloadError(.invalidJSON, error.description)
        }
        if state.repositories > 1 && state.reusedInfo != nil {
            // Two `repository` objects merge field by field: decode it all the plain way.
            return try decode(buffer, cache: nil)
        }
        state.repairs.insert(contentsOf: scanner.repairs, at: 0)
        let payload = try state.finish()
        if let cache, let range = state.cleanRepository, state.reusedInfo == nil, state.repositories == 1,
            !state.identityRepaired, !state.repositoryCut
        {
            cache.remember(UnsafeBufferPointer(rebasing: buffer[range]), payload.repositoryBox)
        }
        return payload
    }

    // MARK: - Objects

    static func decodeTop(_ scanner: inout JSONScanner, _ state: inout DecodeState) throws(JSONError) {
        try scanner.beginObject()
        var members = MemberWalk()
        while let key = try scanner.nextMember(&members) {
            if key.is("callback_url") {
                state.callbackURL = try readString(&scanner, &state, "callback_url")
            } else if key.is("push_data") {
                if try acceptNullOrObject(&scanner, &state, "push_data") {
                    try decodePushData(&scanner, &state)
                }
            } else if key.is("repository") {
                state.repositories += 1
                if let cache = state.cache, scanner.peek() == UInt8(ascii: "{"), let end = scanner.objectEnd()
                {
                    let start = scanner.offset
                    let raw = UnsafeBufferPointer(rebasing: scanner.bytes[start..<end])
                    if let box = cache.lookUp(raw) {
                        state.reusedInfo = box
                        scanner.move(to: end)
                        continue
                    }
                    // Decoded the plain way, and remembered if it needed nothing repaired.
                    let before = (state.repairs.count, state.extras.count)
                    let scannerRepairs = scanner.repairs
                    scanner.repairs = []
                    try scanner.beginObject()
                    try decodeRepository(&scanner, &state)
                    let clean =
                        scanner.repairs.isEmpty && before == (state.repairs.count, state.extras.count)
                        && scanner.offset == end
                    // As `addRepair` would have had them: in order, once each, at most 32.
                    scanner.repairs = Array(
                        (scannerRepairs + scanner.repairs.filter { !scannerRepairs.contains($0) }).prefix(32))
                    state.cleanRepository = clean ? start..<end : nil
                    continue
                }
                if try acceptNullOrObject(&scanner, &state, "repository") {
                    try decodeRepository(&scanner, &state)
                }
            } else if key.is("dhi_metadata") {
                try decodeDHI(&scanner, &state, "dhi_metadata")
            } else {
                try state.keepExtra(key.string, &scanner)
            }
        }
    }

    static func decodePushData(_ scanner: inout JSONScanner, _ state: inout DecodeState) throws(JSONError) {
        var members = MemberWalk()
        while let key = try scanner.nextMember(&members) {
            if key.is("pushed_at") {
                state.pushedAt = try readNumber(&scanner, &state, "push_data.pushed_at")
            } else if key.is("pusher") {
                state.pusher = try readString(&scanner, &state, "push_data.pusher")
            } else if key.is("tag") {
                state.tag = try readString(&scanner, &state, "push_data.tag")
            } else if key.is("images") {
                try decodeImages(&scanner, &state)
            } else if key.is("media_type") {
                state.mediaType = try readString(&scanner, &state, "push_data.media_type")
            } else if key.is("dhi_metadata") {
                try decodeDHI(&scanner, &state, "push_data.dhi_metadata")
            } else {
                try state.keepExtra("push_data." + key.string, &scanner)
            }
        }
    }

    /// `dhi_metadata`: an object keyed by platform digest; anything else is kept as an extra.
    static func decodeDHI(_ scanner: inout JSONScanner, _ state: inout DecodeState, _ path: String)
        throws(JSONError)
    {
        let value = try scanner.readValue()
        if value == .null { return }
        guard let metadata = DHIMetadata.from(value) else {
            state.extras.append(ExtraField(path: path, value: value))
            state.repairs.append("\(path): not an object, kept as an unknown field")
            return
        }
        state.dhi = metadata
    }

    static func decodeImages(_ scanner: inout JSONScanner, _ state: inout DecodeState) throws(JSONError) {
        guard scanner.peek() == UInt8(ascii: "[") else {
            let value = try scanner.readValue()
            if value != .null { state.repairs.append("push_data.images: not an array, ignored") }
            return
        }
        try scanner.beginArray()
        var first = true
        var placeholders = 0
        while try scanner.nextElement(first: &first) {
            if state.images.count + placeholders >= maximumImages {
                throw JSONError(
                    message: "push_data.images has more than \(maximumImages) entries", offset: scanner.offset
                )
            }
            // Digests (nearly every entry) are packed from the bytes, with no string between.
            let at = scanner.offset
            if let raw = scanner.plainStringBytes() {
                if state.images.appendDigest(raw) { continue }
                let image = try JSONScanner.validatedString(raw, at: at)
                if placeholderImages.contains(image) { placeholders += 1 } else { state.images.append(image) }
                continue
            }
            switch try scanner.readValue() {
            case .string(let image) where !placeholderImages.contains(image):
                state.images.append(image)
            case .object(let members):
                // Some registries send `{"digest": …}` objects instead of bare ids.
                if case .string(let digest)? = members.first(where: { $0.0 == "digest" || $0.0 == "id" })?.1 {
                    state.images.append(digest)
                } else {
                    placeholders += 1
                }
            default: placeholders += 1
            }
        }
        if placeholders > 0 {
            state.repairs.append("push_data.images: \(placeholders) placeholder(s) dropped")
        }
    }

    static func decodeRepository(_ scanner: inout JSONScanner, _ state: inout DecodeState) throws(JSONError) {
        var members = MemberWalk()
        while let key = try scanner.nextMember(&members) {
            // The path is only made when a repair or an extra needs it.
            let path = { "repository." + key.string }
            if key.is("repo_name") {
                state.repoName = try readString(&scanner, &state, path())
            } else if key.is("namespace") {
                state.namespace = try readString(&scanner, &state, path())
            } else if key.is("name") {
                state.name = try readString(&scanner, &state, path())
            } else if key.is("owner") {
                state.owner = try readString(&scanner, &state, path())
            } else if key.is("description") {
                state.description = try readString(&scanner, &state, path())
            } else if key.is("full_description") {
                state.fullDescription = try readString(&scanner, &state, path())
            } else if key.is("dockerfile") {
                state.dockerfile = try readString(&scanner, &state, path())
            } else if key.is("repo_url") {
                state.repoURL = try readString(&scanner, &state, path())
            } else if key.is("status") {
                state.status = try readString(&scanner, &state, path())
            } else if key.is("is_official") {
                state.isOfficial = try readBool(&scanner, &state, path())
            } else if key.is("is_private") {
                state.isPrivate = try readBool(&scanner, &state, path())
            } else if key.is("is_trusted") {
                state.isTrusted = try readBool(&scanner, &state, path())
            } else if key.is("comment_count") {
                state.commentCount = try readNumber(&scanner, &state, path())
            } else if key.is("star_count") {
                state.starCount = try readNumber(&scanner, &state, path())
            } else if key.is("date_created") {
                state.dateCreated = try readNumber(&scanner, &state, path())
            } else {
                try state.keepExtra(path(), &scanner)
            }
        }
    }

    /// `null` or an object are fine; anything else is kept as an extra and noted.
    static func acceptNullOrObject(
        _ scanner: inout JSONScanner, _ state: inout DecodeState, _ path: @autoclosure () -> String
    ) throws(JSONError) -> Bool {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            try scanner.beginObject()
            return true
        case UInt8(ascii: "n"):
            try scanner.readLiteral("null")
            return false
        default:
            try state.keepExtra(path(), &scanner)
            state.repairs.append("\(path()): not an object, ignored")
            return false
        }
    }

    // MARK: - Typed scalars with coercion

    static func readString(
        _ scanner: inout JSONScanner, _ state: inout DecodeState, _ path: @autoclosure () -> String
    ) throws(JSONError) -> String? {
        if scanner.peek() == UInt8(ascii: "\"") { return try scanner.readStringLiteral() }
        switch try scanner.readValue() {
        case .null: return nil
        case .number(let number):
            state.repairs.append("\(path()): number coerced to string")
            return JSONValue.number(number).jsonText
        case .bool(let flag):
            state.repairs.append("\(path()): boolean coerced to string")
            return flag ? "true" : "false"
        case let other:
            state.extras.append(ExtraField(path: path(), value: other))
            state.repairs.append("\(path()): unexpected \(other.typeName), ignored")
            return nil
        }
    }

    static func readNumber(
        _ scanner: inout JSONScanner, _ state: inout DecodeState, _ path: @autoclosure () -> String
    ) throws(JSONError) -> Double? {
        switch try scanner.readValue() {
        case .null: return nil
        case .number(let number): return number
        case .string(let text):
            let trimmed = text.trimmingASCIIWhitespace()
            if let number = Double(trimmed), number.isFinite, !trimmed.isEmpty,
                trimmed.allSatisfy({
                    $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-"
                })
            {
                state.repairs.append("\(path()): string coerced to number")
                return number
            }
            if trimmed.isEmpty { return nil }
            state.extras.append(ExtraField(path: path(), value: .string(text)))
            state.repairs.append("\(path()): not a number, ignored")
            return nil
        case .bool(let flag):
            state.repairs.append("\(path()): boolean coerced to number")
            return flag ? 1 : 0
        case let other:
            state.extras.append(ExtraField(path: path(), value: other))
            state.repairs.append("\(path()): unexpected \(other.typeName), ignored")
            return nil
        }
    }

    static func readBool(
        _ scanner: inout JSONScanner, _ state: inout DecodeState, _ path: @autoclosure () -> String
    ) throws(JSONError) -> Bool? {
        switch try scanner.readValue() {
        case .null: return nil
        case .bool(let flag): return flag
        case .number(let number):
            state.repairs.append("\(path()): number coerced to boolean")
            return number != 0
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes":
                state.repairs.append("\(path()): string coerced to boolean")
                return true
            case "false", "0", "no", "":
                state.repairs.append("\(path()): string coerced to boolean")
                return false
            default:
                state.extras.append(ExtraField(path: path(), value: .string(text)))
                state.repairs.append("\(path()): not a boolean, ignored")
                return nil
            }
        case let other:
            state.extras.append(ExtraField(path: path(), value: other))
            state.repairs.append("\(path()): unexpected \(other.typeName), ignored")
            return nil
        }
    }
}
