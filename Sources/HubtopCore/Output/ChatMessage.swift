/// `--notify`: the short message posted to a chat per matching event, and the body that carries
/// it for each kind of receiver.
public enum ChatMessage {
    /// `{repo}`, `{tag}`, `{pusher}`, `{digest}`, `{link}`, `{id}`, `{time}`.
    public static let defaultTemplate = "{repo}:{tag} pushed by {pusher} {digest} {link}"

    public enum Format: String, Sendable, CaseIterable {
        /// `{"text": …}`: Slack incoming webhooks and the many that copy them (Mattermost,
        /// Rocket.Chat, Discord's `/slack` endpoint).
        case slack
        /// The text as the body: ntfy topics.
        case ntfy
        /// `{"text": …, "event": {…}}`.
        case json

        /// From the URL's host when `--notify-format` is not given: ntfy for hosts named so,
        /// Slack's body otherwise.
        public static func guess(host: String) -> Format {
            host.lowercased().contains("ntfy") ? .ntfy : .slack
        }

        public var contentType: String { self == .ntfy ? "text/plain; charset=utf-8" : "application/json" }
    }

    /// The template filled in. Payload text is untrusted: each value is one line of visible
    /// characters (controls, bidi and invisible ones made visible), the link only when it is a
    /// plain http(s) URL, and the whole message at most 1,000 characters. For Slack's body (and
    /// the JSON one, whose `text` goes the same way) `&`, `<` and `>` in values are escaped as
    /// Slack documents, so that a pusher named `<!channel>` pings nobody; the template's own
    /// markup is the user's and stays. ntfy bodies are plain text (no `Markdown` header).
    public static func text(_ template: String, _ event: StoredEvent, digest: String?, format: Format = .ntfy)
        -> String
    {
        let link = event.payload.repository.repoURL.flatMap(ImageConfig.webURL) ?? ""
        let values: [String: String] = [
            "repo": event.repoName, "tag": event.tag ?? "(no tag)", "pusher": event.pusher ?? "?",
            "digest": digest.map { "(" + ImageFacts.short($0) + ")" } ?? "", "link": link,
            "id": String(event.id),
            "time": Timestamp.utc(event.pushedOrReceivedAt),
        ]
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                let line = TerminalSanitizer.line(value)
                out += format == .ntfy ? line : slackEscaped(line)
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        out += rest
        // Empty placeholders leave doubled spaces behind.
        while out.contains("  ") { out = out.replacingOccurrences(of: "  ", with: " ") }
        return String(out.trimmingCharacters().prefix(1000))
    }

    /// `&`, `<`, `>` as Slack's message formatting wants them escaped in text that is data.
    static func slackEscaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The request body for `format`.
    public static func body(_ text: String, _ event: StoredEvent, format: Format) -> [UInt8] {
        switch format {
        case .ntfy: return Array(text.utf8)
        case .slack, .json:
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("text")
            writer.string(text)
            if format == .json {
                writer.key("event")
                writer.raw(EventFormatter.json(event))
            }
            writer.endObject()
            return writer.bytes
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    fileprivate func trimmingCharacters() -> String {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
