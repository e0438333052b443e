import HubtopCore

public enum PaneID: Int, CaseIterable, Sendable {
    case repositories
    case tags
    case pushers
    case events

    public var title: String {
        switch self {
        case .repositories: return "Repositories"
        case .tags: return "Tags"
        case .pushers: return "Pushers"
        case .events: return "Events"
        }
    }
}

/// The Dockerfile viewer: which event it shows and where it is scrolled.
public struct DockerfileViewer: Equatable, Sendable {
    /// A fixed event, or nil to follow the latest event of the selected repository.
    public var eventID: UInt64?
    /// Where it is scrolled, down and (`→` / `←`, for lines wider than the viewer) sideways.
    public var viewport = Viewport()
    public var search = ""
    public var editingSearch = false
    /// The line of the current match, if any.
    public var matchLine: Int?
    /// `D`: a unified diff against the previous different Dockerfile of the repository.
    public var showDiff = false
}

public struct DetailView: Equatable, Sendable {
    public var eventID: UInt64
    public var viewport = Viewport()
}

/// The raw request inspector: one delivery of an event as it arrived.
public struct InspectorView: Equatable, Sendable {
    public var eventID: UInt64
    /// Which of the kept deliveries (oldest first); nil follows the newest.
    public var delivery: Int?
    public var viewport = Viewport()
}

/// What the panes show: taken from the store's snapshots, so rendering never touches the store.
public struct DashboardData: Equatable, Sendable {
    public var totals = StoreTotals()
    public var rejected = 0
    /// The most frequent rejection reasons, for the header.
    public var topRejections: [RejectionCount] = []
    public var repositories: [RepositorySummary] = []
    public var tags: [TagSummary] = []
    public var pushers: [PusherSummary] = []
    /// The visible window of the grouped event history.
    public var history: [HistoryRow] = []
    public var eventTotal = 0
    /// The events of the visible history rows.
    public var events: [StoredEvent] { history.map(\.event) }
    /// The event the Dockerfile viewer or the detail view shows.
    public var focusedEvent: StoredEvent?
    /// Forward outcomes of the focused event.
    public var focusedOutcomes: [IntegrationOutcome] = []
    /// The raw requests kept of the detail's event, oldest first, and whether any are kept.
    public var focusedRequests: [ReceivedRequest] = []
    public var keepsRequests = false
    /// With the diff on: the event whose Dockerfile the focused one is compared with.
    public var diffBase: StoredEvent?
    /// What the store knows of the focused event's image and the diff base's (digest, platforms).
    public var focusedImage: ImageFacts?
    public var diffBaseImage: ImageFacts?
    /// Signature, attestation and SBOM pushes folded under the focused event.
    public var focusedArtifacts: [StoredEvent] = []
    /// The focused push's scan result and its tag's pulls, when its registry sends them.
    public var focusedScan: ScanSummary?
    /// Platform manifests folded under the focused push.
    public var focusedChildren: [String] = []
    /// Pushes of the focused event's digest in other registries.
    public var focusedMirrors: [StoredEvent] = []
    public var focusedPulls = 0
    /// The latest greeting a sender sent (GitHub's ping), for the header.
    public var lastPing: SenderPing?
    /// The kinds of registry the held repositories come from (what `s` cycles through).
    public var sources: [EventSource] = []
    public var eventsPerMinute = 0.0
    /// Events per minute over the last half hour, oldest first (the header sparkline).
    public var activity: [Int] = []
    /// Visible repositories' events over the last hour in 5-minute bars, oldest first.
    public var sparklines: [String: [Int]] = [:]
    /// Shown repositories with no push for `staleAfter`.
    public var staleCount = 0
    /// A standing problem (journal cannot be written), shown in the header.
    public var problem: String?

    public init() {}
}

/// A reason deliveries were refused for, and how often.
public struct RejectionCount: Equatable, Sendable {
    public var reason: String
    public var count: Int
}

/// The whole dashboard state. Only `update` changes it; views only read it.
public struct DashboardState: Sendable {
    public var width: Int { didSet { layout = Layout(width: width, height: height) } }
    public var height: Int { didSet { layout = Layout(width: width, height: height) } }
    /// Where everything goes at this size: worked out when the size changes, not per use.
    public private(set) var layout: Layout
    public var now: Double
    public var webhookURL: String

    public var focus: PaneID = .repositories
    public var cursors: [PaneID: ListCursor] = [:]

    /// `/` filter: a repository pattern, applied to every pane.
    public var filterText = ""
    /// Enter on a repository, tag or pusher narrows the other panes to it.
    public var narrowedRepository: String?
    public var narrowedTag: String??
    public var narrowedPusher: String?
    /// `a`: leave signature, attestation and SBOM pushes out of the history.
    public var hideArtifacts = false
    /// `f`: only pushes that fix vulnerabilities (hardened-image change logs).
    public var onlyVulnerabilityFixes = false
    /// `s`: only repositories of one kind of registry.
    public var sourceFilter: EventSource?
    /// `--mirror-lag`: how long a push may take to land in another registry.
    public var mirrorLag: Double?
    /// `m`: only pushes not seen in another registry within `mirrorLag`.
    public var onlyUnmirrored = false

    public var paused = false
    /// Newest event id when paused: the frozen view shows nothing newer.
    public var pausedAtID: UInt64?

    /// Bursts the history shows expanded into their deliveries.
    public var expandedBursts: Set<UInt64> = []

    /// `--stale`: repositories with no push for this many seconds are marked.
    public var staleAfter: Double?
    /// `--bell` / `b`: ring on new events that match the filter.
    public var bell = false
    /// Every event up to this id has been considered for the bell.
    public var bellSeenID: UInt64 = 0
    public var lastBellAt = -Double.infinity

    /// What is open over the panes: at most one thing at a time.
    public var overlay: Overlay?
    /// Side effects for the run loop to carry out (bell, export); it empties the list.
    public var effects: [Effect] = []
    public var quit = false

    /// `--enrich`: whether opening an event without a Dockerfile asks the registry.
    public var enrichment: EnrichmentMode = .off
    /// Registry lookups by event id (at most `lookupLimit`, oldest forgotten first), and the
    /// platform `P` chose for each.
    public private(set) var imageLookups: [UInt64: ImageLookup] = [:]
    private var lookupOrder: [UInt64] = []
    public var imagePlatforms: [UInt64: Int] = [:]
    static let lookupLimit = 64

    public mutating func remember(_ lookup: ImageLookup, for id: UInt64) {
        if imageLookups.updateValue(lookup, forKey: id) == nil { lookupOrder.append(id) }
        while lookupOrder.count > Self.lookupLimit {
            let old = lookupOrder.removeFirst()
            imageLookups[old] = nil
            imagePlatforms[old] = nil
        }
    }

    /// The platform shown for event `id`'s image: the one `P` chose, else the preferred.
    public func platform(of id: UInt64, in image: RegistryImage) -> Int {
        imagePlatforms[id].flatMap { image.platforms.indices.contains($0) ? $0 : nil }
            ?? image.preferredPlatform
    }

    /// Where `Y` points the copied `curl` command (the token a placeholder unless `--copy-token`).
    public var curlURL = "\"http://127.0.0.1:9876/hook/${HUBTOP_TOKEN}\""
    /// Whether `r` can re-send (a listener runs), and the `--forward` targets it sends to.
    public var canResend = false
    public var forwardTargets: [String] = []

    /// Names of the themes `T` cycles through, and the one in use.
    public var themeNames: [String] = ["default"]
    public var themeIndex = 0
    /// A one-off message in the footer (theme switched, theme errors); cleared by the next key.
    public var flash: String?

    public var data = DashboardData()

    /// What the next snapshot must cover; nil when the data is up to date.
    public var wants: FrameQuery.Scope?
    /// The history row to keep selected through the next snapshot (a burst just closed).
    public var keepRow: HistoryKey?

    /// Asks for a snapshot of at least `scope`.
    public mutating func want(_ scope: FrameQuery.Scope) {
        wants = max(wants ?? scope, scope)
    }

    public init(width: Int, height: Int, now: Double, webhookURL: String, filter: String = "") {
        self.width = width
        self.height = height
        self.layout = Layout(width: width, height: height)
        self.now = now
        self.webhookURL = webhookURL
        self.filterText = filter
    }

    public func cursor(_ pane: PaneID) -> ListCursor { cursors[pane] ?? ListCursor() }

    public var newSincePause: Int {
        guard let pausedAtID else { return 0 }
        return Int(data.totals.newestID &- pausedAtID)
    }

    /// The repository the Tags pane and the Dockerfile viewer follow.
    public var selectedRepository: String? {
        if let narrowedRepository { return narrowedRepository }
        let index = cursor(.repositories).selected
        return data.repositories.indices.contains(index) ? data.repositories[index].name : nil
    }

    public var selectedRow: HistoryRow? {
        let cursor = cursor(.events)
        let index = cursor.selected - cursor.top
        return data.history.indices.contains(index) ? data.history[index] : nil
    }

    public var selectedEvent: StoredEvent? { selectedRow?.event }

    func isStale(_ repository: RepositorySummary) -> Bool {
        guard let staleAfter else { return false }
        return now - repository.lastPushedAt > staleAfter
    }

    public var eventFilter: EventFilter {
        var filter = EventFilter(
            repositoryContains: filterText, repository: narrowedRepository, tag: narrowedTag,
            pusher: narrowedPusher)
        filter.hideArtifacts = hideArtifacts
        filter.onlyVulnerabilityFixes = onlyVulnerabilityFixes
        filter.source = sourceFilter
        if onlyUnmirrored, let mirrorLag { filter.unmirroredBefore = now - mirrorLag }
        return filter
    }

    public var isTooSmall: Bool { width < Layout.minimumWidth || height < Layout.minimumHeight }

    // The overlay seen one kind at a time: reading gives it when it is that kind; setting one
    // replaces whatever was open; setting nil closes it only if it is that kind.

    public var showHelp: Bool {
        get { overlay == .help }
        set {
            if newValue { helpView = Viewport() }
            set(newValue ? .help : nil, when: { $0 == .help })
        }
    }
    /// The help's first shown line, when it is longer than the screen.
    public var helpView = Viewport()

    public var editingFilter: Bool {
        get { overlay == .filter }
        set { set(newValue ? .filter : nil, when: { $0 == .filter }) }
    }

    public var prompt: Prompt? {
        get { if case .prompt(let prompt) = overlay { prompt } else { nil } }
        set {
            set(newValue.map(Overlay.prompt)) {
                if case .prompt = $0 { true } else { false }
            }
        }
    }

    /// The state as the screen shows it: with a prompt open, the view it was asked from stays on
    /// screen behind it (the raw request while a re-send target is typed), and keeps its data.
    public var showingViewBehindPrompt: DashboardState {
        guard case .prompt(let prompt)? = overlay, let behind = prompt.behind else { return self }
        var shown = self
        shown.overlay = behind
        return shown
    }

    public var detail: DetailView? {
        get { if case .detail(let detail) = overlay { detail } else { nil } }
        set {
            set(newValue.map(Overlay.detail)) {
                if case .detail = $0 { true } else { false }
            }
        }
    }

    public var inspector: InspectorView? {
        get { if case .inspector(let inspector) = overlay { inspector } else { nil } }
        set {
            set(newValue.map(Overlay.inspector)) {
                if case .inspector = $0 { true } else { false }
            }
        }
    }

    /// The delivery the inspector shows, else (in the detail) the newest kept.
    public var selectedRequest: ReceivedRequest? {
        let requests = data.focusedRequests
        guard let last = requests.indices.last else { return nil }
        return requests[min(inspector?.delivery ?? last, last)]
    }

    public var dockerfile: DockerfileViewer? {
        get { if case .dockerfile(let viewer) = overlay { viewer } else { nil } }
        set {
            set(newValue.map(Overlay.dockerfile)) {
                if case .dockerfile = $0 { true } else { false }
            }
        }
    }

    private mutating func set(_ new: Overlay?, when isKind: (Overlay) -> Bool) {
        if let new {
            overlay = new
        } else if let current = overlay, isKind(current) {
            overlay = nil
        }
    }
}

/// What can be open over the panes. One value, so that no two can be open at once.
public indirect enum Overlay: Equatable, Sendable {
    case help
    /// A question in the footer (the export path, an overwrite confirmation).
    case prompt(Prompt)
    /// `/`: the repository filter being typed in the footer.
    case filter
    case detail(DetailView)
    /// `i` in the detail: the raw request of a delivery.
    case inspector(InspectorView)
    case dockerfile(DockerfileViewer)
}

/// A question asked in the footer.
public struct Prompt: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Where to write the filtered events.
        case exportPath
        /// The export file exists: write over it?
        case confirmOverwrite(path: String)
        /// `r`: where to re-send a delivery (empty: the `--forward` targets).
        case resendTarget(eventID: UInt64, request: ReceivedRequest)
    }

    public var kind: Kind
    public var text: String
    /// What was open when the question was asked, open again once it is answered.
    public var behind: Overlay?

    public init(kind: Kind, text: String, behind: Overlay? = nil) {
        self.kind = kind
        self.text = text
        self.behind = behind
    }
}

/// What the run loop does for `update`, which stays free of side effects.
public enum Effect: Equatable, Sendable {
    case bell
    /// Write the events matching `filter` to `path`; an existing file only with `overwrite`.
    case export(path: String, filter: EventFilter, overwrite: Bool)
    /// Ask the registry about an image (`--enrich`); the answer comes back as `.imageLookup`.
    case lookUpImage(ImageRequest)
    /// Put bytes on the terminal's clipboard (OSC 52); `what` names them in the message.
    case copy([UInt8], what: String)
    /// Send a kept delivery again: to `url`, or (nil) to the `--forward` targets.
    case resend(eventID: UInt64, request: ReceivedRequest, url: String?)
}
