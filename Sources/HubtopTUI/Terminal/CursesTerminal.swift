import CNCursesW
import HubtopCore
import HubtopSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The only code that talks to curses: terminal setup and teardown, input decoding, and
/// copying a `CellBuffer` to the screen. Like htop's CRT.c, it owns the terminal: whoever
/// starts it must call `stop()` on every exit path. Terminating signals reach the run loop
/// through the `SignalRelay`; fatal ones (a crash, a Swift runtime trap) restore the terminal
/// here and then let the crash proceed with the handler that was there before.
final class CursesTerminal {
    private var previous: CellBuffer?
    private var pairs: [Role: Int16] = [:]
    private var attributes: [Role: attr_t] = [:]
    private(set) var width = 0
    private(set) var height = 0
    private var started = false
    /// Said after the screen is restored, when the terminal type had to be guessed.
    private(set) var fallbackNotice: String?
    let useColor: Bool

    init(theme: Theme, noColor: Bool) {
        FatalSignals.install()
        // Wide characters need a UTF-8 locale; fall back to C.UTF-8 when the user's is not.
        setlocale(LC_ALL, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        // An unknown $TERM must not end the program: most terminals today understand xterm's
        // basic (8-colour) capabilities, and vt100 is the last resort.
        if hubtop_start(nil) == 0 {
            let term = getenv("TERM").map { String(cString: $0) } ?? ""
            let fallback = hubtop_start("xterm") != 0 ? "xterm" : "vt100"
            if fallback == "vt100" { _ = hubtop_start("vt100") }
            fallbackNotice = "hubtop: terminal type '\(term)' is unknown here; drew as \(fallback)"
        }
        started = true
        raw()
        noecho()
        nonl()
        keypad(hubtop_stdscr(), true)
        nodelay(hubtop_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        leaveok(hubtop_stdscr(), true)
        mousemask(hubtop_mouse_mask_all(), nil)
        mouseinterval(0)
        useColor = !noColor && has_colors()
        if useColor {
            start_color()
            use_default_colors()
        }
        apply(theme)
        width = Int(hubtop_cols())
        height = Int(hubtop_lines())
    }

    /// Maps each role to a colour pair and attributes for this terminal's capabilities.
    func apply(_ theme: Theme) {
        let capability = ColorCapability(colors: useColor ? Int(hubtop_colors()) : 0)
        for (index, role) in Role.allCases.enumerated() {
            let style = theme.style(for: role)
            var attrs: Attributes = style.attributes
            if useColor && Int(hubtop_color_pairs()) > index + 1 {
                let pair = Int16(index + 1)
                init_pair(
                    pair, Int16(capability.terminalColor(style.foreground)),
                    Int16(capability.terminalColor(style.background)))
                pairs[role] = pair
                // Eight-colour terminals cannot tell the chosen colours apart well: keep emphasis.
                if capability.colors < 16 { attrs.formUnion(Theme.monochromeAttributes(for: role)) }
            } else {
                pairs[role] = 0
                attrs.formUnion(Theme.monochromeAttributes(for: role))
            }
            attributes[role] = Self.cursesAttributes(attrs)
        }
        previous = nil
    }

    static func cursesAttributes(_ attributes: Attributes) -> attr_t {
        var value = hubtop_a_normal()
        if attributes.contains(.bold) { value |= hubtop_a_bold() }
        if attributes.contains(.dim) { value |= hubtop_a_dim() }
        if attributes.contains(.underline) { value |= hubtop_a_underline() }
        if attributes.contains(.reverse) { value |= hubtop_a_reverse() }
        return value
    }

    func stop() {
        guard started else { return }
        started = false
        mousemask(0, nil)
        endwin()
        FatalSignals.uninstall()
    }

    /// Copies the cells that changed since the last frame, then updates the screen once.
    func draw(_ frame: CellBuffer) {
        let full = previous == nil || previous!.width != frame.width || previous!.height != frame.height
        if full { erase() }
        var wide: [wchar_t] = []
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let cell = frame[x, y]
                if cell.isContinuation { continue }
                if !full, let previous, previous[x, y] == cell { continue }
                wide.removeAll(keepingCapacity: true)
                for (index, scalar) in cell.text.unicodeScalars.enumerated() {
                    // curses takes one spacing character plus combining marks; drop the rest.
                    if index > 0 && (index >= 4 || wcwidth(wchar_t(scalar.value)) != 0) { continue }
                    wide.append(wchar_t(scalar.value))
                }
                let expected = DisplayWidth.of(cell.text)
                if let first = wide.first, Int(wcwidth(first)) != expected {
                    // The C library disagrees about the width: draw something of the right width.
                    wide = expected == 2 ? [0x3F, 0x3F] : [0x3F]
                }
                wide.append(0)
                let attrs = (attributes[cell.style.role] ?? 0) | Self.cursesAttributes(cell.style.attributes)
                let pair = pairs[cell.style.role] ?? 0
                _ = wide.withUnsafeBufferPointer { pointer in
                    hubtop_put_cell(Int32(y), Int32(x), pointer.baseAddress, attrs, pair)
                }
            }
        }
        previous = frame
        refresh()
    }

    /// The next input, or nil when none is waiting.
    func readInput() -> Message? {
        var character: wint_t = 0
        let result = wget_wch(hubtop_stdscr(), &character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_RESIZE:
                width = Int(hubtop_cols())
                height = Int(hubtop_lines())
                previous = nil
                return .resize(width: width, height: height)
            case KEY_MOUSE:
                var event = MEVENT()
                guard getmouse(&event) == OK else { return readInput() }
                let kind: MouseEvent.Kind
                if hubtop_wheel_up(event.bstate) != 0 {
                    kind = .wheelUp
                } else if hubtop_wheel_down(event.bstate) != 0 {
                    kind = .wheelDown
                } else if hubtop_button1(event.bstate) != 0 {
                    kind = .press
                } else {
                    return readInput()
                }
                return .mouse(MouseEvent(x: Int(event.x), y: Int(event.y), kind: kind))
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_BTAB: return .key(.backTab)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_DC: return .key(.delete)
            case KEY_ENTER: return .key(.enter)
            default: return readInput()
            }
        }
        switch character {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26: return .key(.control(Character(Unicode.Scalar(UInt8(character) + 96))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), !TerminalSanitizer.isUnsafe(scalar)
            else {
                return readInput()
            }
            return .key(.character(Character(scalar)))
        }
    }

    func bell() { beep() }

    func syncWindowSize() { _ = hubtop_sync_window_size() }
}

/// Restores the terminal when the process crashes while curses has it: a handler may only use
/// async-signal-safe calls, so it puts back the terminal modes saved before curses started and
/// writes the escape sequences that leave the alternate screen, show the cursor, reset colours
/// and stop mouse reporting — then reinstates the handler that was there before (the Swift
/// runtime's backtracer, or the default) so the crash goes on as it would have.
enum FatalSignals {
    static let numbers: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    static func install() {
        savedModesValid = tcgetattr(STDIN_FILENO, &savedModes) == 0
        for (index, number) in numbers.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = restoreTerminalAndCrash
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_NODEFER
            sigaction(number, &action, &previousActions[index])
        }
        installed = true
    }

    static func uninstall() {
        guard installed else { return }
        installed = false
        for (index, number) in numbers.enumerated() { sigaction(number, &previousActions[index], nil) }
    }
}

nonisolated(unsafe) private var savedModes = termios()
nonisolated(unsafe) private var savedModesValid = false
nonisolated(unsafe) private var installed = false
nonisolated(unsafe) private var previousActions: [sigaction] = Array(repeating: sigaction(), count: 6)

/// Leave the alternate screen, show the cursor, reset attributes, stop mouse reporting, leave
/// keypad mode.
private let restoreSequence: [UInt8] = Array(
    "\u{1B}[?1049l\u{1B}[?25h\u{1B}[0m\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l\u{1B}[?1l\u{1B}>\r\n"
        .utf8)

private func restoreTerminalAndCrash(_ number: Int32) {
    if savedModesValid { tcsetattr(STDIN_FILENO, TCSANOW, &savedModes) }
    restoreSequence.withUnsafeBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    if let index = FatalSignals.numbers.firstIndex(of: number) {
        sigaction(number, &previousActions[index], nil)
    }
    // The previous handler takes it from here (SA_NODEFER: at once); should it return, a real
    // fault re-runs the faulting instruction and comes back to it.
    raise(number)
}
