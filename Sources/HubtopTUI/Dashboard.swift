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
    /// `--stale`: mark repositories with no push for this many seconds.
    public var staleAfter: Double?
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
        let inbox = Mutex<[Message]>([])

        let terminal = CursesTerminal(theme: options.themes[0], noColor: options.noColor)
        // After curses starts, replacing its own handler: the loop resizes instead.
        signals.add(SIGWINCH)
        var appliedTheme = 0
        defer {
            terminal.stop()
            signal(SIGWINCH, SIG_DFL)
        }
        let notices = [terminal.fallbackNotice].compactMap { $0 }
        let model = DashboardDriver(store: store, rejections: rejections, problem: options.problem)
        var state = DashboardState(
            width: terminal.width, height: terminal.height, now: wallClock(), webhookURL: options.webhookURL,
            filter: options.repositoryFilter)
        state.themeNames = options.themes.map(\.name)
        state.flash = options.startupMessage
        state.staleAfter = options.staleAfter
        state.bell = options.bell
        state.enrichment = options.lookUpImage == nil ? .off : options.enrichment
        state.canResend = options.resend != nil
        state.forwardTargets = options.forwardTargets
        if let curlURL = options.curlURL { state.curlURL = curlURL }
        state.bellSeenID = store.totals.newestID
        model.update(&state, .tick(now: state.now))
        model.refresh(&state)

        var nextTick = state.now + 1
        var dirty = true
        // Store changes are read once per frame, not once per wake-up: under a flood there are
        // thousands of wake-ups a second, and each re-query holds the store's lock.
        var storeChanged = false
        var lastFrame = 0.0
        // At least a 60th of a second between frames, and at least four times the CPU the last
        // frame cost, so that redrawing under load takes at most a fifth of a core.
        var frameInterval = 1.0 / 60
        // What the clock alone moves on the last frame drawn: a tick that leaves it as it was
        // draws nothing.
        var drawnFace: ClockFace?
        while !state.quit {
            let now = wallClock()
            if state.themeIndex != appliedTheme {
                appliedTheme = state.themeIndex
                terminal.apply(options.themes[appliedTheme])
            }
            for message in inbox.withLock({ inbox in
                defer { inbox = [] }
                return inbox
            }) {
                model.receive(&state, message)
                dirty = true
            }
            if dirty && now - lastFrame >= frameInterval {
                let cpuBefore = threadCPUTime()
                if storeChanged {
                    storeChanged = false
                    model.receive(&state, .storeChanged)
                }
                // The frame's one read of the store, whatever arrived since the last.
                model.readStore(&state)
                perform(&state.effects, store: store, terminal: terminal, options: options) {
                    message in
                    inbox.withLock { $0.append(message) }
                    wake.signal()
                }
                terminal.draw(View.render(state))
                drawnFace = ClockFace(state)
                lastFrame = now
                // The thread's own CPU time: on a busy machine wall time would count others' work.
                frameInterval = max(1.0 / 60, min(0.25, 4 * (threadCPUTime() - cpuBefore)))
                dirty = false
            }
            // Sleep until input, a wake-up, a signal, the next tick, or (when a frame is owed)
            // the frame time.
            var timeout = max(0, nextTick - now)
            if dirty { timeout = min(timeout, max(0, lastFrame + frameInterval - now)) }
            var fds = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 3, Int32((timeout * 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { return notices }
            if fds[1].revents != 0 {
                wake.drain()
                storeChanged = true
                dirty = true
            }
            if fds[2].revents != 0 {
                for number in signals.drain() {
                    // curses then queues KEY_RESIZE, read below with the other input.
                    if number == SIGWINCH { terminal.syncWindowSize() } else { return notices }
                }
            }
            // Always read: a resize shows up as a key.
            while let message = terminal.readInput() {
                // Keys act on what is on screen; what they ask of the store waits for the frame.
                model.receive(&state, message)
                dirty = true
                if state.quit { break }
            }
            let after = wallClock()
            if after >= nextTick {
                // A tick's read is the frame's: the clock face needs the rates to tell whether
                // anything on screen moved; a frame drawn after it finds nothing left to read.
                if storeChanged {
                    storeChanged = false
                    model.receive(&state, .storeChanged)
                }
                model.receive(&state, .tick(now: after))
                model.readStore(&state)
                nextTick = after + 1
                if !dirty && state.effects.isEmpty && drawnFace == ClockFace(state) { continue }
                dirty = true
            }
        }
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
