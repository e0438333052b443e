import ArgumentParser
import HubtopCore

/// How much of a receiver's history `attach` and `stream` hold: the newest events, within a budget.
struct ViewerStoreOptions: ParsableArguments {
    @Option(help: "Events kept (the newest).")
    var maxEvents = 100_000

    @Option(help: "Memory the events kept may take, e.g. 512MiB.")
    var maxMemory = "512MiB"

    func validate() throws {
        guard maxEvents > 0 else { throw ValidationError("--max-events must be positive") }
        guard let memory = ByteSize.parse(maxMemory), memory >= 1 << 20 else {
            throw ValidationError("--max-memory wants a size of at least 1MiB, got '\(maxMemory)'")
        }
    }

    /// `requestBudget`: bytes for raw requests fetched for the inspector (0 keeps none).
    func makeStore(requestBudget: Int = 0) -> EventStore {
        EventStore(
            capacity: maxEvents, memoryBudget: ByteSize.parse(maxMemory) ?? 512 << 20,
            requestBudget: requestBudget)
    }
}
