import ArgumentParser
import HubtopCore
import HubtopDatabase
import HubtopIO
import HubtopServer
import HubtopSystem

#if canImport(Glibc)
    import Glibc
#endif

extension ExportFormat: ExpressibleByArgument {}

/// `hubtop export --journal PATH`: the journal's events as NDJSON or CSV, without a dashboard.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write the events of a journal or of the shared database as NDJSON or CSV, filtered (no listener)."
    )

    @Option(help: "The journal to read (written by --journal; a rotated PATH.1 is read first).")
    var journal: String?

    @Option(
        help:
            "The shared history to read instead: postgres://user:pass@host:port/db (or $HUBTOP_DATABASE_URL, or --database-url-file). Visible in ps as a flag: prefer the variable or the file."
    )
    var database: Secret?

    @Option(help: "Read the --database URL from this file.")
    var databaseUrlFile: String?

    @Option(
        help: "Only repositories matching: a case-insensitive substring, or a whole-name glob with * or ?.")
    var repo: String?

    @Option(help: "Only tags matching (substring, or glob with * or ?).")
    var tag: String?

    @Option(help: "Only pushers matching (substring, or glob with * or ?).")
    var pusher: String?

    @Option(
        help:
            "Only events received at or after T: an age (90m, 2h, 7d), a UTC time (2026-11-29T08:00:00Z) or Unix seconds."
    )
    var since: String?

    @Option(
        help:
            "ndjson (the headless --json line per event), csv, or curl (a command that sends each delivery again)."
    )
    var format = "ndjson"

    @Option(help: "Only the event with this id (as the ndjson export and the answer name it).")
    var id: UInt64?

    @Option(
        help:
            "With --format curl: where the commands post (default: this machine's hubtop, token from $HUBTOP_TOKEN)."
    )
    var url = "\"http://127.0.0.1:9876/hook/${HUBTOP_TOKEN}\""

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Flag(help: "With --output: replace an existing file.")
    var force = false

    func validate() throws {
        if journal != nil && (database != nil || databaseUrlFile != nil) {
            throw ValidationError("--journal or --database, not both")
        }
        do {
            _ = try SecretFile.either(database, "--database", file: databaseUrlFile, "--database-url-file")
        } catch {
            throw ValidationError("\(error)")
        }
        guard format == "curl" || ExportFormat(rawValue: format) != nil else {
            throw ValidationError("--format takes ndjson, csv or curl; got '\(format)'")
        }
        if format == "curl" && output != nil {
            throw ValidationError("--format curl writes to standard output")
        }
        if let since, Self.parseSince(since, now: 0) == nil {
            throw ValidationError(
                "--since wants an age such as 2h, a UTC time or Unix seconds; got '\(since)'")
        }
    }

    /// A start time from an age (`2h` ago), a UTC date-time, or Unix seconds.
    static func parseSince(_ text: String, now: Double) -> Double? {
        if let time = Timestamp.parseUTC(text) { return time }
        if let seconds = Double(text) { return seconds.isFinite ? seconds : nil }
        return DurationText.seconds(text).map { now - $0 }
    }

    func run() async throws {
        // Through the store, so redeliveries fold exactly as they did live.
        let store = EventStore(capacity: Int.max, groupWindow: 0)
        let ingestor = Ingestor(store: store)
        let start = since.flatMap { Self.parseSince($0, now: WallClock.now()) }
        var skipped = ""
        // For curl: each event's body as it was received (its first delivery).
        var bodies: [UInt64: [UInt8]] = [:]
        let keepBodies = format == "curl"
        let given = try SecretFile.either(
            database, "--database", file: databaseUrlFile, "--database-url-file")
        if let address = given ?? Environment.databaseURL.map({ Secret($0) }), journal == nil {
            do {
                let url = try DatabaseURL(parsing: address.reveal())
                try await DatabaseHistory.read(url, since: start) { body, receivedAt, deliveries in
                    guard case .success(let change) = ingestor.ingest(body, receivedAt: receivedAt),
                        case .appended(let id) = change
                    else { return }
                    if keepBodies { bodies[id] = body }
                    if deliveries > 1 { store.setDeliveries(id, deliveries, lastDeliveredAt: receivedAt) }
                }
            } catch {
                throw fail("hubtop export: \(error)")
            }
        } else {
            guard let journal else { throw fail("hubtop export: --journal PATH or --database URL") }
            guard access(journal, F_OK) == 0 || access(journal + ".1", F_OK) == 0 else {
                throw fail("hubtop export: no journal at \(journal)")
            }
            do {
                if keepBodies {
                    skipped = try JournalReader.read(journal) { entry in
                        if case .success(.appended(let id)) = ingestor.ingest(
                            entry.body, receivedAt: entry.receivedAt)
                        {
                            bodies[id] = entry.body
                        }
                        return true
                    }.skipped
                } else {
                    // Only the events: decoded on every core, as at start.
                    skipped = try JournalReplay.replay(journal, into: ingestor, delivery: nil).skipped
                }
            } catch {
                throw fail("hubtop export: \(error)")
            }
        }
        let events = selected(from: store, since: start)
        let summary = "hubtop export: \(events.count) of \(store.totals.events) events\(skipped)"
        if format == "curl" {
            // Commands to run, not data: to stdout, one per line.
            var writer = ChunkedWriter(fd: STDOUT_FILENO)
            for event in events {
                guard let body = bodies[event.id] else { continue }
                writer.append(
                    CurlCommand.command(body: body, url: url, deliveryID: event.delivery?.deliveryID))
            }
            writer.flush()
            Console.error(summary)
            if writer.failure != nil { throw ExitCode(1) }
            return
        }
        let format = ExportFormat(rawValue: self.format) ?? .ndjson
        if let output {
            switch ExportFile.write(Array(events), format: format, to: output, overwrite: force) {
            case .written: Console.error(summary + " written to \(output)")
            case .exists: throw fail("hubtop export: \(output) exists; --force replaces it")
            case .failed(_, let reason): throw fail("hubtop export: \(output): \(reason)")
            }
        } else {
            var writer = ChunkedWriter(fd: STDOUT_FILENO)
            writer.append(events, format: format)
            Console.error(summary)
            if writer.failure != nil { throw ExitCode(1) }
        }
    }

    /// The stored events the filters keep, oldest first.
    func selected(from store: EventStore, since start: Double?) -> [StoredEvent] {
        let patterns = (repo.map(NamePattern.init), tag.map(NamePattern.init), pusher.map(NamePattern.init))
        return store.events(limit: Int.max).events.reversed().filter { event in
            if let id, event.id != id { return false }
            if let start, event.receivedAt < start { return false }
            if let pattern = patterns.0, !pattern.matches(event.repoName) { return false }
            if let pattern = patterns.1, !pattern.matches(event.tag ?? "") { return false }
            if let pattern = patterns.2, !pattern.matches(event.pusher ?? "") { return false }
            return true
        }
    }
}
