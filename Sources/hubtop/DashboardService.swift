import HubtopCore
import HubtopIO
import HubtopServer
import HubtopSystem
import HubtopTUI
import ServiceLifecycle
import Synchronization

/// The dashboard as the service that ends a run: when the user quits (or a signal arrives) the
/// group shuts the rest down. What it has to say once the screen is back is kept for the caller.
final class DashboardService: Service, Sendable, CustomStringConvertible {
    private let store: EventStore
    private let rejections: RejectionCounter
    private let options: DashboardOptions
    private let signals: SignalRelay
    private let said = Mutex<[String]>([])
    var description: String { "dashboard" }

    init(store: EventStore, rejections: RejectionCounter, options: DashboardOptions, signals: SignalRelay) {
        self.store = store
        self.rejections = rejections
        self.options = options
        self.signals = signals
    }

    func run() async {
        let notices = await Dashboard.run(
            store: store, rejections: rejections, options: options, signals: signals)
        said.withLock { $0 = notices }
    }

    /// Notices to print once the terminal is restored (such as a guessed terminal type).
    var notices: [String] { said.withLock { $0 } }

    /// The dashboard's options for this run: the theme chosen, what the header watches, and what
    /// `y`/`Y`, `r` and the Dockerfile viewer reach.
    static func options(
        _ settings: RunSettings, receiver: Receiver, images: ImageLookups?, selection: ThemeSelection.Result
    ) -> DashboardOptions {
        let address = WebhookAddress(settings, port: receiver.port)
        var dashboard = DashboardOptions(
            webhookURL: settings.listens
                ? address.url(token: WebhookToken.masked(receiver.webhookToken))
                : "watching " + (receiver.team.map { "\($0.url)" } ?? ""),
            repositoryFilter: settings.display.repositoryFilter, themes: selection.themes,
            noColor: settings.display.noColor, startupMessage: selection.problem)
        dashboard.staleAfter = settings.display.staleAfter
        dashboard.mirrorLag = settings.display.mirrorLag
        dashboard.bell = settings.display.bell
        // Why deliveries are being refused, in the header, while it lasts.
        let journal = receiver.journal
        let status = receiver.team?.status
        dashboard.problem = {
            journal?.problem ?? status?.problem(now: WallClock.now()) ?? images?.notice()
        }
        dashboard.enrichment = settings.registry.enrichment
        if let images { dashboard.lookUpImage = { images.lookUp($0, completion: $1) } }
        if let listener = settings.listener.address {
            let resender = Resender(
                store: receiver.store, forwardURLs: settings.forward.urls,
                listener: (listener.host, receiver.port), origin: receiver.origin)
            dashboard.resend = { resender.resend(eventID: $0, request: $1, to: $2) }
            dashboard.forwardTargets = settings.forward.authorities
        }
        dashboard.curlURL =
            settings.display.copyToken
            ? CurlCommand.quoted(Array(address.url(token: receiver.webhookToken, reachable: true).utf8))
            : "\"" + address.url(token: "${HUBTOP_TOKEN}", reachable: true) + "\""
        if StatePaths.makeDirectory(StatePaths.stateDirectory) {
            dashboard.clipboardFile = StatePaths.stateDirectory + "/clipboard.txt"
        }
        return dashboard
    }
}

/// The webhook URL of this run, as said on stderr and shown in the header.
struct WebhookAddress {
    let host: String
    let port: Int

    init(_ settings: RunSettings, port: Int) {
        host = settings.listener.address?.host ?? "127.0.0.1"
        self.port = port
    }

    /// `reachable`: an address a local `curl` can post to (not the wildcard address).
    func url(token: String, reachable: Bool = false) -> String {
        let name = reachable && (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host
        let spelled = name.contains(":") ? "[\(name)]" : name
        return "http://\(spelled):\(port)/hook/\(token)"
    }
}
