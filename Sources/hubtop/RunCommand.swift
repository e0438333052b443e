import ArgumentParser
import Dispatch
import HubtopCore
import HubtopListener
import HubtopTUI

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop [options]`: the listener plus the dashboard (or headless output).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Listen for Docker Hub webhooks and show them (the default command)."
    )

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:9876"

    @Option(help: "Secret path token for POST /hook/<token> (default: $HUBTOP_TOKEN, else random).")
    var token: String?

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBody = 1 << 20

    @Option(help: "Events kept in memory; the oldest are evicted beyond this.")
    var maxEvents = 100_000

    @Option(help: "Close connections idle for this many seconds.")
    var idleTimeout = 60

    @Option(help: "A request must arrive whole within this many seconds of its first byte (else 408).")
    var requestTimeout = 10

    @Option(help: "Open connections beyond this are refused at once (429).")
    var maxConnections = 1024

    @Option(help: "Requests a second per source address, bursts of twice that (429 beyond; 0: unlimited).")
    var rateLimit = 100.0

    @Flag(help: "Run without the dashboard: print one line per event to stdout.")
    var headless = false

    @Flag(help: "With --headless: print NDJSON instead of text.")
    var json = false

    @Flag(help: "Feed a synthetic stream of realistic events.")
    var demo = false

    @Option(help: "Events per second for --demo.")
    var demoRate = 2.0

    @Option(help: "Start the dashboard with this repository filter (substring).")
    var repo: String?

    @Option(
        help: "Colour theme: a name from `hubtop themes` or a path to a .toml file (default: $HUBTOP_THEME).")
    var theme: String?

    @Flag(help: "No colour at all, emphasis only (also when $NO_COLOR is set and not empty).")
    var noColor = false

    @Option(
        help: "Append every accepted delivery to this NDJSON file before acknowledging it; replayed at start."
    )
    var journal: String?

    @Option(
        help: "With --journal: when to force writes to disk: always, interval (about every second), never.")
    var fsync = "interval"

    @Option(help: "With --journal: rotate to PATH.1 past this many bytes (0: never).")
    var journalMaxBytes = 0

    @Option(
        help:
            "Deliveries of one repository and tag within this time of the first form one history row (0: off)."
    )
    var groupWindow = "2m"

    @Option(help: "Mark repositories with no push for this long (e.g. 6h, 7d).")
    var stale: String?

    @Flag(help: "Ring the terminal bell on new events that match the filter (b toggles it).")
    var bell = false

    @Option(
        name: .customLong("forward"),
        help:
            "Relay each accepted delivery to this URL (repeatable), with retries, never delaying the answer.")
    var forwardURLs: [String] = []

    @Option(help: "With --forward: deliveries waiting per target before new ones are dropped.")
    var forwardQueue = 1000

    @Option(
        help: "With --forward: attempts per delivery (with exponential backoff from 0.5 s, at most 30 s).")
    var forwardAttempts = 5

    @Option(
        name: .customLong("allow-repo"),
        help: "Accept deliveries only for repositories matching this glob (repeatable); others get 403.")
    var allowedRepositories: [String] = []

    @Flag(help: "Believe X-Forwarded-For for the client address (only behind a proxy you run).")
    var trustProxy = false

    @Flag(help: "Serve GET /metrics without the bearer token (it names your repositories).")
    var metricsPublic = false

    @Option(help: "Legacy callbacks: success (report each new event to its callback_url) or off.")
    var callback = "off"

    @Option(
        name: .customLong("callback-host"),
        help: "Hosts callbacks may go to, over https (repeatable; default registry.hub.docker.com).")
    var callbackHosts: [String] = []

    @Flag(help: .hidden)
    var callbackAllowHTTP = false

    func validate() throws {
        guard ListenerConfiguration.parseListenAddress(listen) != nil else {
            throw ValidationError("--listen wants HOST:PORT, got '\(listen)'")
        }
        guard maxEvents > 0 else { throw ValidationError("--max-events must be positive") }
        guard maxBody > 0 else { throw ValidationError("--max-body must be positive") }
        guard demoRate > 0, demoRate <= 10_000 else {
            throw ValidationError("--demo-rate must be in (0, 10000]")
        }
        if json && !headless { throw ValidationError("--json goes with --headless") }
        guard FsyncPolicy(rawValue: fsync) != nil else {
            throw ValidationError("--fsync takes always, interval or never")
        }
        guard requestTimeout > 0, idleTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        guard journalMaxBytes >= 0 else { throw ValidationError("--journal-max-bytes must not be negative") }
        guard DurationText.seconds(groupWindow) != nil else {
            throw ValidationError(
                "--group-window wants a duration such as 2m, 90s or 0; got '\(groupWindow)'")
        }
        guard callback == "off" || callback == "success" else {
            throw ValidationError("--callback takes success or off")
        }
        for url in forwardURLs {
            do { _ = try HTTPPost.target(url) } catch { throw ValidationError("--forward \(url): \(error)") }
        }
        guard forwardQueue > 0, forwardAttempts > 0 else {
            throw ValidationError("--forward-queue and --forward-attempts must be positive")
        }
        if let stale, (DurationText.seconds(stale) ?? 0) <= 0 {
            throw ValidationError("--stale wants a positive duration such as 6h or 7d; got '\(stale)'")
        }
    }

    func run() async throws {
        let address = ListenerConfiguration.parseListenAddress(listen)!
        // Headless: signals end the run; from the very start, so none is lost.
        let trap = headless ? SignalTrap([SIGINT, SIGTERM]) : nil
        let secret =
            token ?? Environment.value("HUBTOP_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
            ?? WebhookToken.random()
        let store = EventStore(capacity: maxEvents, groupWindow: DurationText.seconds(groupWindow) ?? 120)
        let allowlist = allowedRepositories.isEmpty ? nil : RepositoryAllowlist(allowedRepositories)
        let ingestor = Ingestor(store: store, allowlist: allowlist)
        let metrics = ListenerMetrics()
        var configuration = ListenerConfiguration(
            host: address.host, port: address.port, token: secret, maxBodyBytes: maxBody,
            idleTimeout: .seconds(Int64(idleTimeout)))
        configuration.requestTimeout = .seconds(Int64(requestTimeout))
        configuration.maxConnections = maxConnections
        configuration.rateLimit = rateLimit > 0 ? rateLimit : nil
        configuration.trustProxy = trustProxy
        configuration.metrics = metrics
        configuration.metricsPublic = metricsPublic
        var forwardPolicy = Forwarder.Policy()
        forwardPolicy.queueLimit = forwardQueue
        forwardPolicy.maxAttempts = forwardAttempts
        let forwarder =
            forwardURLs.isEmpty
            ? nil : try Forwarder(urls: forwardURLs, policy: forwardPolicy, store: store, metrics: metrics)
        configuration.forwarder = forwarder
        var callbackPolicy = CallbackSender.Policy()
        if !callbackHosts.isEmpty { callbackPolicy.allowedHosts = Set(callbackHosts.map { $0.lowercased() }) }
        callbackPolicy.allowPlainHTTP = callbackAllowHTTP
        let callbacks = CallbackSender(policy: callbackPolicy, store: store, metrics: metrics)
        configuration.callbacks = callbacks
        configuration.autoCallback = callback == "success" ? .success : nil
        if let journal {
            try JournalRestore.replay(journal, into: ingestor)
            do {
                configuration.journal = try Journal(
                    path: journal, policy: FsyncPolicy(rawValue: fsync) ?? .interval,
                    maxBytes: journalMaxBytes)
            } catch {
                throw fail("hubtop: \(error)")
            }
        }
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        let port: Int
        do {
            port = try await server.start()
        } catch {
            await server.shutdown()
            throw fail("hubtop: cannot listen on \(listen): \(error)")
        }
        let hostForURL = address.host.contains(":") ? "[\(address.host)]" : address.host
        let webhookURL = "http://\(hostForURL):\(port)/hook/\(secret)"
        let demoTask = demo ? DemoRunner.start(ingestor: ingestor, rate: demoRate) : nil
        forwarder?.start()

        if headless {
            Console.error("hubtop: listening; webhook URL: \(webhookURL)")
            let printer = HeadlessPrinter(store: store, json: json)
            store.observe { printer.print($0) }
            _ = await trap?.wait()
            trap?.release()
        } else {
            let masked = "http://\(hostForURL):\(port)/hook/\(WebhookToken.masked(secret))"
            // The full URL goes to stderr before the screen is taken over, and again after it is
            // restored, so it can be copied.
            Console.error("hubtop: webhook URL: \(webhookURL)")
            let selection = ThemeSelection.choose(theme ?? Environment.value("HUBTOP_THEME"))
            for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
            if let problem = selection.problem { Console.error("hubtop: \(problem)") }
            var dashboard = DashboardOptions(
                webhookURL: masked, repositoryFilter: repo ?? "", themes: selection.themes,
                noColor: noColor || Environment.noColorRequested,
                startupMessage: selection.problem)
            dashboard.staleAfter = stale.flatMap(DurationText.seconds)
            dashboard.bell = bell
            dashboard.sendCallback = { id, state in
                guard let state = CallbackSender.State(rawValue: state) else { return }
                Task { await callbacks.send(eventID: id, state: state) }
            }
            let notices = Dashboard.run(store: store, rejections: ingestor.rejections, options: dashboard)
            for notice in notices { Console.error(notice) }
            // Said again now that the screen is back: the dashboard covered the first telling.
            for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
            Console.error("hubtop: webhook URL was: \(webhookURL)")
        }
        demoTask?.cancel()
        await server.shutdown()
        forwarder?.stop()
    }
}
