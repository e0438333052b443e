import HubtopCore
import HubtopIO
import HubtopServer
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a run receives and reacts with, started in dependency order: the store (refilled
/// from the journal), team mode, the listener, and the reactions that observe accepted
/// deliveries (forward, notify, `--on-event`, headless output). Its `services` stop them.
struct Receiver {
    let store: EventStore
    let ingestor: Ingestor
    let webhookToken: String
    let journal: Journal?
    let team: TeamMode?
    let forwarder: Forwarder?
    let origin: String
    /// The port the listener is bound to; 0 with `--listen none`.
    let port: Int
    let services: [any Service]

    static func start(_ settings: RunSettings, tokens: RunTokens) async throws -> Receiver {
        let store = settings.store.makeStore(listens: settings.listens)
        let ingestor = Ingestor(store: store, allowlist: settings.listener.allowlist)
        let metrics = ListenerMetrics()
        var configuration = settings.listener.configuration(
            token: tokens.webhook, metricsToken: tokens.metrics, metrics: metrics)
        let outcomes = Outcomes(store: store)
        let forwarder =
            settings.forward.urls.isEmpty
            ? nil
            : try Forwarder(
                urls: settings.forward.urls, policy: settings.forward.policy, store: store, metrics: metrics,
                origin: configuration.origin, outcomes: outcomes)
        configuration.relay = forwarder
        if let viewer = tokens.viewer {
            configuration.viewerToken = viewer
            configuration.viewers = ViewerHub(
                store: store, maximumViewers: settings.listener.maxViewers,
                bufferBytes: settings.listener.viewerBufferBytes)
        }
        var output: LineQueue?
        if case .lines = settings.display.output { output = LineQueue(descriptor: STDOUT_FILENO) }
        if let output { configuration.outputDropped = { output.dropped } }
        let journal = try settings.store.journal.map { try open($0, into: ingestor) }
        configuration.durability = journal.map { JournalDurability($0, ingestor) }
        let team = try await TeamMode.start(
            settings, store: store, outcomes: outcomes, configuration: &configuration)
        let server = WebhookServer(configuration: configuration, ingestor: ingestor)
        var port = 0
        if settings.listens {
            do {
                port = try await server.start()
            } catch {
                await server.shutdown()
                await team?.stop()
                throw fail("hubtop: cannot listen on \(settings.listener.listen): \(error)")
            }
        }
        let commands = try settings.onEvent.commands.map { command in
            try EventCommand(
                command, filter: settings.onEvent.filter, store: store, timeout: settings.onEvent.timeout,
                ownDeliveriesOnly: team != nil)
        }
        for command in commands { command.start() }
        let notify = settings.notify
        let notifier =
            notify.urls.isEmpty
            ? nil
            : try Notifier(
                urls: notify.urls, format: notify.format, template: notify.template, filter: notify.filter,
                perMinute: notify.perMinute, store: store, metrics: metrics, ownDeliveriesOnly: team != nil)
        notifier?.start()
        forwarder?.start()
        if case .lines(let json) = settings.display.output, let output {
            let printer = HeadlessPrinter(store: store, json: json, output: output)
            store.observe { printer.print($0) }
        }
        // Started in this order, stopped in the reverse: the listener first, the database last.
        var services: [any Service] = []
        if let team { services.append(StartedService(description: "team mode") { await team.stop() }) }
        // A reader that stopped reading must not keep the process from exiting.
        if let output { services.append(StartedService(description: "output") { output.flush(within: 2) }) }
        if let forwarder { services.append(StartedService(description: "forward") { forwarder.stop() }) }
        if let notifier { services.append(StartedService(description: "notify") { notifier.stop() }) }
        services.append(StartedService(description: "listener") { await server.shutdown() })
        if let rate = settings.display.demoRate {
            services.append(DemoService(ingestor: ingestor, rate: rate))
        }
        return Receiver(
            store: store, ingestor: ingestor, webhookToken: tokens.webhook, journal: journal, team: team,
            forwarder: forwarder, origin: configuration.origin, port: port, services: services)
    }

    /// The journal, replayed into the store first; what the replay found spares it a second read.
    private static func open(_ settings: StoreSettings.JournalSettings, into ingestor: Ingestor) throws
        -> Journal
    {
        let replayed = try JournalRestore.replay(settings.path, into: ingestor)
        let journal: Journal
        do {
            journal = try Journal(
                path: settings.path, policy: settings.fsync, maxBytes: settings.maxBytes,
                validEnd: replayed?.validEnd, tailHoldsRecords: replayed?.tailHoldsRecords ?? false)
        } catch {
            throw fail("hubtop: \(error)")
        }
        if let notice = journal.notice { Logger.hubtop.notice("\(notice)") }
        return journal
    }
}
