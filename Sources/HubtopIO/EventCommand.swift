import Dispatch
import HubtopCore
import HubtopServer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `--on-event CMD`: runs a command for each new event matching `--on-event-filter`, one at a
/// time, with the event as JSON on stdin and as `HUBTOP_*` variables in its environment — never
/// on its command line. The command line is split into words as a shell would (quotes and
/// backslashes) but nothing is expanded and no shell runs unless the user writes `sh -c`.
/// The outcome (exit status, the last lines of output) is recorded on the event as `on-event`.
public final class EventCommand: Sendable {
    public let arguments: [String]
    let filter: NamePattern?
    let store: EventStore
    let timeout: Double
    let queueLimit: Int
    /// Team mode: only for events whose first delivery this receiver committed, so that each
    /// runs once whichever receiver took it.
    let ownDeliveriesOnly: Bool
    private let queue = DispatchQueue(label: "hubtop.on-event")
    private let waiting = Mutex(0)
    private let dropped = Mutex(0)

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(
        _ command: String, filter: String?, store: EventStore, timeout: Double = 30, queueLimit: Int = 100,
        ownDeliveriesOnly: Bool = false
    ) throws(Failure) {
        arguments = try Self.words(command)
        guard !arguments.isEmpty else { throw Failure(description: "--on-event: an empty command") }
        self.filter = filter.map(NamePattern.init)
        self.store = store
        self.timeout = timeout
        self.queueLimit = queueLimit
        self.ownDeliveriesOnly = ownDeliveriesOnly
    }

    /// Runs the command for the store's new events from now on (for as long as the store
    /// lives: the store holds it).
    public func start() {
        store.observe { change in
            guard case .appended(let id) = change else { return }
            self.enqueue(id)
        }
    }

    /// Events not run because `queueLimit` were already waiting.
    public var droppedCount: Int { dropped.withLock { $0 } }

    /// `on-event notify.sh`: the program's file name.
    var name: String { "on-event " + (arguments.first?.split(separator: "/").last.map(String.init) ?? "") }

    func enqueue(_ id: UInt64) {
        guard let event = store.event(id: id) else { return }
        if let filter, !filter.matches(event.repoName) { return }
        if ownDeliveriesOnly, !DeliveryIDs.isOwn(event.delivery?.deliveryID) { return }
        let now = WallClock.now()
        let admitted = waiting.withLock { count -> Bool in
            guard count < queueLimit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            dropped.withLock { $0 += 1 }
            store.annotate(
                id,
                IntegrationOutcome(
                    name: name, state: .dropped, detail: "\(queueLimit) already waiting", at: now))
            return
        }
        store.annotate(id, IntegrationOutcome(name: name, state: .pending, at: now))
        queue.async {
            self.waiting.withLock { $0 -= 1 }
            self.store.annotate(id, self.run(event))
        }
    }

    /// Runs the command for one event and says how it went.
    func run(_ event: StoredEvent) -> IntegrationOutcome {
        let started = WallClock.now()
        let input = Array((EventFormatter.json(event) + "\n").utf8)
        var environment = Self.inheritedEnvironment()
        environment["HUBTOP_EVENT_ID"] = String(event.id)
        environment["HUBTOP_REPO"] = event.repoName
        environment["HUBTOP_TAG"] = event.tag ?? ""
        environment["HUBTOP_PUSHER"] = event.pusher ?? ""
        environment["HUBTOP_DIGEST"] = store.image(of: event.id)?.digest ?? ""
        let result = ChildProcess.run(arguments, input: input, environment: environment, timeout: timeout)
        let seconds = DurationText.oneDecimal(WallClock.now() - started)
        let tail = Self.lastLines(result.output)
        switch result.status {
        case .exited(0):
            return IntegrationOutcome(
                name: name, state: .delivered, attempts: 1, detail: "exit 0 in \(seconds) s" + tail,
                at: started)
        case .exited(let code):
            return IntegrationOutcome(
                name: name, state: .failed, attempts: 1, detail: "exit \(code) in \(seconds) s" + tail,
                at: started)
        case .signalled(let signal):
            return IntegrationOutcome(
                name: name, state: .failed, attempts: 1, detail: "killed by signal \(signal)" + tail,
                at: started)
        case .timedOut:
            return IntegrationOutcome(
                name: name, state: .failed, attempts: 1,
                detail: "killed after the \(DurationText.oneDecimal(timeout)) s timeout" + tail, at: started)
        case .notStarted(let reason):
            return IntegrationOutcome(name: name, state: .failed, detail: reason, at: started)
        }
    }

    /// `: last lines` of what the command printed (three, at most 300 characters), one line.
    static func lastLines(_ output: [UInt8]) -> String {
        let text = String(decoding: output.suffix(4096), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).suffix(3).map {
            TerminalSanitizer.line(String($0))
        }
        guard !lines.isEmpty else { return "" }
        return ": " + String(lines.joined(separator: " ⏎ ").suffix(300))
    }

    /// This process's environment less every `HUBTOP_` variable: those hold hubtop's secrets
    /// (`HUBTOP_TOKEN`, `HUBTOP_METRICS_TOKEN`, `HUBTOP_DATABASE_URL`, `HUBTOP_REGISTRY_TOKEN`, …),
    /// and the command gets its own `HUBTOP_*` values for the event.
    static func inheritedEnvironment(_ entries: [String] = ProcessEnvironment.entries()) -> [String: String] {
        ProcessEnvironment.all(entries).filter { !$0.key.hasPrefix("HUBTOP_") }
    }

    /// Words as a POSIX shell splits them — `'…'` literal, `"…"` with `\"` and `\\`, a backslash
    /// outside quotes escaping the next character — with nothing expanded.
    public static func words(_ command: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in command {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch quote {
            case "'"?:
                if character == "'" { quote = nil } else { current.append(character) }
            case "\""?:
                if character == "\"" {
                    quote = nil
                } else if character == "\\" {
                    escaped = true
                } else {
                    current.append(character)
                }
            default:
                if character == " " || character == "\t" || character == "\n" {
                    if inWord { words.append(current) }
                    current = ""
                    inWord = false
                } else if character == "'" || character == "\"" {
                    quote = character
                    inWord = true
                } else if character == "\\" {
                    escaped = true
                    inWord = true
                } else {
                    current.append(character)
                    inWord = true
                }
            }
        }
        if quote != nil || escaped { throw Failure(description: "--on-event: an unfinished quote or escape") }
        if inWord { words.append(current) }
        return words
    }
}
