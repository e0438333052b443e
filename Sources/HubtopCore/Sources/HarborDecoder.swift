/// Harbor's webhooks, in its Default format and (the same `event_data` as `data`) CloudEvents.
///
/// A multi-platform push sends one event per platform child with its digest as the tag, and one
/// for the index with the real tag: the children are acknowledged and not shown. Scan results
/// are kept with the push they scanned.
enum HarborDecoder {
    /// `{"type", "occur_at", "operator", "event_data"}`.
    static func decodeDefault(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        let type = body.text("type") ?? ""
        let time = body["occur_at"]?.number
        let key = [type, body.text("occur_at") ?? ""].joined(separator: " ")
        return try decode(
            data: body["event_data"] ?? .null, kind: kind(defaultType: type), typeName: type,
            operator: body.text("operator"), time: time, deliveryKey: "harbor:" + key, keyPerResource: true)
    }

    /// A CloudEvent of type `harbor.*`: `data` is the Default format's `event_data`.
    static func decodeCloudEvent(_ event: CloudEvent) throws(PayloadError) -> DecodedDelivery {
        try decode(
            data: event.data, kind: kind(cloudEventType: event.type), typeName: event.type,
            operator: event.extensions["operator"], time: event.time, deliveryKey: event.deliveryKey,
            keyPerResource: false)
    }

    enum Kind {
        case push, delete, pull, scan, other
    }

    static func kind(defaultType: String) -> Kind {
        switch defaultType {
        case "PUSH_ARTIFACT": return .push
        case "DELETE_ARTIFACT", "DELETE_TAG": return .delete
        case "PULL_ARTIFACT": return .pull
        case "SCANNING_COMPLETED": return .scan
        default: return .other
        }
    }

    static func kind(cloudEventType: String) -> Kind {
        switch cloudEventType {
        case "harbor.artifact.pushed": return .push
        case "harbor.artifact.deleted": return .delete
        case "harbor.artifact.pulled": return .pull
        case "harbor.scan.completed": return .scan
        default: return .other
        }
    }

    static func decode(
        data: JSONValue, kind: Kind, typeName: String, operator pusher: String?, time: Double?,
        deliveryKey: String?, keyPerResource: Bool
    ) throws(PayloadError) -> DecodedDelivery {
        var decoded = DecodedDelivery(format: .harbor)
        guard kind != .other else {
            decoded.note = "a Harbor \(typeName.isEmpty ? "event" : typeName) event (not a push)"
            return decoded
        }
        let repository = data.text("repository", "repo_full_name")
        let resources = data["resources"]?.elements ?? []
        var notes: [String] = []
        for (index, resource) in resources.prefix(PayloadDecoder.maximumImages).enumerated() {
            let url = resource.text("resource_url")
            let (host, name) = split(resourceURL: url, fallback: repository)
            guard let name, !name.isEmpty else { continue }
            var tag = resource.text("tag").flatMap { $0.isEmpty ? nil : $0 }
            let digest = resource.text("digest")
            // An untagged artifact carries its digest as its tag.
            if let named = tag, named.contains(":") { tag = nil }
            if kind == .pull {
                guard let tag else { continue }
                decoded.pulls.append(
                    PullCount(repository: DistributionDecoder.qualified(name, host: host), tag: tag))
                continue
            }
            if kind == .push && tag == nil {
                if let digest = digest.flatMap(SourceEvent.validDigest) {
                    decoded.children.append(
                        ChildManifest(
                            repository: DistributionDecoder.qualified(name, host: host), digest: digest))
                }
                notes.append("an untagged artifact (a platform of an index pushed by tag)")
                continue
            }
            var made = SourceEvent(source: .harbor, repository: name)
            made.host = host
            made.tag = tag
            made.digest = digest
            made.pusher = pusher
            made.time = time
            made.action = kind == .delete ? .delete : kind == .scan ? .scan : .push
            if let deliveryKey {
                made.deliveryKey =
                    keyPerResource || resources.count > 1
                    ? "\(deliveryKey) \(digest ?? "") \(tag ?? "") \(index)" : deliveryKey
            }
            if kind == .scan { made.scan = scanSummary(resource["scan_overview"]) }
            decoded.events.append(try made.payload(proof: nil))
        }
        if decoded.events.isEmpty && decoded.children.isEmpty && !notes.isEmpty {
            decoded.note = notes.first
        } else if decoded.events.isEmpty {
            decoded.note =
                notes.first ?? (kind == .pull ? "a pull (counted)" : "a Harbor event without an artifact")
        }
        return decoded
    }

    /// `harbor.corp.example/payments/ledger:2.3.1` or `…/ledger@sha256:…` → host and repository.
    static func split(resourceURL: String?, fallback: String?) -> (host: String?, repository: String?) {
        guard var url = resourceURL, !url.isEmpty else { return (nil, fallback) }
        if let rest = URLParts.afterScheme(url) { url = String(rest) }
        if let at = url.firstIndex(of: "@") { url = String(url[..<at]) }
        if let slash = url.lastIndex(of: "/"), let colon = url.lastIndex(of: ":"), colon > slash {
            url = String(url[..<colon])
        }
        guard let first = url.firstIndex(of: "/") else { return (nil, fallback ?? url) }
        let host = String(url[..<first])
        let repository = String(url[url.index(after: first)...])
        return (host.isEmpty ? nil : host, fallback ?? repository)
    }

    /// A `scan_overview` keyed by report type: the first report's severity counts.
    static func scanSummary(_ overview: JSONValue?) -> ScanSummary {
        guard case .object(let reports)? = overview, let report = reports.first?.1 else {
            return ScanSummary()
        }
        var summary = ScanSummary(severity: report.text("severity"))
        summary.total = report.at("summary", "total")?.number.map(Int.init)
        summary.fixable = report.at("summary", "fixable")?.number.map(Int.init)
        summary.scanner = report.text("scanner", "name")
        let order = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"]
        if case .object(let counts)? = report.at("summary", "summary") {
            let known = counts.compactMap { key, value in value.number.map { (key, Int($0)) } }
            summary.counts = known.sorted {
                (order.firstIndex(of: $0.0) ?? order.count) < (order.firstIndex(of: $1.0) ?? order.count)
            }.prefix(8).map { (severity: String($0.0.prefix(32)), count: $0.1) }
        }
        return summary
    }
}
