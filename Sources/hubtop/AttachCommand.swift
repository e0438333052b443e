import ArgumentParser
import Dispatch
import HubtopCore
import HubtopIO
import HubtopSystem
import HubtopTUI
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop attach TARGET`: the dashboard (or headless output) fed from elsewhere — a receiver's
/// `/stream`, a journal over SSH, or a journal on this machine.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract:
            "Watch a receiver from another terminal or machine: its /stream, its journal over SSH, or a journal here."
    )

    @Argument(
        help:
            "http(s)://RECEIVER (its /stream), ssh://[user@]host[:port]/path/to/journal (/~/path: under the remote home), or the path of a journal on this machine."
    )
    var target: String

    @Option(
        help:
            "The receiver's viewer token (default: $HUBTOP_VIEWER_TOKEN). Visible in ps as a flag: prefer the variable or --viewer-token-file."
    )
    var viewerToken: Secret?

    @Option(help: "Read the viewer token from this file.")
    var viewerTokenFile: String?

    @Option(
        help:
            "With ssh://: hubtop's path on the remote host when it is not on the non-login PATH (default: hubtop, then ~/.local/bin/hubtop)."
    )
    var remoteHubtop: String?

    @OptionGroup(title: "Events kept here") var kept: ViewerStoreOptions
    @OptionGroup(title: "Dashboard and output") var display: AttachDisplayOptions
    @OptionGroup(title: "Registry") var registry: RegistryOptions

    private enum CodingKeys: CodingKey {
        case target, viewerToken, viewerTokenFile, remoteHubtop, kept, display, registry
    }

    /// Checked by `validate()`.
    private(set) var parsed: AttachTarget?

    mutating func validate() throws {
        switch AttachTarget.parse(target) {
        case .success(let target): parsed = target
        case .failure(let error): throw ValidationError(error.description)
        }
        _ = try RegistrySettings(registry, demo: false)
        if display.json && !display.headless { throw ValidationError("--json goes with --headless") }
    }

    func run() async throws {
        guard let target = parsed else { throw ExitCode(64) }
        let token: String?
        do {
            token =
                try SecretFile.either(
                    viewerToken, "--viewer-token", file: viewerTokenFile, "--viewer-token-file")?
                .reveal() ?? Environment.value("HUBTOP_VIEWER_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        } catch {
            throw ValidationError("\(error)")
        }
        if let viewerTokenFile, let warning = SecretFile.exposure(of: viewerTokenFile) {
            Console.error(warning)
        }
        // Raw requests fetched for the inspector are kept within a budget of their own.
        let store = kept.makeStore(requestBudget: 16 << 20)
        let ingestor = Ingestor(store: store)
        let signals = SignalRelay([SIGINT, SIGTERM, SIGHUP])
        defer { signals.release() }
        let output = display.headless ? LineQueue(descriptor: STDOUT_FILENO, maxBytes: 64 << 20) : nil
        let feed: AttachFeed
        switch target {
        case .journal(let path):
            feed = try AttachFeed.journal(path, ingestor: ingestor, output: output, json: display.json)
        default:
            let ssh = Environment.value("HUBTOP_SSH").flatMap { try? EventCommand.words($0) } ?? ["ssh"]
            let attachment = Attachment(
                target: target, viewerToken: token, sshCommand: ssh.isEmpty ? ["ssh"] : ssh,
                remoteHubtop: remoteHubtop)
            feed = AttachFeed.stream(attachment, store: store, output: output, json: display.json)
        }
        defer { feed.stop() }
        if display.headless {
            let failure = await feed.run(until: signals)
            output?.flush(within: 5)
            if let failure { throw fail("hubtop attach: \(failure)") }
            return
        }
        let selection = ThemeSelection.choose(display.theme ?? Environment.value("HUBTOP_THEME"))
        var options = DashboardOptions(
            webhookURL: "attached to " + target.shown, repositoryFilter: display.repo ?? "",
            themes: selection.themes, noColor: display.noColor || Environment.noColorRequested,
            startupMessage: selection.problem)
        let status = feed.status
        options.headline = { status.headline(now: WallClock.now()) }
        options.problem = { status.problem }
        let settings = try RegistrySettings(registry, demo: false)
        options.enrichment = settings.enrichment
        if let images = settings.imageLookups(store: store) {
            options.lookUpImage = { images.lookUp($0, completion: $1) }
        }
        options.wantRequests = feed.wantRequests
        // `r` re-sends from this machine, to a URL typed at the prompt.
        let resender = Resender(store: store, forwardURLs: [], listener: nil, origin: nil)
        options.resend = { resender.resend(eventID: $0, request: $1, to: $2) }
        if case .receiver(let url) = target {
            // `Y`'s command posts to the receiver, the token left to the shell.
            options.curlURL = "\"" + url.dropLast("/stream".count) + "/hook/${HUBTOP_TOKEN}\""
        }
        let running = Task { await feed.run(until: nil) }
        let notices = await Dashboard.run(
            store: store, rejections: ingestor.rejections, options: options, signals: signals)
        feed.stop()
        running.cancel()
        for notice in notices { Console.error(notice) }
        if let failure = feed.failure { throw fail("hubtop attach: \(failure)") }
    }
}

/// `attach`'s dashboard options: the few that make sense for a viewer.
struct AttachDisplayOptions: ParsableArguments {
    @Flag(help: "Print one line per event to stdout instead of the dashboard.")
    var headless = false

    @Flag(help: "With --headless: NDJSON, the objects `--headless --json` prints on the receiver.")
    var json = false

    @Option(help: "Start the dashboard with this repository filter.")
    var repo: String?

    @Option(
        help: "Colour theme: a name from `hubtop themes` or a path to a .toml file (default: $HUBTOP_THEME).")
    var theme: String?

    @Flag(help: "No colour at all (also when $NO_COLOR is set and not empty).")
    var noColor = false
}
