import HubtopCore

/// The event detail as display lines: every field of the delivery.
public enum DetailContent {
    public struct Line: Equatable, Sendable {
        public var label: String
        public var value: String
        public var role: Role
    }

    /// What the registry told about the event's image, for the detail.
    public struct ImageDetail: Sendable {
        public var facts: ImageFacts?
        public var lookup: ImageLookup?
        public var platform: Int?
        public var enrichment: EnrichmentMode = .off
        /// Artifact pushes folded under the event.
        public var artifacts: [StoredEvent] = []
        /// Its scan result and its tag's pulls, when the registry sends them.
        public var scan: ScanSummary?
        /// Pushes of its digest in other registries.
        public var mirrors: [StoredEvent] = []
        /// Platform manifests folded under it (by digest).
        public var children: [String] = []
        public var pulls = 0

        public init() {}
    }

    /// The focused event's lines, with what the state holds about its image.
    public static func lines(for state: DashboardState, width: Int) -> [Line] {
        var image = ImageDetail()
        if let id = state.data.focusedEvent?.id {
            image.facts = state.data.focusedImage
            image.lookup = state.imageLookups[id]
            image.platform = image.lookup?.image.map { state.platform(of: id, in: $0) }
            image.enrichment = state.enrichment
            image.artifacts = state.data.focusedArtifacts
            image.scan = state.data.focusedScan
            image.mirrors = state.data.focusedMirrors
            image.children = state.data.focusedChildren
            image.pulls = state.data.focusedPulls
        }
        return lines(
            for: state.data.focusedEvent, outcomes: state.data.focusedOutcomes, image: image, width: width)
    }

    public static func lines(
        for event: StoredEvent?, outcomes: [IntegrationOutcome] = [], image: ImageDetail = ImageDetail(),
        width: Int
    ) -> [Line] {
        guard let event else {
            return [Line(label: "", value: "this event is no longer stored", role: .muted)]
        }
        let payload = event.payload
        let info = payload.repository
        var lines: [Line] = []
        let valueWidth = max(10, width - 16)
        func add(_ label: String, _ value: String?, _ role: Role = .text) {
            // Long values (URLs, digests) wrap rather than being cut.
            let pieces = wrap(TerminalSanitizer.line(value ?? "—"), width: valueWidth)
            for (index, piece) in pieces.enumerated() {
                lines.append(
                    Line(label: index == 0 ? label : "", value: piece, role: value == nil ? .muted : role))
            }
        }
        func addWrapped(_ label: String, _ value: String?) {
            guard let value, !value.isEmpty else { return add(label, value == nil ? nil : "(empty)") }
            let wrapped = wrap(TerminalSanitizer.multiline(value), width: valueWidth)
            for (index, piece) in wrapped.enumerated() {
                lines.append(Line(label: index == 0 ? label : "", value: piece, role: .text))
            }
        }
        add("event", "#\(event.id)")
        add("repository", info.repoName, .repository)
        add("tag", payload.tag ?? "(none: an early payload)", .tag)
        if let origin = payload.origin { addSource(origin, image, add) }
        if let mediaType = payload.mediaType { add("media type", mediaType) }
        if let artifact = payload.artifact {
            let names: [ArtifactKind: String] = [
                .signature: "signature", .attestation: "attestation", .sbom: "SBOM",
            ]
            add(
                "artifact",
                names[artifact, default: artifact.rawValue]
                    + (payload.artifactSubject.map { " of \($0)" } ?? ""),
                .marker)
        }
        if payload.artifact == nil { addImage(image, hasDockerfile: info.dockerfile != nil, add) }
        addMirrors(event, image.mirrors, add)
        add("pusher", payload.pusher, .pusher)
        add("pushed", payload.pushedAt.map { Timestamp.utc($0) }, .time)
        add("received", Timestamp.utc(event.receivedAt), .time)
        add(
            "deliveries",
            event.deliveries > 1
                ? "\(event.deliveries) (last \(Timestamp.utc(event.lastDeliveredAt)))" : "1")
        addTrust(event.delivery, add)
        for outcome in outcomes {
            // `forward → host:port` is too long for a label: the target leads the value.
            let parts = outcome.name.split(separator: " → ", maxSplits: 1)
            let value = (parts.count == 2 ? "\(parts[1]): " : "") + describe(outcome)
            add(String(parts[0]), value, outcome.state == .delivered ? .text : .warning)
        }
        addRepository(info, add, addWrapped)
        add("callback URL", payload.callbackURL)
        add(
            "dockerfile",
            info.dockerfile.map { _ in "\(DockerfileContent.lines(of: event).count) lines (d to view)" })
        if payload.images.isEmpty {
            add("images", "none")
        } else {
            for (index, image) in payload.images.enumerated() {
                add(index == 0 ? "images" : "", image, .muted)
            }
        }
        if let dhi = payload.dhi { addHardenedImageChanges(dhi, add) }
        for extra in payload.extras { add(extra.path, extra.value.jsonText, .warning) }
        if payload.repairs.isEmpty {
            add("repairs", "none")
        } else {
            for (index, repair) in payload.repairs.enumerated() {
                add(index == 0 ? "repairs" : "", repair, .warning)
            }
        }
        return lines
    }

    /// The repository object's own fields, as Docker Hub sends them.
    static func addRepository(
        _ info: RepositoryInfo, _ add: (String, String?, Role) -> Void,
        _ addWrapped: (String, String?) -> Void
    ) {
        func field(_ label: String, _ value: String?) { add(label, value, .text) }
        func flag(_ value: Bool?) -> String? { value.map { $0 ? "yes" : "no" } }
        func number(_ value: Double?) -> String? {
            value.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }
        }
        field("namespace", info.namespace)
        field("name", info.name)
        field("owner", info.owner)
        addWrapped("description", info.description)
        addWrapped("full desc.", info.fullDescription)
        field("private", flag(info.isPrivate))
        field("official", flag(info.isOfficial))
        field("trusted", flag(info.isTrusted))
        field("stars", number(info.starCount))
        field("comments", number(info.commentCount))
        field("created", info.dateCreated.map { Timestamp.utc($0) })
        field("status", info.status)
        field("repo URL", info.repoURL)
    }

    /// A Docker Hardened Images push: per platform, what changed since the previous version.
    static func addHardenedImageChanges(_ dhi: DHIMetadata, _ add: (String, String?, Role) -> Void) {
        for platform in dhi.platforms {
            add("DHI platform", platform.digest, .muted)
            add(
                "  changes",
                platform.categories.isEmpty ? "none listed" : platform.categories.joined(separator: ", "),
                .text)
            if platform.previousTag != nil || platform.previousDigest != nil {
                let digest = platform.previousDigest.map { " (\($0))" } ?? ""
                add("  previous", (platform.previousTag ?? "?") + digest, .text)
            }
            for (index, fix) in platform.vulnerabilitiesFixed.enumerated() {
                var text = fix.id
                if let severity = fix.severity { text += " (\(severity))" }
                if let package = fix.package { text += " in \(package)" }
                if let fixedIn = fix.fixedIn { text += " fixed in \(fixedIn)" }
                add(index == 0 ? "  CVEs fixed" : "", text, .warning)
            }
            let packages: [(String, [DHIMetadata.PackageChange])] = [
                ("  updated", platform.packagesUpdated), ("  added", platform.packagesAdded),
                ("  removed", platform.packagesRemoved),
            ]
            for (label, changes) in packages {
                for (index, change) in changes.enumerated() {
                    let type = change.type.map { " [\($0)]" } ?? ""
                    add(index == 0 ? label : "", "\(change.name)\(type) \(change.version ?? "")", .text)
                }
            }
            for (index, line) in platform.environmentChanged.enumerated() {
                add(index == 0 ? "  env" : "", line, .text)
            }
            for (index, line) in platform.labelsChanged.enumerated() {
                add(index == 0 ? "  labels" : "", line, .text)
            }
            if let configuration = platform.configurationChanged { add("  config", configuration, .text) }
            if platform.omitted > 0 { add("  omitted", "\(platform.omitted) more entries", .muted) }
        }
    }

    /// The trust panel: what hubtop saw of the request. Payloads are unsigned; this is the
    /// evidence there is.
    static func addTrust(_ delivery: DeliveryInfo?, _ add: (String, String?, Role) -> Void) {
        guard let delivery else { return add("trust", "no delivery record", .muted) }
        switch delivery.origin {
        case .webhook: add("token", "matched (delivered to the secret webhook URL)", .text)
        case .demo: add("token", "none: a --demo event", .muted)
        case .journal: add("token", "replayed from the journal (it matched when received)", .muted)
        }
        if delivery.origin == .demo { return }
        add("source", delivery.source, .text)
        if let forwarded = delivery.forwardedFor {
            add(
                "forwarded",
                delivery.forwardedForTrusted
                    ? "\(forwarded) (trusted: --trust-proxy)" : "\(forwarded) (ignored: no --trust-proxy)",
                delivery.forwardedForTrusted ? .text : .warning)
        }
        add("user agent", delivery.userAgent, .text)
        add(
            "allowlist",
            delivery.allowedBy.map { "allowed by \($0)" } ?? "not set: every repository accepted", .text)
        if let id = delivery.deliveryID { add("delivery id", id, .muted) }
    }

    /// `delivered: HTTP 200 after 2 attempts at 12:00:01Z`
    static func describe(_ outcome: IntegrationOutcome) -> String {
        if outcome.name.hasPrefix("on-event") {
            // A command: its state, and what the runner said (exit status, the last output).
            let state = outcome.state == .delivered ? "ran" : outcome.state.rawValue
            return state + " at \(Timestamp.timeOfDay(outcome.at))"
                + (outcome.detail.map { " — " + $0 } ?? "")
        }
        var text = outcome.state.rawValue
        if let status = outcome.status { text += ": HTTP \(status)" }
        if outcome.attempts > 0 {
            text += " after \(outcome.attempts) attempt\(outcome.attempts == 1 ? "" : "s")"
        }
        text += " at \(Timestamp.timeOfDay(outcome.at))"
        if let detail = outcome.detail { text += " — \(detail)" }
        return text
    }

    /// Digest, platforms, re-push, source and revision, and the artifacts folded under it.
    static func addImage(_ image: ImageDetail, hasDockerfile: Bool, _ add: (String, String?, Role) -> Void) {
        let found = image.lookup?.image
        if let digest = image.facts?.digest ?? found?.digest {
            add("digest", digest, .text)
        } else {
            switch image.lookup {
            case .loading?: add("digest", "looking up in the registry…", .muted)
            case .failed(let reason)?: add("digest", "registry lookup failed: " + reason, .warning)
            // A payload with its Dockerfile is not looked up: nothing to say.
            case nil where hasDockerfile: break
            default:
                add(
                    "digest",
                    image.enrichment == .off ? "unknown (--enrich off)" : "unknown",
                    .muted)
            }
        }
        let platforms = found.map { $0.runnablePlatforms.map(\.name) } ?? image.facts?.platforms ?? []
        if !platforms.isEmpty { add("platforms", platforms.joined(separator: ", "), .text) }
        if image.facts?.unchanged == true {
            add("re-push", "unchanged: the same digest as the tag's previous push", .marker)
        }
        if let found, let index = image.platform, found.platforms.indices.contains(index),
            let config = found.platforms[index].config
        {
            if let source = config.source { add("source", source, .text) }
            if let revision = config.revision { add("revision", revision, .text) }
            if let created = config.labels["org.opencontainers.image.created"] {
                add("built", created, .time)
            }
        }
        for (position, artifact) in image.artifacts.enumerated() {
            add(
                position == 0 ? "artifacts" : "",
                "\(artifact.payload.artifact?.rawValue ?? "?") #\(artifact.id) \(artifact.tag ?? "")", .marker
            )
        }
    }

    /// Greedy word wrap by display width; paragraphs (newlines) are kept.
    public static func wrap(_ text: String, width: Int) -> [String] {
        var result: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = String(word)
                var wordWidth = DisplayWidth.of(word)
                if lineWidth > 0 && lineWidth + 1 + wordWidth > width {
                    result.append(line)
                    line = ""
                    lineWidth = 0
                }
                // A word longer than the line is cut into pieces.
                while wordWidth > width {
                    let piece = DisplayWidth.truncate(word, to: width + 1).dropLast()
                    if !line.isEmpty {
                        result.append(line)
                        line = ""
                        lineWidth = 0
                    }
                    result.append(String(piece))
                    word = String(word.dropFirst(piece.count))
                    wordWidth = DisplayWidth.of(word)
                }
                if lineWidth > 0 {
                    line += " "
                    lineWidth += 1
                }
                line += word
                lineWidth += wordWidth
            }
            result.append(line)
        }
        return result
    }
}
