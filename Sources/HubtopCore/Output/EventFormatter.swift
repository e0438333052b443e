/// Renders stored events for headless output: one human line, or one NDJSON object.
public enum EventFormatter {
    /// `2026-11-29 08:10:01Z  acme/api:v1.2.3  by alice  2 images  [repairs: …]`
    public static func line(_ event: StoredEvent) -> String {
        var parts = [
            Timestamp.utc(event.pushedOrReceivedAt),
            TerminalSanitizer.line(event.repoName + ":" + (event.tag ?? "(no tag)")),
            "by " + TerminalSanitizer.line(event.pusher ?? "(unknown)"),
            "\(event.payload.images.count) image" + (event.payload.images.count == 1 ? "" : "s"),
        ]
        if let origin = event.payload.origin {
            parts.append("[\(origin.source.marker)]")
            if origin.action != .push { parts.append(origin.action.rawValue) }
            if let scan = origin.scan { parts.append("scan: " + scan.text) }
        }
        if event.deliveries > 1 { parts.append("delivery ×\(event.deliveries)") }
        if event.payload.repository.dockerfile != nil { parts.append("dockerfile") }
        if !event.payload.repairs.isEmpty {
            parts.append(
                "[repairs: " + TerminalSanitizer.line(event.payload.repairs.joined(separator: "; ")) + "]")
        }
        return "#\(event.id)  " + parts.joined(separator: "  ")
    }

    public static func json(_ event: StoredEvent) -> String {
        // Read by people too (a terminal tailing the output): nothing in it may act on a terminal.
        var writer = JSONWriter(escapesUnsafeText: true)
        writer.beginObject()
        writeFields(event, &writer)
        writer.endObject()
        return writer.text
    }

    /// The members of `json`'s object (the event stream writes them and adds its own).
    static func writeFields(_ event: StoredEvent, _ writer: inout JSONWriter) {
        writer.key("id")
        writer.integer(Int(event.id))
        writer.key("received_at")
        writer.number(event.receivedAt)
        writer.key("pushed_at")
        writer.number(event.payload.pushedAt)
        writer.key("repo_name")
        writer.string(event.repoName)
        writer.key("namespace")
        writer.string(event.payload.repository.namespace)
        writer.key("name")
        writer.string(event.payload.repository.name)
        writer.key("tag")
        writer.string(event.tag)
        writer.key("pusher")
        writer.string(event.pusher)
        writer.key("images")
        writer.beginArray()
        for image in event.payload.images { writer.string(image) }
        writer.endArray()
        writer.key("source")
        writer.string(event.payload.source.rawValue)
        writer.key("action")
        writer.string(event.payload.action.rawValue)
        if let origin = event.payload.origin { writeOrigin(origin, &writer) }
        writer.key("dockerfile_present")
        writer.bool(event.payload.repository.dockerfile != nil)
        writer.key("deliveries")
        writer.integer(event.deliveries)
        writer.key("repairs")
        writer.beginArray()
        for repair in event.payload.repairs { writer.string(repair) }
        writer.endArray()
    }

    /// What another registry's event adds: its host, digest, platforms, proof and scan.
    static func writeOrigin(_ origin: SourceFacts, _ writer: inout JSONWriter) {
        for (key, value) in [
            ("registry", origin.host), ("digest", origin.digest), ("verified_by", origin.proof?.rawValue),
            ("source_url", origin.sourceURL), ("revision", origin.revision),
        ] {
            guard let value else { continue }
            writer.key(key)
            writer.string(value)
        }
        if !origin.platforms.isEmpty {
            writer.key("platforms")
            writer.beginArray()
            for platform in origin.platforms { writer.string(platform) }
            writer.endArray()
        }
        if let scan = origin.scan {
            writer.key("scan")
            writer.beginObject()
            writer.key("severity")
            writer.string(scan.severity)
            for (severity, count) in scan.counts {
                writer.key(severity.lowercased())
                writer.integer(count)
            }
            writer.endObject()
        }
    }
}
