import HubtopCore

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

/// Signal handlers may only touch plain globals: they set a flag and wake the loop.
nonisolated(unsafe) private var signalWakeFD: Int32 = -1
nonisolated(unsafe) private var signalReceived: sig_atomic_t = 0

nonisolated(unsafe) private var windowChanged: sig_atomic_t = 0

/// SIGWINCH goes to whichever thread the kernel picks, so it cannot be relied on to interrupt
/// the UI thread's poll: the handler wakes the loop through the pipe instead.
private func onWindowChange(_ number: Int32) {
    windowChanged = 1
    var byte: UInt8 = 3
    _ = write(signalWakeFD, &byte, 1)
}

private func onTerminatingSignal(_ number: Int32) {
    signalReceived = 1
    var byte: UInt8 = 2
    _ = write(signalWakeFD, &byte, 1)
}

/// The dashboard's run loop: one thread owns curses; everything else only wakes it.
public enum Dashboard {
    /// Runs until the user quits or SIGTERM/SIGHUP/SIGINT arrives; restores the terminal on return.
    /// Returns notices to print once the screen is back (such as a guessed terminal type).
    public static func run(
        store: EventStore, rejections: RejectionCounter, options: DashboardOptions
    ) -> [String] {
        let wake = WakePipe()
        signalWakeFD = wake.writeEnd
        signalReceived = 0
        for number in [SIGTERM, SIGHUP, SIGINT] { signal(number, onTerminatingSignal) }
        store.observe { _ in wake.signal() }

        let terminal = CursesTerminal(theme: options.themes[0], noColor: options.noColor)
        // Installed after curses starts, replacing its own handler: the loop resizes instead.
        windowChanged = 0
        signal(SIGWINCH, onWindowChange)
        var appliedTheme = 0
        defer {
            terminal.stop()
            for number in [SIGTERM, SIGHUP, SIGINT, SIGWINCH] { signal(number, SIG_DFL) }
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
        while !state.quit && signalReceived == 0 {
            let now = wallClock()
            if state.themeIndex != appliedTheme {
                appliedTheme = state.themeIndex
                terminal.apply(options.themes[appliedTheme])
            }
            if dirty && now - lastFrame >= frameInterval {
                let cpuBefore = threadCPUTime()
                if storeChanged {
                    storeChanged = false
                    model.update(&state, .storeChanged)
                }
                while !state.effects.isEmpty {
                    for message in perform(
                        &state.effects, store: store, terminal: terminal)
                    {
                        model.update(&state, message)
                    }
                }
                terminal.draw(View.render(state))
                lastFrame = now
                // The thread's own CPU time: on a busy machine wall time would count others' work.
                frameInterval = max(1.0 / 60, min(0.25, 4 * (threadCPUTime() - cpuBefore)))
                dirty = false
            }
            // Sleep until input, a wake-up, the next tick, or (when a frame is owed) the frame time.
            var timeout = max(0, nextTick - now)
            if dirty { timeout = min(timeout, max(0, lastFrame + frameInterval - now)) }
            var fds = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, Int32((timeout * 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { return notices }
            if fds[1].revents != 0 {
                wake.drain()
                storeChanged = true
                dirty = true
            }
            if windowChanged != 0 {
                windowChanged = 0
                // curses then queues KEY_RESIZE, read below with the other input.
                terminal.syncWindowSize()
            }
            // Always read: a resize (SIGWINCH) interrupts poll and shows up as a key.
            while let message = terminal.readInput() {
                if storeChanged {
                    // Keys act on what is on the store now, as the frame will show it.
                    storeChanged = false
                    model.update(&state, .storeChanged)
                }
                model.update(&state, message)
                dirty = true
                if state.quit { break }
            }
            let after = wallClock()
            if after >= nextTick {
                model.update(&state, .tick(now: after))
                nextTick = after + 1
                dirty = true
            }
        }
        return notices
    }

    /// Carries out what `update` asked for; results come back as messages.
    static func perform(
        _ effects: inout [Effect], store: EventStore, terminal: CursesTerminal
    ) -> [Message] {
        defer { effects.removeAll() }
        return effects.compactMap { effect in
            switch effect {
            case .bell:
                terminal.bell()
                return nil
            case .export(let path, let filter, let overwrite):
                let events = store.events(filter: filter, limit: Int.max).events.reversed()
                return .exported(
                    ExportFile.write(
                        Array(events), format: ExportFormat(path: path), to: path, overwrite: overwrite))
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
