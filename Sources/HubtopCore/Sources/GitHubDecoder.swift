/// GitHub's `package` and `registry_package` webhooks for container images (GHCR), and `ping`.
///
/// GitHub sends one delivery per manifest: the per-platform ones have an empty tag and are
/// acknowledged under the tagged push. A manual redelivery repeats `X-GitHub-Delivery`.
enum GitHubDecoder {
    static func decode(event: String, delivery: String?, body: JSONValue) throws(PayloadError)
        -> DecodedDelivery
    {
        switch event {
        case "ping":
            let hook = body.text("hook_id") ?? body.text("hook", "id") ?? "?"
            let events = (body.at("hook", "events")?.elements ?? []).compactMap(\.string).prefix(8)
            var decoded = DecodedDelivery(format: .github, note: "GitHub ping")
            decoded.ping =
                "GitHub ping from hook \(hook.prefix(20))"
                + (events.isEmpty ? "" : " (events: \(events.joined(separator: ", ").prefix(80)))")
            return decoded
        case "package", "registry_package":
            return try decodePackage(
                body[event] ?? .null, action: body.text("action"), body: body, delivery: delivery)
        default:
            return DecodedDelivery(
                format: .github, note: "a GitHub \(event.prefix(40)) event (not a package)")
        }
    }

    static func decodePackage(
        _ package: JSONValue, action: String?, body: JSONValue, delivery: String?
    ) throws(PayloadError) -> DecodedDelivery {
        guard package.isObject else {
            throw PayloadError(.invalidJSON, "a GitHub package event needs its package object")
        }
        let type = (package.text("package_type") ?? package.text("ecosystem") ?? "").lowercased()
        guard type == "container" || type == "docker" else {
            return DecodedDelivery(
                format: .github, note: "a GitHub \(type.prefix(20)) package (not a container image)")
        }
        guard action == "published" || action == "updated" else {
            return DecodedDelivery(
                format: .github, note: "a package \(action?.prefix(20) ?? "event") (not a push)")
        }
        let version = package["package_version"] ?? .null
        let metadata = version["container_metadata"] ?? .null
        let tag = metadata.text("tag", "name").flatMap { $0.isEmpty ? nil : $0 }
        let (host, repository) = name(package)
        guard let tag else {
            var decoded = DecodedDelivery(
                format: .github, note: "an untagged manifest (a platform of an image pushed by tag)")
            if let repository,
                let digest = [version.text("version"), metadata.text("manifest", "digest")].compactMap({ $0 })
                    .first(where: { SourceEvent.validDigest($0) != nil })
            {
                decoded.children = [
                    ChildManifest(
                        repository: DistributionDecoder.qualified(repository, host: host), digest: digest)
                ]
            }
            return decoded
        }
        guard let repository else {
            throw PayloadError(.missingRepository, "the GitHub package event names no package")
        }
        var made = SourceEvent(source: .github, repository: repository)
        made.host = host
        made.tag = tag
        made.digest = [
            version.text("version"), metadata.text("manifest", "digest"), metadata.text("tag", "digest"),
        ]
        .compactMap { $0 }.first { SourceEvent.validDigest($0) != nil }
        made.mediaType = metadata.text("manifest", "media_type")
        made.pusher = body.text("sender", "login") ?? version.text("author", "login")
        made.time = (package.text("updated_at") ?? version.text("updated_at")).flatMap(Timestamp.parseRFC3339)
        made.deliveryKey = delivery.map { "github:\($0)" }
        made.sourceURL = metadata.text("labels", "source")
        made.revision = metadata.text("labels", "revision")
        return DecodedDelivery(format: .github, events: [try made.payload(proof: nil)])
    }

    /// Host and repository from `package_url` (`ghcr.io/acme/api:3.2.0`), lower-cased as GHCR
    /// names are; else `ghcr.io` and the owner and name.
    static func name(_ package: JSONValue) -> (host: String?, repository: String?) {
        if var url = package.text("package_version", "package_url"), let slash = url.firstIndex(of: "/") {
            if let colon = url.lastIndex(of: ":"), colon > slash { url = String(url[..<colon]) }
            let host = String(url[..<slash]).lowercased()
            let repository = String(url[url.index(after: slash)...]).lowercased()
            if !repository.isEmpty { return (host, repository) }
        }
        guard let name = package.text("name") else { return ("ghcr.io", nil) }
        let owner = package.text("owner", "login").map { "\($0)/" } ?? ""
        return ("ghcr.io", (owner + name).lowercased())
    }

    /// A form body (`payload=<URL-encoded JSON>`) as its JSON bytes (`+` is a space in a form).
    static func formPayload(_ body: UnsafeBufferPointer<UInt8>) throws(PayloadError) -> [UInt8] {
        let prefix = Array("payload=".utf8)
        guard let field = body.split(separator: UInt8(ascii: "&")).first(where: { $0.starts(with: prefix) })
        else {
            throw PayloadError(.invalidJSON, "a form-encoded GitHub delivery needs a payload= field")
        }
        let value = field.dropFirst(prefix.count).map { $0 == UInt8(ascii: "+") ? 0x20 : $0 }
        return Array(PercentEncoding.decoded(String(decoding: value, as: UTF8.self)).utf8)
    }
}

/// Quay's `repo_push`: the repository and its updated tags only; digest, platforms, pusher and
/// time are absent (the registry lookups fill in the first two).
enum QuayDecoder {
    static func decode(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        guard let repository = body.text("repository"), !repository.isEmpty else {
            throw PayloadError(.missingRepository, "the Quay event names no repository")
        }
        let host = body.text("docker_url").flatMap { $0.split(separator: "/").first.map(String.init) }
        var tags: [String]
        switch body["updated_tags"] {
        case .array(let elements)?: tags = elements.compactMap(\.string)
        // A very old form mapped each tag to an image id.
        case .object(let members)?: tags = members.map(\.0)
        default: tags = []
        }
        var decoded = DecodedDelivery(format: .quay)
        for tag in tags.prefix(PayloadDecoder.maximumImages) where !tag.isEmpty {
            var made = SourceEvent(source: .quay, repository: repository)
            made.host = host
            made.tag = tag
            decoded.events.append(try made.payload(proof: nil))
        }
        if decoded.events.isEmpty { decoded.note = "a Quay push without tags" }
        return decoded
    }
}
