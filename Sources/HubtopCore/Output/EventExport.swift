/// Files of events for other tools: NDJSON (the headless `--json` line per event) or CSV.
public enum ExportFormat: String, Sendable, CaseIterable {
    case ndjson
    case csv

    /// CSV for a `.csv` path, NDJSON otherwise.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".csv") ? .csv : .ndjson
    }

    /// The header line, if the format has one.
    public var header: String? {
        switch self {
        case .ndjson: return nil
        case .csv: return EventExport.csvColumns.joined(separator: ",")
        }
    }

    public func line(_ event: StoredEvent) -> String {
        switch self {
        case .ndjson: return EventFormatter.json(event)
        case .csv: return EventExport.csvRow(event)
        }
    }
}

public enum EventExport {
    static let csvColumns = [
        "id", "received_at", "pushed_at", "repository", "tag", "pusher", "deliveries", "images", "dockerfile",
        "source", "action", "digest",
    ]

    static func csvRow(_ event: StoredEvent) -> String {
        let fields: [String] = [
            String(event.id),
            isoTime(event.receivedAt),
            event.payload.pushedAt.map(isoTime) ?? "",
            csvField(event.repoName),
            csvField(event.tag ?? ""),
            csvField(event.pusher ?? ""),
            String(event.deliveries),
            csvField(event.payload.images.joined(separator: " ")),
            event.payload.repository.dockerfile == nil ? "no" : "yes",
            event.payload.source.rawValue,
            event.payload.action.rawValue,
            csvField(event.payload.origin?.digest ?? ""),
        ]
        return fields.joined(separator: ",")
    }

    static func isoTime(_ seconds: Double) -> String {
        String(Timestamp.utc(seconds).map { $0 == " " ? "T" : $0 })
    }

    /// One CSV cell from untrusted text. Controls (and so line breaks) become U+FFFD, as on screen,
    /// so every event is one physical line; a leading `=`, `+`, `-` or `@` gets a `'` so that a
    /// spreadsheet does not run it as a formula; quotes are doubled inside a quoted cell.
    public static func csvField(_ text: String) -> String {
        var cell = TerminalSanitizer.line(text, tabWidth: 1)
        if let first = cell.first, "=+-@".contains(first) { cell = "'" + cell }
        guard cell.contains(where: { $0 == "," || $0 == "\"" }) else { return cell }
        return "\"" + cell.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
