import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopSystem
import HubtopTUI

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop replay PATH`: feed a journal into the dashboard with its original timing, sped up.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Play a journal back into the dashboard with its original timing (for demos and post-mortems)."
    )

    @Argument(help: "The journal file (written by --journal).")
    var path: String

    @Option(help: "Play this many times faster than it happened.")
    var speed = 1.0

    @Option(help: "Shorten silences longer than this many seconds (after the speed-up).")
    var maxGap = 5.0

    @Flag(help: "Print the events instead of showing the dashboard.")
    var headless = false

    @Flag(help: "With --headless: NDJSON lines.")
    var json = false

    @Option(help: "Colour theme (as for the dashboard).")
    var theme: String?

    func validate() throws {
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        guard maxGap >= 0 else { throw ValidationError("--max-gap must not be negative") }
    }

    func run() async throws {
        var entries: [JournalReader.Entry] = []
        let report: JournalReader.Report
        do {
            report = try JournalReader.read(path) { entry in
                entries.append(entry)
                return true
            }
        } catch {
            throw fail("hubtop replay: \(error)")
        }
        Console.error("hubtop replay: \(entries.count) deliveries in \(path)\(report.skipped)")
        let store = EventStore(capacity: max(100_000, entries.count))
        let ingestor = Ingestor(store: store)
        // Nothing here must wait for the reader: a generous queue, flushed at the end.
        let output = LineQueue(descriptor: STDOUT_FILENO, maxBytes: 256 << 20)
        if headless {
            // Listening before the first event is fed, or it would go unprinted.
            let printer = HeadlessPrinter(store: store, json: json, output: output)
            store.observe { printer.print($0) }
        }
        let speed = self.speed
        let maxGap = self.maxGap
        let feed = entries
        let feeder = Task.detached {
            var previous = feed.first?.receivedAt ?? 0
            for entry in feed {
                let gap = min(maxGap, max(0, (entry.receivedAt - previous) / speed))
                previous = entry.receivedAt
                if gap > 0 { try? await Task.sleep(nanoseconds: UInt64(gap * 1e9)) }
                if Task.isCancelled { return }
                _ = ingestor.ingest(entry.body, receivedAt: WallClock.now())
            }
        }
        let signals = SignalRelay([SIGINT, SIGTERM, SIGHUP])
        if headless {
            // A signal ends the replay at once; there is nothing to flush.
            Task.detached {
                _ = await signals.next()
                Glibc.exit(0)
            }
            await feeder.value
            output.flush(within: 600)
            return
        }
        let selection = ThemeSelection.choose(theme ?? Environment.value("HUBTOP_THEME"))
        let options = DashboardOptions(
            webhookURL: "replay of \(path) at \(speed)×", repositoryFilter: "", themes: selection.themes,
            noColor: Environment.noColorRequested, startupMessage: selection.problem)
        for notice in await Dashboard.run(
            store: store, rejections: ingestor.rejections, options: options, signals: signals)
        {
            Console.error(notice)
        }
        feeder.cancel()
    }
}
