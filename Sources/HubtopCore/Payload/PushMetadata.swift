/// What today's Docker Hub adds to a push beyond the documented example: the pushed manifest's
/// media type, signature/attestation/SBOM pushes, and the change log of Docker Hardened Images.

/// A push of something that belongs to an image rather than an image itself.
public enum ArtifactKind: String, Sendable, Equatable, CaseIterable {
    case signature = "sig"
    case attestation = "att"
    case sbom

    /// From the tag (`sha256-<64 hex>.sig`, `.att`, `.sbom`, as cosign names them) or, failing
    /// that, from a media type only artifacts use.
    public static func classify(tag: String?, mediaType: String?) -> ArtifactKind? {
        if let tag, let (_, kind) = parseTag(tag) { return kind }
        guard let mediaType = mediaType?.lowercased() else { return nil }
        if mediaType.contains("cosign") || mediaType.contains("sigstore") { return .signature }
        if mediaType.contains("in-toto") { return .attestation }
        if mediaType.contains("spdx") || mediaType.contains("cyclonedx") { return .sbom }
        return nil
    }

    /// `sha256-<hex>.<kind>` → (`sha256:<hex>`, kind).
    static func parseTag(_ tag: String) -> (String, ArtifactKind)? {
        guard tag.hasPrefix("sha256-"), let dot = tag.lastIndex(of: ".") else { return nil }
        let hex = tag[tag.index(tag.startIndex, offsetBy: 7)..<dot]
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
            let kind = ArtifactKind(rawValue: String(tag[tag.index(after: dot)...]))
        else { return nil }
        return ("sha256:" + hex, kind)
    }
}

extension WebhookPayload {
    /// A signature, attestation or SBOM push; nil for an image.
    public var artifact: ArtifactKind? { ArtifactKind.classify(tag: tag, mediaType: mediaType) }

    /// The digest of the image an artifact belongs to, when its tag names it.
    public var artifactSubject: String? { tag.flatMap(ArtifactKind.parseTag)?.0 }

    /// Whether a Docker Hardened Images change log says this push fixes vulnerabilities.
    public var fixesVulnerabilities: Bool {
        dhi?.platforms.contains {
            $0.categories.contains("vulnerability_fix") || !$0.vulnerabilitiesFixed.isEmpty
        }
            ?? false
    }
}

/// `dhi_metadata`: the change log Docker sends on pushes to mirrored Docker Hardened Images,
/// one entry per platform manifest. Kept compactly: lists are capped (`DHIMetadata.limit`).
public struct DHIMetadata: Sendable, Equatable {
    public struct Platform: Sendable, Equatable {
        /// The platform manifest's digest (the key of the entry).
        public var digest: String
        public var schemaVersion: Int?
        /// `vulnerability_fix`, `version_upgrade`, `other`.
        public var categories: [String] = []
        public var previousTag: String?
        public var previousDigest: String?
        public var vulnerabilitiesFixed: [Vulnerability] = []
        public var packagesUpdated: [PackageChange] = []
        public var packagesAdded: [PackageChange] = []
        public var packagesRemoved: [PackageChange] = []
        /// `KEY: from → to` for environment variables and labels, as one line each.
        public var environmentChanged: [String] = []
        public var labelsChanged: [String] = []
        /// `configuration_changed`, as the JSON text sent (capped).
        public var configurationChanged: String?
        /// Entries left out beyond the caps.
        public var omitted = 0
    }

    public struct Vulnerability: Sendable, Equatable {
        public var id: String
        public var severity: String?
        public var package: String?
        public var fixedIn: String?
    }

    public struct PackageChange: Sendable, Equatable {
        public var name: String
        public var type: String?
        /// `old → new` for updates, the version for additions and removals.
        public var version: String?
    }

    public var platforms: [Platform] = []

    /// Entries kept per list, and platforms per push; strings are cut to `textLimit`.
    public static let limit = 100
    public static let textLimit = 200

    /// Reads the decoded `dhi_metadata` object; nil when it is not an object.
    static func from(_ value: JSONValue) -> DHIMetadata? {
        guard case .object(let entries) = value else { return nil }
        var metadata = DHIMetadata()
        for (digest, entry) in entries.prefix(limit) {
            let fields = entry.members
            var platform = Platform(digest: text(digest) ?? "")
            if case .number(let version)? = fields["schema_version"], version.isFinite, abs(version) < 1e9 {
                platform.schemaVersion = Int(version)
            }
            platform.categories = strings(fields["change_categories"], &platform.omitted)
            let previous = fields["previous_version"]?.members ?? [:]
            platform.previousTag = string(previous["tag"])
            platform.previousDigest = string(previous["digest"])
            let changes = fields["changes"]?.members ?? [:]
            platform.vulnerabilitiesFixed = objects(changes["vulnerabilities_fixed"], &platform.omitted)
                .compactMap {
                    guard let id = string($0["cve_id"]) else { return nil }
                    return Vulnerability(
                        id: id, severity: string($0["severity"]), package: string($0["package"]),
                        fixedIn: string($0["fixed_in_version"]))
                }
            platform.packagesUpdated = packages(changes["packages_updated"], &platform.omitted) {
                let old = string($0["old_version"]) ?? "?"
                let new = string($0["new_version"]) ?? "?"
                return "\(old) → \(new)"
            }
            platform.packagesAdded = packages(changes["packages_added"], &platform.omitted) {
                string($0["version"])
            }
            platform.packagesRemoved = packages(changes["packages_removed"], &platform.omitted) {
                string($0["version"])
            }
            platform.environmentChanged = keyChanges(
                changes["environment_variables_changed"], &platform.omitted)
            platform.labelsChanged = keyChanges(changes["labels_changed"], &platform.omitted)
            if let configuration = changes["configuration_changed"], configuration != .null,
                configuration != .array([]), configuration != .object([])
            {
                platform.configurationChanged = text(configuration.jsonText)
            }
            metadata.platforms.append(platform)
        }
        return metadata
    }

    static func text(_ value: String?) -> String? {
        guard let value else { return nil }
        return value.count > textLimit ? String(value.prefix(textLimit - 1)) + "…" : value
    }

    static func string(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: return self.text(text)
        case .number(let number)?: return self.text(JSONValue.number(number).jsonText)
        default: return nil
        }
    }

    static func strings(_ value: JSONValue?, _ omitted: inout Int) -> [String] {
        guard case .array(let items)? = value else { return [] }
        omitted += max(0, items.count - limit)
        return items.prefix(limit).compactMap { string($0) }
    }

    static func objects(_ value: JSONValue?, _ omitted: inout Int) -> [[String: JSONValue]] {
        guard case .array(let items)? = value else { return [] }
        omitted += max(0, items.count - limit)
        return items.prefix(limit).map(\.members)
    }

    static func packages(
        _ value: JSONValue?, _ omitted: inout Int, version: ([String: JSONValue]) -> String?
    ) -> [PackageChange] {
        objects(value, &omitted).compactMap {
            guard let name = string($0["name"]) else { return nil }
            return PackageChange(name: name, type: string($0["type"]), version: version($0))
        }
    }

    static func keyChanges(_ value: JSONValue?, _ omitted: inout Int) -> [String] {
        objects(value, &omitted).compactMap {
            guard let key = string($0["key"]) else { return nil }
            let change = string($0["change"]) ?? "changed"
            let from = string($0["from_value"])
            let to = string($0["to_value"])
            switch (from, to) {
            case (nil, let to?): return "\(key) \(change): \(to)"
            case (let from?, nil): return "\(key) \(change): \(from)"
            case (let from?, let to?): return "\(key) \(change): \(from) → \(to)"
            default: return "\(key) \(change)"
            }
        }
    }

    /// Heap bytes, for the store's memory budget.
    var byteCount: Int {
        platforms.reduce(0) { total, platform in
            var size = 128 + platform.digest.utf8.count + (platform.configurationChanged?.utf8.count ?? 0)
            size += platform.categories.reduce(0) { $0 + 16 + $1.utf8.count }
            size += platform.vulnerabilitiesFixed.reduce(0) {
                $0 + 64 + $1.id.utf8.count + ($1.package?.utf8.count ?? 0) + ($1.fixedIn?.utf8.count ?? 0)
            }
            for list in [platform.packagesUpdated, platform.packagesAdded, platform.packagesRemoved] {
                size += list.reduce(0) { $0 + 64 + $1.name.utf8.count + ($1.version?.utf8.count ?? 0) }
            }
            size += (platform.environmentChanged + platform.labelsChanged).reduce(0) {
                $0 + 16 + $1.utf8.count
            }
            return total + size
        }
    }
}
