import HubtopCore
import HubtopSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// When the loop draws: a frame only when something changed, at least a 60th of a second after
/// the last and at least four times the CPU the last one cost (so redrawing under load takes at
/// most a fifth of a core); a tick every second.
struct FramePacer {
    var owed = true
    var lastFrame = 0.0
    var interval = 1.0 / 60
    var nextTick: Double

    func frameDue(_ now: Double) -> Bool { owed && now - lastFrame >= interval }

    mutating func drew(at now: Double, cpu: Double) {
        lastFrame = now
        // The thread's own CPU time: on a busy machine wall time would count others' work.
        interval = max(1.0 / 60, min(0.25, 4 * cpu))
        owed = false
    }

    /// How long the loop may sleep: until the next tick, or the next frame when one is owed.
    func sleep(_ now: Double) -> Double {
        var timeout = max(0, nextTick - now)
        if owed { timeout = min(timeout, max(0, lastFrame + interval - now)) }
        return timeout
    }
}

/// Messages from work done off the terminal's thread (an export, a registry answer), and the
/// wake-up that tells the loop they are there.
final class Inbox: Sendable {
    private let messages = Mutex<[Message]>([])
    let wake: WakePipe

    init(wake: WakePipe) { self.wake = wake }

    func post(_ message: Message) {
        messages.withLock { $0.append(message) }
        wake.signal()
    }

    func take() -> [Message] {
        messages.withLock { messages in
            defer { messages = [] }
            return messages
        }
    }
}

/// The dashboard's run loop, on the thread that owns the terminal: wait for input, a wake-up or a
/// signal; let `update` take what arrived; draw when a frame is due; run the effects it asked for.
struct DashboardLoop {
    var state: DashboardState
    let model: DashboardDriver
    let terminal: CursesTerminal
    let options: DashboardOptions
    let inbox: Inbox
    var wake: WakePipe { inbox.wake }
    let signals: SignalRelay
    let store: EventStore
    private var pacer: FramePacer
    /// Store changes are read once per frame, not once per wake-up: under a flood there are
    /// thousands of wake-ups a second, and each read holds the store's lock.
    private var storeChanged = false
    private var requestsAskedFor: UInt64?
    private var appliedTheme = 0
    /// What the clock alone moves on the last frame drawn: a tick that leaves it as it was draws
    /// nothing.
    private var drawnFace: ClockFace?

    init(
        state: DashboardState, model: DashboardDriver, terminal: CursesTerminal, options: DashboardOptions,
        inbox: Inbox, signals: SignalRelay, store: EventStore
    ) {
        self.state = state
        self.model = model
        self.terminal = terminal
        self.options = options
        self.inbox = inbox
        self.signals = signals
        self.store = store
        pacer = FramePacer(nextTick: state.now + 1)
    }

    /// Runs until the user quits or a terminating signal arrives.
    mutating func run() {
        while !state.quit {
            let now = Dashboard.wallClock()
            takeInbox()
            if pacer.frameDue(now) { drawFrame(now) }
            guard waitForInput(pacer.sleep(now)) else { return }
            readInput()
            tickIfDue()
        }
    }

    private mutating func takeInbox() {
        if state.themeIndex != appliedTheme {
            appliedTheme = state.themeIndex
            terminal.apply(options.themes[appliedTheme])
        }
        for message in inbox.take() {
            model.receive(&state, message)
            pacer.owed = true
        }
    }

    /// The frame's one read of the store, whatever arrived since the last; its effects; the draw.
    private mutating func drawFrame(_ now: Double) {
        let cpuBefore = Dashboard.threadCPUTime()
        noteStoreChange()
        model.readStore(&state)
        askForRequests()
        runEffects()
        terminal.draw(View.render(state))
        drawnFace = ClockFace(state)
        pacer.drew(at: now, cpu: Dashboard.threadCPUTime() - cpuBefore)
    }

    /// Once per event a detail or inspector opens on.
    private mutating func askForRequests() {
        guard let want = options.wantRequests, let id = state.inspector?.eventID ?? state.detail?.eventID,
            id != requestsAskedFor
        else { return }
        requestsAskedFor = id
        want(id)
    }

    private mutating func runEffects() {
        let inbox = inbox
        Dashboard.perform(&state.effects, store: store, terminal: terminal, options: options) {
            inbox.post($0)
        }
    }

    private mutating func noteStoreChange() {
        guard storeChanged else { return }
        storeChanged = false
        model.receive(&state, .storeChanged)
    }

    /// Sleeps until input, a wake-up, a signal or `timeout`; false when the run must end.
    private mutating func waitForInput(_ timeout: Double) -> Bool {
        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, 3, Int32((timeout * 1000).rounded(.up)))
        if ready < 0 && errno != EINTR { return false }
        if fds[1].revents != 0 {
            wake.drain()
            storeChanged = true
            pacer.owed = true
        }
        if fds[2].revents != 0 {
            for number in signals.drain() {
                // curses then queues KEY_RESIZE, read with the other input.
                if number == SIGWINCH { terminal.syncWindowSize() } else { return false }
            }
        }
        return true
    }

    /// Always read: a resize shows up as a key. Keys act on what is on screen; what they ask of
    /// the store waits for the frame.
    private mutating func readInput() {
        while let message = terminal.readInput() {
            model.receive(&state, message)
            pacer.owed = true
            if state.quit { break }
        }
    }

    /// A tick's read is the frame's: the clock face needs the rates to tell whether anything on
    /// screen moved; a frame drawn after it finds nothing left to read.
    private mutating func tickIfDue() {
        let now = Dashboard.wallClock()
        guard now >= pacer.nextTick else { return }
        noteStoreChange()
        model.receive(&state, .tick(now: now))
        model.readStore(&state)
        pacer.nextTick = now + 1
        if !pacer.owed && state.effects.isEmpty && drawnFace == ClockFace(state) { return }
        pacer.owed = true
    }
}
