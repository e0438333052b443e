import ArgumentParser
import Dispatch
import HubtopCore
import HubtopDatabase
import HubtopListener
import HubtopSystem
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

    @Option(
        help: "Address to listen on, HOST:PORT (port 0 picks a free one); none: only watch (with --database)."
    )
    var listen = "127.0.0.1:9876"

    @Option(
        help:
            "Secret path token for POST /hook/<token>, at least 16 characters (default: $HUBTOP_TOKEN, else the one kept in ~/.local/state/hubtop/token). A flag's value is visible to other users in ps: prefer $HUBTOP_TOKEN or --token-file."
    )
    var token: Secret?

    @Option(help: "Read the webhook token from this file (systemd credentials, Docker secrets).")
    var tokenFile: String?

    @Option(
        help:
            "Bearer token for GET /metrics, at least 16 characters (default: $HUBTOP_METRICS_TOKEN; without one /metrics is closed). Visible in ps as a flag: prefer the variable or --metrics-token-file."
    )
    var metricsToken: Secret?

    @Option(help: "Read the metrics token from this file.")
    var metricsTokenFile: String?

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBody = 1 << 20

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

    @Flag(help: "Y copies curl commands with the real webhook token instead of ${HUBTOP_TOKEN}.")
    var copyToken = false

    @Option(help: "Close connections idle for this many seconds.")
    var idleTimeout = 60

    @Option(help: "A request must arrive whole within this many seconds of its first byte (else 408).")
    var requestTimeout = 10

    @Option(help: "A new connection must send its first byte within this many seconds (else it is closed).")
    var firstByteTimeout = 5

    @Option(help: "Open connections beyond this are refused at once (429).")
    var maxConnections = 1024

    @Option(help: "Open connections per source address (not applied with --trust-proxy).")
    var maxConnectionsPerAddress = 64

    @Option(
        help:
            "Requests without the webhook token a second per source address, bursts of twice that; an address beyond it gets 429 for a minute (0: unlimited). Deliveries with the token are never limited."
    )
    var rateLimit = 20.0

    @Flag(help: "Run without the dashboard: print one line per event to stdout.")
    var headless = false

    @Flag(help: "With --headless: print NDJSON instead of text.")
    var json = false

    @Flag(help: "Feed a synthetic stream of realistic events.")
    var demo = false

    @Option(help: "Events per second for --demo.")
    var demoRate = 2.0

    @Option(
        help: "Start the dashboard with this repository filter (substring, or whole-name glob with * or ?).")
    var repo: String?

    @Option(
        help: "Colour theme: a name from `hubtop themes` or a path to a .toml file (default: $HUBTOP_THEME).")
    var theme: String?

    @Flag(help: "No colour at all, emphasis only (also when $NO_COLOR is set and not empty).")
    var noColor = false

    @Option(
        help: "Append every accepted delivery to this file before acknowledging it; replayed at start."
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

    @Option(help: "With --forward: body bytes waiting per target before new ones are dropped (e.g. 64MiB).")
    var forwardQueueBytes = "64MiB"

    @Option(
        help: "With --forward: attempts per delivery (with exponential backoff from 0.5 s, at most 30 s).")
    var forwardAttempts = 5

    @Option(
        name: .customLong("allow-repo"),
        help: "Accept deliveries only for repositories matching this glob (repeatable); others get 403.")
    var allowedRepositories: [String] = []

    @Flag(help: "Believe X-Forwarded-For for the client address (only behind a proxy you run).")
    var trustProxy = false

    @Flag(help: "Serve GET /metrics without a bearer token (it names your repositories).")
    var metricsPublic = false

    @Option(help: "The registry to read images from (Docker Hub's by default; a mirror, or a local one).")
    var registry = "https://registry-1.docker.io"

    @Option(
        help: """
            When to ask the registry about pushed images: on-demand (opening the Dockerfile or \
            the detail of an event without a Dockerfile), auto (also a HEAD per new delivery for its \
            digest), off (never). Default: on-demand, off with --demo.
            """)
    var enrich: String?

    @Option(
        help:
            "Registry requests allowed per hour: manifest GETs (what Docker Hub counts against pull limits) and, at most half, the HEADs of --enrich auto."
    )
    var registryBudget = 16

    @Option(
        help: """
            Team mode: the shared history in PostgreSQL, postgres://user:pass@host:port/db[?sslmode=require] \
            (or $HUBTOP_DATABASE_URL, or --database-url-file). Deliveries are committed there before they \
            are answered. Visible in ps as a flag: prefer the variable or the file.
            """)
    var database: Secret?

    @Option(help: "Read the --database URL from this file (systemd credentials, Docker secrets).")
    var databaseUrlFile: String?

    @Option(
        help:
            "With --database: delete events received longer ago than this (e.g. 30d); one receiver at a time."
    )
    var retain: String?

    @Option(help: "With --database: deliveries per transaction at most (1: a transaction each).")
    var commitGroup = 500

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

    /// `--database` or `--database-url-file`, else `$HUBTOP_DATABASE_URL`.
    func databaseAddress() throws(SecretFile.Failure) -> Secret? {
        try SecretFile.either(database, "--database", file: databaseUrlFile, "--database-url-file")
            ?? Environment.databaseURL.map { Secret($0) }
    }

    /// `--token` or `--token-file`, if either was given.
    func givenToken() throws(SecretFile.Failure) -> Secret? {
        try SecretFile.either(token, "--token", file: tokenFile, "--token-file")
    }

    /// `--metrics-token` or `--metrics-token-file`, if either was given.
    func givenMetricsToken() throws(SecretFile.Failure) -> Secret? {
        try SecretFile.either(metricsToken, "--metrics-token", file: metricsTokenFile, "--metrics-token-file")
    }

    /// `--listen none`: a viewer of the shared history, with no listener of its own.
    var listens: Bool { listen != "none" }

    /// `--enrich`, with `--demo`'s made-up repositories left alone unless asked.
    var enrichment: EnrichmentMode {
        enrich.flatMap(EnrichmentMode.init(rawValue:)) ?? (demo ? .off : .onDemand)
    }

    func validate() throws {
        guard !listens || ListenerConfiguration.parseListenAddress(listen) != nil else {
            throw ValidationError("--listen wants HOST:PORT (or none, with --database), got '\(listen)'")
        }
        let address: Secret?
        do { address = try databaseAddress() } catch { throw ValidationError("\(error)") }
        if let address {
            do { _ = try DatabaseURL(parsing: address.reveal()) } catch {
                throw ValidationError("--database: \(error)")
            }
            if journal != nil { throw ValidationError("--database keeps the history; leave out --journal") }
            if demo { throw ValidationError("--demo feeds the local store only; leave out --database") }
        } else {
            if !listens { throw ValidationError("--listen none watches a shared history: give --database") }
            if retain != nil { throw ValidationError("--retain goes with --database") }
        }
        if let retain, (DurationText.seconds(retain) ?? 0) <= 0 {
            throw ValidationError("--retain wants a positive duration such as 30d; got '\(retain)'")
        }
        guard commitGroup > 0 else { throw ValidationError("--commit-group must be positive") }
        for command in onEvent {
            let words: [String]
            do { words = try EventCommand.words(command) } catch { throw ValidationError("\(error)") }
            if words.isEmpty { throw ValidationError("--on-event wants a command") }
        }
        guard onEventTimeout > 0 else { throw ValidationError("--on-event-timeout must be positive") }
        for url in notifyURLs {
            do { _ = try HTTPPost.target(url) } catch { throw ValidationError("--notify \(url): \(error)") }
        }
        if let notifyFormat, ChatMessage.Format(rawValue: notifyFormat) == nil {
            throw ValidationError("--notify-format takes slack, ntfy or json; got '\(notifyFormat)'")
        }
        guard notifyRate > 0 else { throw ValidationError("--notify-rate must be positive") }
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
        do {
            if let token = try givenToken(),
                let problem = WebhookToken.problem(with: token.reveal(), name: tokenFile ?? "--token")
            {
                throw ValidationError(problem)
            }
            if let metricsToken = try givenMetricsToken(),
                let problem = WebhookToken.problem(
                    with: metricsToken.reveal(), name: metricsTokenFile ?? "--metrics-token")
            {
                throw ValidationError(problem)
            }
        } catch let failure as SecretFile.Failure {
            throw ValidationError("\(failure)")
        }
        guard let budget = ByteSize.parse(maxMemory), budget >= 1 << 20 else {
            throw ValidationError(
                "--max-memory wants a size of at least 1MiB such as 512MiB or 2GiB; got '\(maxMemory)'")
        }
        guard ByteSize.parse(keepRequests) != nil else {
            throw ValidationError("--keep-requests wants a size such as 16MiB, or 0; got '\(keepRequests)'")
        }
        guard firstByteTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        guard maxConnectionsPerAddress > 0 else {
            throw ValidationError("--max-connections-per-address must be positive")
        }
        for url in forwardURLs {
            do { _ = try HTTPPost.target(url) } catch { throw ValidationError("--forward \(url): \(error)") }
        }
        guard ByteSize.parse(forwardQueueBytes) != nil else {
            throw ValidationError(
                "--forward-queue-bytes wants a size such as 64MiB; got '\(forwardQueueBytes)'")
        }
        guard forwardQueue > 0, forwardAttempts > 0 else {
            throw ValidationError("--forward-queue and --forward-attempts must be positive")
        }
        if let enrich, EnrichmentMode(rawValue: enrich) == nil {
            throw ValidationError("--enrich takes on-demand, auto or off; got '\(enrich)'")
        }
        guard registryBudget >= 0 else { throw ValidationError("--registry-budget must not be negative") }
        do { _ = try HTTPPost.target(registry) } catch {
            throw ValidationError("--registry \(registry): \(error)")
        }
        if let stale, (DurationText.seconds(stale) ?? 0) <= 0 {
            throw ValidationError("--stale wants a positive duration such as 6h or 7d; got '\(stale)'")
        }
    }

    func run() async throws {
        let address = ListenerConfiguration.parseListenAddress(listens ? listen : "127.0.0.1:0")!
        // Headless: signals end the run; from the very start, so none is lost.
        // Signals end the run, dashboard or headless; caught from the very start, so none is lost.
        let signals = SignalRelay([SIGINT, SIGTERM, SIGHUP])
        defer { signals.release() }
        for file in [tokenFile, metricsTokenFile, databaseUrlFile].compactMap({ $0 }) {
            if let warning = SecretFile.exposure(of: file) { Console.error(warning) }
        }
        let secret =
            try givenToken()?.reveal() ?? Self.secretFromEnvironment("HUBTOP_TOKEN") ?? Self.keptToken()
        let metricsSecret =
            try givenMetricsToken()?.reveal() ?? Self.secretFromEnvironment("HUBTOP_METRICS_TOKEN")
        if metricsSecret == secret {
            throw fail("hubtop: the metrics token must differ from the webhook token")
        }
        let memory = ByteSize.parse(maxMemory) ?? 512 << 20
        let requestMemory = listens ? min(ByteSize.parse(keepRequests) ?? 0, memory / 2) : 0
        let store = EventStore(
            capacity: maxEvents, groupWindow: DurationText.seconds(groupWindow) ?? 120,
            memoryBudget: memory - requestMemory, requestBudget: requestMemory)
        let allowlist = allowedRepositories.isEmpty ? nil : RepositoryAllowlist(allowedRepositories)
        let ingestor = Ingestor(store: store, allowlist: allowlist)
        let metrics = ListenerMetrics()
        var configuration = ListenerConfiguration(
            host: address.host, port: address.port, token: secret, maxBodyBytes: maxBody,
            idleTimeout: .seconds(Int64(idleTimeout)))
        configuration.requestTimeout = .seconds(Int64(requestTimeout))
        configuration.firstByteTimeout = .seconds(Int64(firstByteTimeout))
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerAddress = maxConnectionsPerAddress
        configuration.metricsToken = metricsSecret
        configuration.rateLimit = rateLimit > 0 ? rateLimit : nil
        configuration.trustProxy = trustProxy
        configuration.metrics = metrics
        configuration.metricsPublic = metricsPublic
        let outcomes = Outcomes(store: store)
        var forwardPolicy = Forwarder.Policy()
        forwardPolicy.queueLimit = forwardQueue
        forwardPolicy.maxAttempts = forwardAttempts
        forwardPolicy.queueByteLimit = ByteSize.parse(forwardQueueBytes) ?? forwardPolicy.queueByteLimit
        let forwarder =
            forwardURLs.isEmpty
            ? nil
            : try Forwarder(
                urls: forwardURLs, policy: forwardPolicy, store: store, metrics: metrics,
                origin: configuration.origin, outcomes: outcomes)
        configuration.forwarder = forwarder
        let output = headless ? LineQueue(descriptor: STDOUT_FILENO) : nil
        configuration.output = output
        var openJournal: Journal?
        if let journal {
            let replayed = try JournalRestore.replay(journal, into: ingestor)
            do {
                openJournal = try Journal(
                    path: journal, policy: FsyncPolicy(rawValue: fsync) ?? .interval,
                    maxBytes: journalMaxBytes, validEnd: replayed?.validEnd,
                    tailHoldsRecords: replayed?.tailHoldsRecords ?? false)
            } catch {
                throw fail("hubtop: \(error)")
            }
            if let notice = openJournal?.notice { Console.error("hubtop: \(notice)") }
            configuration.durability = openJournal.map { JournalDurability($0, ingestor) }
        }
        let team = try await TeamMode.start(
            self, store: store, outcomes: outcomes, configuration: &configuration)
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        var port = 0
        if listens {
            do {
                port = try await server.start()
            } catch {
                await server.shutdown()
                await team?.stop()
                throw fail("hubtop: cannot listen on \(listen): \(error)")
            }
        }
        let hostForURL = address.host.contains(":") ? "[\(address.host)]" : address.host
        let webhookURL = "http://\(hostForURL):\(port)/hook/\(secret)"
        let images = enrichment == .off ? nil : imageService(store: store)
        let commands = try onEvent.map { command in
            try EventCommand(
                command, filter: onEventFilter, store: store, timeout: onEventTimeout,
                ownDeliveriesOnly: team != nil)
        }
        for command in commands { command.start() }
        let notifier =
            notifyURLs.isEmpty
            ? nil
            : try Notifier(
                urls: notifyURLs, format: notifyFormat.flatMap(ChatMessage.Format.init(rawValue:)),
                template: notifyTemplate, filter: notifyFilter, perMinute: notifyRate, store: store,
                metrics: metrics, ownDeliveriesOnly: team != nil)
        notifier?.start()
        let demoTask = demo ? DemoRunner.start(ingestor: ingestor, rate: demoRate) : nil
        forwarder?.start()

        if headless {
            if listens {
                Console.error("hubtop: listening; webhook URL: \(webhookURL)")
            } else if let team {
                Console.error("hubtop: watching \(team.url)")
            }
            if let output {
                let printer = HeadlessPrinter(store: store, json: json, output: output)
                store.observe { printer.print($0) }
            }
            _ = await signals.next()
        } else {
            let masked =
                listens
                ? "http://\(hostForURL):\(port)/hook/\(WebhookToken.masked(secret))"
                : "watching " + (team.map { "\($0.url)" } ?? "")
            // The full URL goes to stderr before the screen is taken over, and again after it is
            // restored, so it can be copied.
            if listens { Console.error("hubtop: webhook URL: \(webhookURL)") }
            let selection = ThemeSelection.choose(theme ?? Environment.value("HUBTOP_THEME"))
            for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
            if let problem = selection.problem { Console.error("hubtop: \(problem)") }
            var dashboard = DashboardOptions(
                webhookURL: masked, repositoryFilter: repo ?? "", themes: selection.themes,
                noColor: noColor || Environment.noColorRequested,
                startupMessage: selection.problem)
            dashboard.staleAfter = stale.flatMap(DurationText.seconds)
            dashboard.bell = bell
            // Why deliveries are being refused, in the header, while it lasts.
            let journal = openJournal
            let status = team?.status
            dashboard.problem = {
                journal?.problem ?? status?.problem(now: WallClock.now()) ?? images?.notice()
            }
            dashboard.enrichment = enrichment
            if let images { dashboard.lookUpImage = { images.lookUp($0, completion: $1) } }
            if listens {
                let resender = Resender(
                    store: store, forwardURLs: forwardURLs, listener: (address.host, port),
                    origin: configuration.origin)
                dashboard.resend = { resender.resend(eventID: $0, request: $1, to: $2) }
                dashboard.forwardTargets = forwardURLs.compactMap { try? HTTPPost.target($0).authority }
            }
            let curlHost = address.host == "0.0.0.0" || address.host == "::" ? "127.0.0.1" : hostForURL
            dashboard.curlURL =
                copyToken
                ? CurlCommand.quoted(Array("http://\(curlHost):\(port)/hook/\(secret)".utf8))
                : "\"http://\(curlHost):\(port)/hook/${HUBTOP_TOKEN}\""
            if StatePaths.makeDirectory(StatePaths.stateDirectory) {
                dashboard.clipboardFile = StatePaths.stateDirectory + "/clipboard.txt"
            }
            let notices = await Dashboard.run(
                store: store, rejections: ingestor.rejections, options: dashboard, signals: signals)
            for notice in notices { Console.error(notice) }
            // Said again now that the screen is back: the dashboard covered the first telling.
            for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
            if listens { Console.error("hubtop: webhook URL was: \(webhookURL)") }
        }
        demoTask?.cancel()
        await server.shutdown()
        await team?.stop()
        forwarder?.stop()
        notifier?.stop()
        // A reader that stopped reading must not keep the process from exiting.
        output?.flush(within: 2)
    }

    /// The registry client and the lookups `--enrich` allows, with credentials from the
    /// environment or `~/.docker/config.json` (said on stderr, the secret never).
    func imageService(store: EventStore) -> ImageService {
        var credentials = RegistryCredentials.fromEnvironment(
            ["HUBTOP_REGISTRY_USER", "HUBTOP_REGISTRY_TOKEN"].reduce(into: [:]) {
                $0[$1] = Environment.value($1)
            })
        if credentials == nil {
            let path =
                (Environment.value("DOCKER_CONFIG") ?? ((Environment.value("HOME") ?? "") + "/.docker"))
                + "/config.json"
            if let bytes = try? Console.readAll(path) {
                let found = RegistryCredentials.fromDockerConfig(
                    String(decoding: bytes, as: UTF8.self), registry: registry, path: path)
                credentials = found.credentials
                if let helper = found.helper, credentials == nil {
                    Console.error(
                        "hubtop: registry credentials are with \(helper), which hubtop does not run;"
                            + " set HUBTOP_REGISTRY_USER and HUBTOP_REGISTRY_TOKEN for private repositories")
                }
            }
        }
        if let credentials {
            Console.error(
                "hubtop: registry \(registry) as \(TerminalSanitizer.line(credentials.user)) (from \(credentials.origin))"
            )
        }
        let client = RegistryClient(
            base: registry, credentials: credentials.map { ($0.user, $0.secret) },
            budget: RequestBudget(perHour: registryBudget))
        return ImageService(mode: enrichment, client: client, store: store)
    }

    /// The token kept between runs (made on first use), so the webhook URL given to Docker Hub
    /// survives restarts. If it cannot be kept, a random one for this run, with a warning.
    static func keptToken() throws -> String {
        do {
            let (token, created) = try TokenStore.loadOrCreate()
            Console.error(
                "hubtop: webhook token \(created ? "made and " : "")kept in \(TokenStore.path)"
                    + " (hubtop token --rotate makes a new one)")
            return token
        } catch  where error.description.contains("at least") {
            throw fail("hubtop: \(error)")
        } catch {
            Console.error("hubtop: \(error); using a random token for this run only")
            return WebhookToken.random()
        }
    }

    /// A secret from the environment: unset or empty means none; a weak one is an error.
    static func secretFromEnvironment(_ name: String) throws -> String? {
        guard let value = Environment.value(name), !value.isEmpty else { return nil }
        if let problem = WebhookToken.problem(with: value, name: "$\(name)") {
            throw fail("hubtop: \(problem)")
        }
        return value
    }
}
