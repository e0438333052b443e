import HubtopCore

/// The seam between the store and the pure `DashboardModel`: when an update asks for data
/// (`state.wants`), it takes one snapshot of the store for the model's query and hands it back
/// as a message, with the rejection counts and the standing problem. The run loop and the tests
/// drive the dashboard through it; team mode can answer the same queries from elsewhere.
public struct DashboardDriver: Sendable {
    public let store: EventStore
    public let rejections: RejectionCounter
    /// A standing problem for the header (the journal cannot be written).
    public let problem: @Sendable () -> String?
    public let headline: (@Sendable () -> String)?
    public let model = DashboardModel()

    public init(
        store: EventStore, rejections: RejectionCounter, problem: @escaping @Sendable () -> String? = { nil },
        headline: (@Sendable () -> String)? = nil
    ) {
        self.store = store
        self.rejections = rejections
        self.problem = problem
        self.headline = headline
    }

    /// `update`, then the snapshot it asked for, if any (tests; the run loop reads once a frame).
    public func update(_ state: inout DashboardState, _ message: Message) {
        model.update(&state, message)
        answer(&state)
    }

    /// `update` alone: what it asks of the store waits for the frame (`readStore`), so a burst
    /// of keys, ticks and deliveries between two frames costs one read.
    public func receive(_ state: inout DashboardState, _ message: Message) {
        model.update(&state, message)
    }

    /// The frame's one read: the snapshot everything received since the last asked for, if anything did.
    public func readStore(_ state: inout DashboardState) {
        answer(&state)
    }

    /// A full snapshot now.
    public func refresh(_ state: inout DashboardState) {
        state.want(.full)
        answer(&state)
    }

    private func answer(_ state: inout DashboardState) {
        guard state.wants != nil else { return }
        model.update(&state, .status(rejections: rejections.byReason, problem: problem()))
        if let headline { model.update(&state, .headline(headline())) }
        let query = model.query(state)
        let data = state.data
        model.update(&state, .read(store.read { $0.frame(query, data: data) }))
    }
}
