/// CNCF Distribution's notifications (`registry:2`, `registry:3`, Debian's `docker-registry`,
/// GitLab's) and Azure Container Registry's webhooks, which send the same event without its
/// envelope, `actor` and `source`.
///
/// One push sends an event per blob, per platform manifest and one for the tagged index: only
/// the manifest put by tag is a push row. A blob `HEAD` during a push is reported as a pull:
/// only manifest pulls by tag are counted.
enum DistributionDecoder {
    /// The envelope `{"events": [...]}`.
    static func decodeEnvelope(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        guard case .array(let events) = body["events"] ?? .null else {
            throw PayloadError(.invalidJSON, "a Distribution notification needs an \"events\" array")
        }
        var decoded = DecodedDelivery(format: .distribution)
        var notes: [String] = []
        for event in events.prefix(PayloadDecoder.maximumImages) {
            guard event.isObject else {
                throw PayloadError(.invalidJSON, "each Distribution event must be a JSON object")
            }
            try add(event, source: .distribution, to: &decoded, notes: &notes)
        }
        if decoded.events.isEmpty && decoded.pulls.isEmpty {
            decoded.note = notes.first ?? "an empty notification"
        }
        return decoded
    }

    /// One event without an envelope: Azure Container Registry's (or a single Distribution event
    /// a relay posted).
    static func decodeSingle(_ event: JSONValue) throws(PayloadError) -> DecodedDelivery {
        let host = event.text("request", "host") ?? ""
        let isAzure = host.lowercased().hasSuffix(".azurecr.io") || event["actor"] == nil
        var decoded = DecodedDelivery(format: isAzure ? .acr : .distribution)
        var notes: [String] = []
        try add(event, source: isAzure ? .acr : .distribution, to: &decoded, notes: &notes)
        if decoded.events.isEmpty && decoded.pulls.isEmpty { decoded.note = notes.first }
        return decoded
    }

    static func add(
        _ event: JSONValue, source: EventSource, to decoded: inout DecodedDelivery, notes: inout [String]
    ) throws(PayloadError) {
        let action = event.text("action") ?? ""
        let target = event["target"] ?? .null
        guard let repository = target.text("repository"), !repository.isEmpty else {
            notes.append("a \(action) event without a repository")
            return
        }
        let tag = target.text("tag").flatMap { $0.isEmpty ? nil : $0 }
        let isManifest = isManifest(target)
        switch action {
        case "push":
            guard isManifest else { return notes.append("a blob push (part of an image push)") }
            guard tag != nil else {
                if let digest = target.text("digest").flatMap(SourceEvent.validDigest) {
                    decoded.children.append(
                        ChildManifest(repository: qualified(repository, host: host(event)), digest: digest))
                }
                return notes.append("a manifest pushed by digest (a platform of an index pushed by tag)")
            }
            decoded.events.append(try payload(event, source: source, action: .push, repository: repository))
        case "delete":
            decoded.events.append(try payload(event, source: source, action: .delete, repository: repository))
        case "pull":
            guard isManifest, let tag else {
                return notes.append("a pull by digest or of a blob (not counted)")
            }
            decoded.pulls.append(PullCount(repository: qualified(repository, host: host(event)), tag: tag))
            notes.append("a pull (counted)")
        case "chart_push", "chart_delete":
            notes.append("a Helm chart event (not an image)")
        default:
            notes.append("a \(action.isEmpty ? "nameless" : action) event (not a push)")
        }
    }

    static func payload(
        _ event: JSONValue, source: EventSource, action: EventAction, repository: String
    ) throws(PayloadError) -> WebhookPayload {
        let target = event["target"] ?? .null
        var made = SourceEvent(source: source, repository: repository)
        made.action = action
        made.host = host(event)
        made.tag = target.text("tag").flatMap { $0.isEmpty ? nil : $0 }
        made.digest = target.text("digest")
        made.mediaType = target.text("mediaType")
        made.pusher = event.text("actor", "name")
        made.time = event.text("timestamp").flatMap(Timestamp.parseRFC3339)
        made.deliveryKey = event.text("id").map { "\(source.rawValue):\($0)" }
        if let platform = target["platform"], let os = platform.text("os"),
            let architecture = platform.text("architecture")
        {
            made.platforms = [
                [os, architecture, platform.text("variant")].compactMap { $0 }.joined(separator: "/")
            ]
        }
        return try made.payload(proof: nil)
    }

    /// The registry's host: that of `target.url`, else the `Host` the client used.
    static func host(_ event: JSONValue) -> String? {
        if let url = event.text("target", "url"), let host = URLParts.host(url) { return host }
        return event.text("request", "host").flatMap { $0.isEmpty ? nil : $0.lowercased() }
    }

    static func qualified(_ repository: String, host: String?) -> String {
        host.map { "\($0.lowercased())/\(repository)" } ?? repository
    }

    /// Whether the target is a manifest or index (blobs are `application/octet-stream` in 2.8,
    /// their real layer or config type later, and their URL says `/blobs/`).
    static func isManifest(_ target: JSONValue) -> Bool {
        if let url = target.text("url"), url.contains("/blobs/") { return false }
        let type = (target.text("mediaType") ?? "").lowercased()
        if type.isEmpty { return target.text("tag") != nil }
        return type.contains("manifest") || type.contains("index")
    }
}

/// The host of an absolute URL (`http://registry.internal:5000/v2/…` → `registry.internal:5000`).
public enum URLParts {
    public static func host(_ url: String) -> String? {
        guard let rest = afterScheme(url) else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return host.isEmpty ? nil : host.lowercased()
    }
}

extension URLParts {
    /// What follows `scheme://`; nil without one.
    static func afterScheme(_ url: String) -> Substring? {
        let utf8 = Array(url.utf8)
        guard utf8.count >= 3 else { return nil }
        for index in 0..<(utf8.count - 2)
        where utf8[index] == UInt8(ascii: ":") && utf8[index + 1] == UInt8(ascii: "/")
            && utf8[index + 2] == UInt8(ascii: "/")
        {
            return Substring(url.utf8.dropFirst(index + 3))
        }
        return nil
    }
}
