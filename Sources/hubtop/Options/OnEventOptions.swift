import ArgumentParser
import HubtopIO
import HubtopServer

/// `--on-event`: a command run for each new event.
struct OnEventOptions: ParsableArguments {
    @Option(
        name: .customLong("on-event"),
        help: """
            Run this command for each new event (repeatable): no shell unless you write sh -c; the \
            event as JSON on stdin and HUBTOP_REPO, HUBTOP_TAG, HUBTOP_PUSHER, HUBTOP_DIGEST, \
            HUBTOP_EVENT_ID in its environment; one at a time per command.
            """)
    var onEvent: [String] = []

    @Option(help: "With --on-event: only repositories matching this pattern (as --repo).")
    var onEventFilter: String?

    @Option(help: "With --on-event: kill a command still running after this many seconds.")
    var onEventTimeout = 30.0
}

/// `OnEventOptions`, checked.
struct OnEventSettings {
    let commands: [String]
    let filter: String?
    let timeout: Double

    init(_ options: OnEventOptions) throws(ValidationError) {
        for command in options.onEvent {
            let words: [String]
            do { words = try EventCommand.words(command) } catch { throw ValidationError("\(error)") }
            if words.isEmpty { throw ValidationError("--on-event wants a command") }
        }
        guard options.onEventTimeout > 0 else { throw ValidationError("--on-event-timeout must be positive") }
        commands = options.onEvent
        filter = options.onEventFilter
        timeout = options.onEventTimeout
    }
}
