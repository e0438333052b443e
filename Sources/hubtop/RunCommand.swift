import ArgumentParser
import HubtopCore
import HubtopSystem
import HubtopTUI
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop [options]`: the listener plus the dashboard (or headless output).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Listen for Docker Hub webhooks and show them (the default command)."
    )

    @OptionGroup(title: "Listener") var listener: ListenerOptions
    @OptionGroup(title: "Store and journal") var store: StoreOptions
    @OptionGroup(title: "Dashboard and output") var display: DisplayOptions
    @OptionGroup(title: "Forwarding") var forward: ForwardOptions
    @OptionGroup(title: "Registry") var registry: RegistryOptions
    @OptionGroup(title: "Team mode") var database: DatabaseOptions
    @OptionGroup(title: "Commands on events") var onEvent: OnEventOptions
    @OptionGroup(title: "Chat notifications") var notify: NotifyOptions

    /// The options, checked once by `validate()`; `run()` uses nothing else.
    private(set) var settings: RunSettings?

    private enum CodingKeys: CodingKey {
        case listener, store, display, forward, registry, database, onEvent, notify
    }

    mutating func validate() throws {
        settings = try RunSettings(self)
    }

    func run() async throws {
        let settings = try self.settings ?? RunSettings(self)
        // Signals end the run, dashboard or headless; caught from the very start, so none is lost.
        let signals = SignalRelay([SIGINT, SIGTERM, SIGHUP])
        defer { signals.release() }
        for file in settings.secretFiles {
            if let warning = SecretFile.exposure(of: file) { Console.error(warning) }
        }
        let receiver = try await Receiver.start(settings, tokens: try RunTokens(settings.listener))
        let images = settings.registry.imageLookups(store: receiver.store)
        let webhookURL = WebhookAddress(settings, port: receiver.port).url(token: receiver.webhookToken)
        guard case .dashboard = settings.display.output else {
            if settings.listens {
                Logger.hubtop.info("listening; webhook URL: \(webhookURL)")
            } else if let team = receiver.team {
                Logger.hubtop.info("watching \(team.url)")
            }
            return try await RunGroup.run(receiver.services, endedBy: SignalService(signals: signals))
        }
        // The full URL goes to stderr before the screen is taken over, and again after it is
        // restored, so it can be copied.
        if settings.listens { Console.error("hubtop: webhook URL: \(webhookURL)") }
        let selection = ThemeSelection.choose(settings.display.theme ?? Environment.value("HUBTOP_THEME"))
        for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
        if let problem = selection.problem { Console.error("hubtop: \(problem)") }
        let dashboard = DashboardService(
            store: receiver.store, rejections: receiver.ingestor.rejections,
            options: DashboardService.options(
                settings, receiver: receiver, images: images, selection: selection),
            signals: signals)
        try await RunGroup.run(receiver.services, endedBy: dashboard)
        for notice in dashboard.notices { Console.error(notice) }
        // Said again now that the screen is back: the dashboard covered the first telling.
        for diagnostic in selection.diagnostics { Console.error("hubtop: \(diagnostic)") }
        if settings.listens { Console.error("hubtop: webhook URL was: \(webhookURL)") }
    }
}
