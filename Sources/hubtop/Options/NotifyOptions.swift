import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

/// `--notify`: a short chat message per new event.
struct NotifyOptions: ParsableArguments {
    @Option(
        name: .customLong("notify"),
        help: "Post a short message per new event to this chat webhook or ntfy topic URL (repeatable).")
    var notifyURLs: [String] = []

    @Option(help: "With --notify: slack, ntfy or json (default: ntfy for ntfy hosts, else slack).")
    var notifyFormat: String?

    @Option(help: "With --notify: the message, with {repo} {tag} {pusher} {digest} {link} {id} {time}.")
    var notifyTemplate: String?

    @Option(help: "With --notify: only repositories matching this pattern (as --repo).")
    var notifyFilter: String?

    @Option(help: "With --notify: messages a minute at most; beyond that events are skipped.")
    var notifyRate = 20.0
}

/// `NotifyOptions`, checked.
struct NotifySettings {
    let urls: [String]
    /// nil: chosen per URL from its host.
    let format: ChatMessage.Format?
    let template: String?
    let filter: String?
    let perMinute: Double

    init(_ options: NotifyOptions) throws(ValidationError) {
        for url in options.notifyURLs {
            do { _ = try HTTPPost.target(url) } catch { throw ValidationError("--notify \(url): \(error)") }
        }
        urls = options.notifyURLs
        if let name = options.notifyFormat {
            guard let format = ChatMessage.Format(rawValue: name) else {
                throw ValidationError("--notify-format takes slack, ntfy or json; got '\(name)'")
            }
            self.format = format
        } else {
            format = nil
        }
        guard options.notifyRate > 0 else { throw ValidationError("--notify-rate must be positive") }
        perMinute = options.notifyRate
        template = options.notifyTemplate
        filter = options.notifyFilter
    }
}
