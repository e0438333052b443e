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
    public let model = DashboardModel()

    public init(
        store: EventStore, rejections: RejectionCounter, problem: @escaping @Sendable () -> String? = { nil }
    ) {
        self.store = store
        self.rejections = rejections
        self.problem = problem
    }

    /// `update`, then the snapshot it asked for, if any.
    public func update(_ state: inout DashboardState, _ message: Message) {
        model.update(&state, message)
        answer(&state)
    }

    /// A full snapshot now.
    public func refresh(_ state: inout DashboardState) {
        state.want(.full)
        answer(&state)
    }

    func answer(_ state: inout DashboardState) {
        guard state.wants != nil else { return }
        model.update(&state, .status(rejections: rejections.byReason, problem: problem()))
        model.update(&state, .snapshot(store.snapshot(for: model.query(state))))
    }
}
