import HubtopCore
import Synchronization

/// Registry requests per hour: manifest GETs (Docker Hub counts them against pull limits; blob
/// GETs it does not) and the HEADs hubtop makes on its own; it spends at most this many and
/// says when it runs low.
public final class RequestBudget: Sendable {
    public let perHour: Int
    private let window = Mutex<(start: Double, used: Int)>((0, 0))

    public init(perHour: Int) { self.perHour = max(0, perHour) }

    /// Spends one request; `automatic` ones (hubtop's own HEADs) only while more than half is left.
    func take(now: Double, automatic: Bool = false) throws {
        try window.withLock { window in
            if now - window.start >= 3600 { window = (now, 0) }
            if automatic, window.used * 2 >= perHour {
                throw RegistryClient.Failure(
                    description: "automatic lookups have spent half of the budget of \(perHour) an hour; "
                        + "the rest is kept for lookups you ask for (--registry-budget)")
            }
            guard window.used < perHour else {
                throw RegistryClient.Failure(
                    description: "the budget of \(perHour) registry requests an hour is spent; more at "
                        + Timestamp.timeOfDay(window.start + 3600) + " (--registry-budget)")
            }
            window.used += 1
        }
    }

    /// GETs left in this hour.
    public func remaining(now: Double) -> Int {
        window.withLock { now - $0.start >= 3600 ? perHour : perHour - $0.used }
    }
}
