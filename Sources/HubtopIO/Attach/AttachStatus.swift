import HubtopCore
import Synchronization

/// How an attached viewer's connection stands, for its header and its messages.
public final class AttachStatus: Sendable {
    public enum State: Sendable, Equatable {
        case connecting
        /// Reading the history.
        case catchingUp
        case live
        /// Lost; retried after a while.
        case lost(String)
    }

    private struct Values {
        var state = State.connecting
        var lastHeard: Double?
        var problem: String?
    }
    private let values = Mutex(Values())
    public let target: AttachTarget

    public init(target: AttachTarget) {
        self.target = target
    }

    public var state: State { values.withLock { $0.state } }
    public var lastHeard: Double? { values.withLock { $0.lastHeard } }

    public func set(_ state: State) {
        values.withLock { $0.state = state }
    }

    public func heard() {
        let now = WallClock.now()
        values.withLock { $0.lastHeard = now }
    }

    /// A message that could not be read (shown until the next one that can).
    public func note(_ problem: String?) {
        values.withLock { $0.problem = problem }
    }

    /// `attached to https://… · live · heard 3 s ago`.
    public func headline(now: Double) -> String {
        let (state, heard) = values.withLock { ($0.state, $0.lastHeard) }
        var parts = ["attached to " + TerminalSanitizer.line(target.shown)]
        switch state {
        case .connecting: parts.append("connecting")
        case .catchingUp: parts.append("catching up")
        case .live: parts.append("live")
        case .lost: parts.append("connection lost — reconnecting")
        }
        if let heard {
            let age = Timestamp.age(heard, now: now)
            parts.append(age == "now" ? "heard just now" : "heard \(age) ago")
        }
        return parts.joined(separator: " · ")
    }

    /// Why the connection was lost, or a message that could not be read; nil while all is well.
    public var problem: String? {
        values.withLock { values in
            if case .lost(let reason) = values.state { return reason }
            return values.problem
        }
    }
}
