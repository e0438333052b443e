import HubtopCore

public struct DashboardOptions: Sendable {
    public var webhookURL: String
    public var repositoryFilter: String

    public init(webhookURL: String, repositoryFilter: String) {
        self.webhookURL = webhookURL
        self.repositoryFilter = repositoryFilter
    }
}

public enum Dashboard {
    public static func run(store: EventStore, rejections: RejectionCounter, options: DashboardOptions) throws
    {
        struct NotYet: Error {}
        throw NotYet()
    }
}
