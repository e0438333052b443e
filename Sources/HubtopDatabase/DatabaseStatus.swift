import HubtopCore
import PostgresNIO
import Synchronization

/// What the receivers and viewers know about their database, for `/healthz`, `/metrics` and
/// the dashboard's header.
public final class DatabaseStatus: Sendable {
    struct State {
        var writerConnected = false
        /// Set when the writer's last attempt failed; cleared when it commits again.
        var writerFailing = false
        var followerConnected = false
        var lastError: (at: Double, text: String)?
        var lostAt: Double?
        /// Rows the follower has applied since it lost its connection (the catch-up).
        var caughtUp = 0
        var catchingUp = false
        var loading: (done: Int, total: Int)?
        var batches = 0
        var rows = 0
        var lastBatch = 0
        var largestBatch = 0
        var lastCommitSeconds = 0.0
        var slowestCommitSeconds = 0.0
        var commitSecondsTotal = 0.0
        var backlog = 0
        var pruned = 0
    }

    let state = Mutex(State())

    public init() {}

    func update(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }

    func failed(_ error: any Error, now: Double, follower: Bool) {
        let text = DatabaseError.describe(error)
        state.withLock { state in
            state.lastError = (now, text)
            if follower {
                if state.followerConnected || state.lostAt == nil { state.lostAt = now }
                state.followerConnected = false
            } else {
                state.writerConnected = false
                state.writerFailing = true
            }
        }
    }

    /// One line for a database error (PostgreSQL's message, or the connection's trouble).
    public static func describe(_ error: any Error) -> String { DatabaseError.describe(error) }

    /// A standing line for the dashboard's header while something is wrong or under way.
    public func problem(now: Double) -> String? {
        state.withLock { state in
            if let loading = state.loading {
                return "database: loading the history, \(loading.done) of \(loading.total) events"
            }
            if !state.followerConnected, let lostAt = state.lostAt {
                let reason = state.lastError.map { ": " + $0.text } ?? ""
                return "database connection lost \(Int(now - lostAt)) s ago\(reason); reconnecting"
            }
            if state.catchingUp {
                return "database: reconnected, catching up (\(state.caughtUp) events so far)"
            }
            return nil
        }
    }

    var writerFailing: Bool { state.withLock { $0.writerFailing } }

    func health(_ writer: inout JSONWriter, detailed: Bool) {
        let state = self.state.withLock { $0 }
        func milliseconds(_ seconds: Double) -> JSONValue { .number((seconds * 10_000).rounded() / 10) }
        let batches = Double(max(1, state.batches))
        var members: [(String, JSONValue)] = [
            ("writer_connected", .bool(state.writerConnected)),
            ("follower_connected", .bool(state.followerConnected)),
            ("batches", .number(Double(state.batches))), ("rows", .number(Double(state.rows))),
            ("last_batch", .number(Double(state.lastBatch))),
            ("largest_batch", .number(Double(state.largestBatch))),
            ("mean_batch", .number((Double(state.rows) / batches * 10).rounded() / 10)),
            ("last_commit_ms", milliseconds(state.lastCommitSeconds)),
            ("mean_commit_ms", milliseconds(state.commitSecondsTotal / batches)),
            ("slowest_commit_ms", milliseconds(state.slowestCommitSeconds)),
            ("backlog", .number(Double(state.backlog))), ("pruned", .number(Double(state.pruned))),
        ]
        if detailed, let error = state.lastError { members.append(("last_error", .string(error.text))) }
        for (key, value) in members {
            writer.key(key)
            writer.value(value)
        }
    }
}

enum DatabaseError {
    /// One line for a driver error: PostgreSQL's own message when there is one, else what went
    /// wrong underneath (a refused connection), never a query's text.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String("\(error)".prefix(200)) }
        if let message = error.serverInfo?[.message] {
            return TerminalSanitizer.line(String(message.prefix(200)))
        }
        var text = "\(error.code)"
        if let underlying = error.underlying { text += ": \(underlying)" }
        return TerminalSanitizer.line(String(text.prefix(200)))
    }
}
