import HubtopCore

/// Everything one dashboard frame asks of the store. The dashboard builds it from its state
/// (`DashboardModel.query`) and `StoreReader.frame` answers it in one read of the store, so that
/// every pane and the header come from the same moment.
public struct FrameQuery: Equatable, Sendable {
    /// How much a frame needs: everything, only the counts (a paused view still counts what
    /// arrives), or the counts and what moves with the clock (ages, rates, sparklines: a tick).
    public enum Scope: Sendable, Comparable {
        case totals, activity, full
    }

    public var scope = Scope.full
    /// The `/` filter and the narrowing (repository, tag, pusher) of the history.
    public var filter = EventFilter()
    /// The repositories pane: its window, and the repository to keep selected if it is still
    /// listed (nil: the cursor's position is kept, so a selection on the first row follows the
    /// newest repository).
    public var repositories = ListWindow()
    public var keepRepository: String?
    public var tags = ListWindow()
    /// `.some(tag)`: keep this tag selected.
    public var keepTag: String??
    public var pushers = ListWindow()
    public var keepPusher: String?
    /// The history: its window, the bursts shown expanded, and the row to stay on while newer
    /// rows arrive above it.
    public var history = ListWindow()
    public var expanded: Set<UInt64> = []
    public var keepRow: HistoryKey?
    /// The event the detail shows.
    public var detailEventID: UInt64?
    /// The Dockerfile viewer: a fixed event, or (with `followsRepository`) the latest event of
    /// the selected repository; `diff` also fetches what it is compared with.
    public var viewerEventID: UInt64?
    public var viewerFollowsRepository = false
    public var diff = false
    /// Sparklines for the repositories on screen, in this many bars.
    public var sparklineBars = 12
    /// Minutes of the header's activity sparkline.
    public var activityMinutes = 30
    /// With `.activity`: the repositories on screen, whose sparklines are wanted.
    public var visibleRepositories: [String] = []
    /// For the bell: report the newest event matching the filter when it is newer than this.
    public var bellAfterID: UInt64?
    public var now: Double = 0

    public init() {}
}
