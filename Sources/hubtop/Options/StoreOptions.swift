import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

/// What the store keeps and how long a redelivery folds; the journal that survives restarts.
struct StoreOptions: ParsableArguments {
    @Option(help: "Events kept in memory; the oldest are evicted beyond this.")
    var maxEvents = 100_000

    @Option(
        help:
            "Memory the stored events may hold (e.g. 512MiB, 2GiB); the oldest are evicted beyond this.")
    var maxMemory = "512MiB"

    @Option(
        help:
            "Memory (out of --max-memory) for the newest deliveries' raw requests, which the inspector (i) shows and r re-sends; 0 keeps none."
    )
    var keepRequests = "16MiB"

    @Option(
        help:
            "Deliveries of one repository and tag within this time of the first form one history row (0: off)."
    )
    var groupWindow = "2m"

    @Option(
        help: "Append every accepted delivery to this file before acknowledging it; replayed at start."
    )
    var journal: String?

    @Option(
        help: "With --journal: when to force writes to disk: always, interval (about every second), never.")
    var fsync = "interval"

    @Option(help: "With --journal: rotate to PATH.1 past this many bytes (0: never).")
    var journalMaxBytes = 0
}

/// `StoreOptions`, checked.
struct StoreSettings {
    struct JournalSettings {
        let path: String
        let fsync: FsyncPolicy
        let maxBytes: Int
    }

    let capacity: Int
    let memory: Int
    let keepRequests: Int
    let groupWindow: Double
    let journal: JournalSettings?

    init(_ options: StoreOptions) throws(ValidationError) {
        guard options.maxEvents > 0 else { throw ValidationError("--max-events must be positive") }
        capacity = options.maxEvents
        guard let memory = ByteSize.parse(options.maxMemory), memory >= 1 << 20 else {
            throw ValidationError(
                "--max-memory wants a size of at least 1MiB such as 512MiB or 2GiB; got '\(options.maxMemory)'"
            )
        }
        self.memory = memory
        guard let keep = ByteSize.parse(options.keepRequests) else {
            throw ValidationError(
                "--keep-requests wants a size such as 16MiB, or 0; got '\(options.keepRequests)'")
        }
        keepRequests = keep
        guard let window = DurationText.seconds(options.groupWindow) else {
            throw ValidationError(
                "--group-window wants a duration such as 2m, 90s or 0; got '\(options.groupWindow)'")
        }
        groupWindow = window
        guard let fsync = FsyncPolicy(rawValue: options.fsync) else {
            throw ValidationError("--fsync takes always, interval or never")
        }
        guard options.journalMaxBytes >= 0 else {
            throw ValidationError("--journal-max-bytes must not be negative")
        }
        journal = options.journal.map {
            JournalSettings(path: $0, fsync: fsync, maxBytes: options.journalMaxBytes)
        }
    }

    /// The store, with the raw requests' share (`--keep-requests`, at most half) taken out of the
    /// events' budget — none when there is no listener to receive requests.
    func makeStore(listens: Bool) -> EventStore {
        let requestMemory = listens ? min(keepRequests, memory / 2) : 0
        return EventStore(
            capacity: capacity, groupWindow: groupWindow, memoryBudget: memory - requestMemory,
            requestBudget: requestMemory)
    }
}
