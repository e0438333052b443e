import HubtopCore
import HubtopSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public struct DashboardOptions: Sendable {
    public var webhookURL: String
    public var repositoryFilter: String
    /// The themes `T` cycles through; the first is used at start.
    public var themes: [Theme]
    public var noColor: Bool
    /// Shown in the footer at start (e.g. why the chosen theme was not used).
    public var startupMessage: String?
    /// A standing problem to show in the header (e.g. the journal cannot be written), polled each tick.
    public var problem: @Sendable () -> String? = { nil }
    /// Replaces the webhook URL in the header, polled each tick (`attach`: where, and how the
    /// connection is).
    public var headline: (@Sendable () -> String)?
    /// Called with the event a detail or inspector opens on (`attach`: its raw requests are
    /// fetched from the receiver and recorded in the store).
    public var wantRequests: (@Sendable (UInt64) -> Void)?
    /// `--stale`: mark repositories with no push for this many seconds.
    public var staleAfter: Double?
    /// `--mirror-lag`: how long a push may take to land in another registry.
    public var mirrorLag: Double?
    /// `--bell`: start with the bell on.
    public var bell = false
    /// `--enrich`, and what asks the registry (nil: nothing does).
    public var enrichment: EnrichmentMode = .off
    public var lookUpImage: (@Sendable (ImageRequest, @escaping @Sendable (ImageLookup) -> Void) -> Void)?
    /// `r`: re-sends a kept delivery (to a URL, or nil: the `--forward` targets) and says what
    /// it did; nil when there is no listener.
    public var resend: (@Sendable (UInt64, ReceivedRequest, String?) -> String)?
    /// The `--forward` targets' `host:port`, for the re-send prompt.
    public var forwardTargets: [String] = []
    /// Where `Y`'s `curl` command posts.
    public var curlURL: String?
    /// Where `y` / `Y` also write what they copy (for terminals without OSC 52).
    public var clipboardFile: String?

    public init(
        webhookURL: String, repositoryFilter: String, themes: [Theme] = [.builtInDefault],
        noColor: Bool = false,
        startupMessage: String? = nil
    ) {
        self.webhookURL = webhookURL
        self.repositoryFilter = repositoryFilter
        self.themes = themes.isEmpty ? [.builtInDefault] : themes
        self.noColor = noColor
        self.startupMessage = startupMessage
    }
}

/// The dashboard's run loop: one thread of its own owns curses; everything else only wakes it.
public enum Dashboard {
    /// Runs until the user quits or one of `signals`' terminating signals arrives; restores the
    /// terminal on return. The loop runs on a thread of its own, not on the cooperative pool.
    /// Returns notices to print once the screen is back (such as a guessed terminal type).
    public static func run(
        store: EventStore, rejections: RejectionCounter, options: DashboardOptions, signals: SignalRelay
    ) async -> [String] {
        await TerminalThread.run {
            loop(store: store, rejections: rejections, options: options, signals: signals)
        }
    }

    static func loop(
        store: EventStore, rejections: RejectionCounter, options: DashboardOptions, signals: SignalRelay
    ) -> [String] {
        let wake = WakePipe()
        store.observe { _ in wake.signal() }
        // Messages from work done off this thread (an export).
        let inbox = Inbox(wake: wake)

        let terminal = CursesTerminal(theme: options.themes[0], noColor: options.noColor)
        // After curses starts, replacing its own handler: the loop resizes instead.
        signals.add(SIGWINCH)
        defer {
            terminal.stop()
            signal(SIGWINCH, SIG_DFL)
        }
        let notices = [terminal.fallbackNotice].compactMap { $0 }
        let model = DashboardDriver(
            store: store, rejections: rejections, problem: options.problem, headline: options.headline)
        var state = DashboardState(
            width: terminal.width, height: terminal.height, now: wallClock(), webhookURL: options.webhookURL,
            filter: options.repositoryFilter)
        state.themeNames = options.themes.map(\.name)
        state.flash = options.startupMessage
        state.staleAfter = options.staleAfter
        state.mirrorLag = options.mirrorLag
        state.bell = options.bell
        state.enrichment = options.lookUpImage == nil ? .off : options.enrichment
        state.canResend = options.resend != nil
        state.forwardTargets = options.forwardTargets
        if let curlURL = options.curlURL { state.curlURL = curlURL }
        state.bellSeenID = store.totals.newestID
        model.update(&state, .tick(now: state.now))
        model.refresh(&state)

        var running = DashboardLoop(
            state: state, model: model, terminal: terminal, options: options, inbox: inbox,
            signals: signals, store: store)
        running.run()
        return notices
    }

    /// Carries out what `update` asked for. The bell rings here; an export (which may take a
    /// while at a million events) runs on a thread of its own and `post`s its outcome back.
    static func perform(
        _ effects: inout [Effect], store: EventStore, terminal: CursesTerminal, options: DashboardOptions,
        post: @escaping @Sendable (Message) -> Void
    ) {
        defer { effects.removeAll() }
        for effect in effects {
            switch effect {
            case .bell:
                terminal.bell()
            case .lookUpImage(let request):
                // Answered from another thread; the loop is woken by `post`.
                options.lookUpImage?(request) { post(.imageLookup(request, $0)) }
            case .copy(let bytes, let what):
                post(
                    .notice(
                        Clipboard.copy(
                            bytes, what: what, file: options.clipboardFile, terminalFD: STDOUT_FILENO)))
            case .resend(let eventID, let request, let url):
                if let resend = options.resend { post(.notice(resend(eventID, request, url))) }
            case .export(let path, let filter, let overwrite):
                TerminalThread.detach {
                    let events = store.events(filter: filter, limit: Int.max).events.reversed()
                    post(
                        .exported(
                            ExportFile.write(
                                Array(events), format: ExportFormat(path: path), to: path,
                                overwrite: overwrite)))
                }
            }
        }
    }

    static func threadCPUTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func wallClock() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
