import ArgumentParser
import HubtopCore

/// How events are shown: the dashboard (and what it starts with), or one line each on stdout.
struct DisplayOptions: ParsableArguments {
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

    @Option(help: "Mark repositories with no push for this long (e.g. 6h, 7d).")
    var stale: String?

    @Option(
        help:
            "How long a push may take to land in another registry (a mirror, e.g. 10m); m then lists the pushes that did not."
    )
    var mirrorLag: String?

    @Flag(help: "Ring the terminal bell on new events that match the filter (b toggles it).")
    var bell = false

    @Flag(help: "Y copies curl commands with the real webhook token instead of ${HUBTOP_TOKEN}.")
    var copyToken = false
}

/// `DisplayOptions`, checked.
struct DisplaySettings {
    enum Output {
        case dashboard
        case lines(json: Bool)
    }

    let output: Output
    /// Events a second of the synthetic feed; nil without `--demo`.
    let demoRate: Double?
    let repositoryFilter: String
    let theme: String?
    let noColor: Bool
    let staleAfter: Double?
    let mirrorLag: Double?
    let bell: Bool
    let copyToken: Bool

    init(_ options: DisplayOptions) throws(ValidationError) {
        if options.json && !options.headless { throw ValidationError("--json goes with --headless") }
        output = options.headless ? .lines(json: options.json) : .dashboard
        guard options.demoRate > 0, options.demoRate <= 10_000 else {
            throw ValidationError("--demo-rate must be in (0, 10000]")
        }
        demoRate = options.demo ? options.demoRate : nil
        if let stale = options.stale {
            guard let seconds = DurationText.seconds(stale), seconds > 0 else {
                throw ValidationError("--stale wants a positive duration such as 6h or 7d; got '\(stale)'")
            }
            staleAfter = seconds
        } else {
            staleAfter = nil
        }
        if let lag = options.mirrorLag {
            guard let seconds = DurationText.seconds(lag), seconds > 0 else {
                throw ValidationError(
                    "--mirror-lag wants a positive duration such as 10m or 1h; got '\(lag)'")
            }
            mirrorLag = seconds
        } else {
            mirrorLag = nil
        }
        repositoryFilter = options.repo ?? ""
        theme = options.theme
        noColor = options.noColor || Environment.noColorRequested
        bell = options.bell
        copyToken = options.copyToken
    }
}
