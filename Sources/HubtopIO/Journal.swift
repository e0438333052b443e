import Dispatch
import HubtopCore
import HubtopServer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// When the journal forces its writes to disk.
public enum FsyncPolicy: String, CaseIterable, Sendable {
    /// After every delivery, before it is acknowledged: nothing acknowledged is ever lost.
    case always
    /// At most a second after a write (the default): a crash of the machine loses at most the last second.
    case interval
    /// Left to the operating system.
    case never
}

public struct JournalError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// An append-only file of accepted deliveries: one record each (`JournalRecords`), with the raw
/// body and when it arrived. Replayed at start, so a restart or crash loses nothing
/// acknowledged. A journal in the first format (NDJSON lines) is converted when opened.
///
/// Writes happen on a serial queue of their own, never on an event loop: `enqueue` hands a line
/// over and is called back once it is written (and synced, with `always`). Lines that queue up
/// while a write or sync is under way go out together in one write and one sync (group commit).
/// While the file cannot be written every append fails (the listener answers `503`); each new
/// append tries to open the file again, so the journal recovers by itself.
public final class Journal: Sendable {
    public let path: String
    public let policy: FsyncPolicy
    /// Rotate to `PATH.1` past this size (0: never).
    public let maxBytes: Int

    struct FileState {
        /// -1 while the file is not open: a closed descriptor number is never kept, since the
        /// process may hand the same number to a socket.
        var descriptor: Int32 = -1
        var size = 0
        var dirty = false
        var syncScheduled = false
        var lastError: String?
        /// Set while rotation fails (deliveries are still written, to the current file).
        var warning: String?
        /// What opening the file repaired, for the header and `/healthz` until the process ends.
        var notice: String?
    }

    private struct Pending {
        var lines: [[UInt8]] = []
        var completions: [@Sendable (JournalError?) -> Void] = []
        var draining = false
    }

    private let file: Mutex<FileState>
    private let pending = Mutex(Pending())
    private let queue: DispatchQueue

    /// `validEnd` and `tailHoldsRecords`: where the file's last whole record ends and whether
    /// what follows is more than one record cut short, when a replay just found out (saves
    /// reading it again); otherwise the file is read to find its torn tail.
    /// Throws, touching nothing, for a file that is not a journal.
    public init(
        path: String, policy: FsyncPolicy = .interval, maxBytes: Int = 0, validEnd: Int? = nil,
        tailHoldsRecords: Bool = false
    ) throws {
        self.path = path
        self.policy = policy
        self.maxBytes = maxBytes
        self.queue = DispatchQueue(label: "hubtop.journal")
        var state = FileState()
        if let problem = Self.open(path, &state) { throw JournalError(description: problem) }
        if let problem = Self.prepare(path, &state, validEnd: validEnd, tailHoldsRecords: tailHoldsRecords) {
            if state.descriptor >= 0 { Glibc.close(state.descriptor) }
            throw JournalError(description: problem)
        }
        file = Mutex(state)
    }

    deinit {
        file.withLock { state in
            guard state.descriptor >= 0 else { return }
            if state.dirty { fsync(state.descriptor) }
            Glibc.close(state.descriptor)
            state.descriptor = -1
        }
    }

    /// The last write error, while writes fail (cleared by the next good write).
    public var lastError: String? { file.withLock { $0.lastError } }

    /// Why the journal cannot rotate, while it cannot (it keeps appending to the current file).
    public var warning: String? { file.withLock { $0.warning } }

    /// What opening the journal repaired (damaged records moved aside), if anything.
    public var notice: String? { file.withLock { $0.notice } }

    /// What the dashboard header should say about the journal, if anything.
    public var problem: String? { file.withLock { $0.lastError ?? $0.warning ?? $0.notice } }

    /// One delivery as the journal writes it.
    public static func record(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?)
        -> [UInt8]
    {
        JournalRecords.encode(body: body, receivedAt: receivedAt, source: source)
    }

    /// Appends one delivery on the caller's thread; throws when it could not be written (and
    /// synced, with `always`). For tools and tests; the listener uses `enqueue`.
    public func append(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?) throws {
        let record = Self.record(body: body, receivedAt: receivedAt, source: source)
        if let error = commit([record]) { throw error }
    }

    /// Hands a record (from `record(body:receivedAt:source:)`) to the journal's queue; `completion`
    /// is called on that queue with nil once it is durable as the policy asks, or the error.
    public func enqueue(_ line: [UInt8], completion: @escaping @Sendable (JournalError?) -> Void) {
        let start = pending.withLock { pending -> Bool in
            pending.lines.append(line)
            pending.completions.append(completion)
            defer { pending.draining = true }
            return !pending.draining
        }
        if start { queue.async { self.drain() } }
    }

    /// Writes what has queued up, batch after batch, until nothing is left.
    private func drain() {
        while true {
            let batch = pending.withLock { pending -> Pending? in
                guard !pending.lines.isEmpty else {
                    pending.draining = false
                    return nil
                }
                defer {
                    pending.lines = []
                    pending.completions = []
                }
                return pending
            }
            guard let batch else { return }
            let error = commit(batch.lines)
            for completion in batch.completions { completion(error) }
        }
    }

    /// Writes `lines` as one unit: all of them are on disk (synced, with `always`) or none is.
    private func commit(_ lines: [[UInt8]]) -> JournalError? {
        let result = file.withLock { state -> JournalError? in
            if let problem = Self.reopenIfGone(path, &state) { return fail(&state, problem) }
            let bytes = lines.count == 1 ? lines[0] : Array(lines.joined())
            if maxBytes > 0, state.size > JournalRecords.fileHeader.count, state.size + bytes.count > maxBytes
            {
                if let problem = rotate(&state) { return fail(&state, problem) }
            }
            if let problem = Self.writeAll(bytes, state.descriptor) {
                return fail(&state, "journal write failed: \(problem)", cutBackTo: state.size)
            }
            if policy == .always, fsync(state.descriptor) != 0 {
                return fail(&state, "journal fsync failed: \(Self.lastErrno())", cutBackTo: state.size)
            }
            state.size += bytes.count
            state.dirty = policy != .always
            state.lastError = nil
            return nil
        }
        if policy == .interval { scheduleSync() }
        return result
    }

    /// Records a failure. A partly written batch is cut off, so that nothing answered `503`
    /// comes back on replay; if even that fails the descriptor is dropped and reopened later.
    private func fail(_ state: inout FileState, _ problem: String, cutBackTo size: Int? = nil)
        -> JournalError
    {
        if let size, state.descriptor >= 0 {
            if ftruncate(state.descriptor, off_t(size)) != 0
                || (policy == .always && fsync(state.descriptor) != 0)
            {
                Glibc.close(state.descriptor)
                state.descriptor = -1
            }
        }
        state.lastError = problem
        return JournalError(description: problem)
    }

    /// With `interval`: one sync about a second after the first unsynced write (no timer while idle).
    private func scheduleSync() {
        let schedule = file.withLock { state -> Bool in
            guard state.dirty, !state.syncScheduled else { return false }
            state.syncScheduled = true
            return true
        }
        if schedule { queue.asyncAfter(deadline: .now() + 1) { self.syncIfDirty() } }
    }

    /// Forces what was written to disk (also called at shutdown).
    public func syncIfDirty() {
        file.withLock { state in
            state.syncScheduled = false
            guard state.dirty, state.descriptor >= 0 else { return }
            if fsync(state.descriptor) == 0 { state.dirty = false }
        }
    }

    /// Moves the full file to `PATH.1` and starts a new one.
    private func rotate(_ state: inout FileState) -> String? {
        fsync(state.descriptor)
        Glibc.close(state.descriptor)
        state.descriptor = -1
        state.dirty = false
        if rename(path, path + ".1") != 0 {
            let reason = Self.lastErrno()
            // Still in place: keep appending to it rather than refuse deliveries, and say so.
            if let problem = Self.open(path, &state) {
                return "cannot rotate journal (\(reason)); \(problem)"
            }
            state.warning =
                "cannot rotate the journal to \(path).1 (\(reason)); appending past --journal-max-bytes"
            return nil
        }
        state.warning = nil
        return Self.open(path, &state)
    }

    /// Opens (creating) the journal file and syncs its directory, so the new name survives a
    /// crash. A new file starts with the format's header; it is created only where nothing is
    /// (not through a symbolic link, not over a file that appeared meanwhile).
    static func open(_ path: String, _ state: inout FileState) -> String? {
        // Read and write: what opening checks is read through the descriptor that is appended
        // to, never through the path again (which may name another file by then).
        var descriptor = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            descriptor = Glibc.open(
                path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard descriptor >= 0 else { return "cannot open journal \(path): \(lastErrno())" }
        var info = stat()
        fstat(descriptor, &info)
        state.descriptor = descriptor
        state.size = Int(info.st_size)
        if state.size == 0 && isRegularFile(info) {
            if let problem = writeAll(JournalRecords.fileHeader, descriptor) {
                return "cannot write journal \(path): \(problem)"
            }
            state.size = JournalRecords.fileHeader.count
        }
        syncDirectory(of: path)
        return nil
    }

    /// Reopens when the file is not open, or was removed or renamed under us (appending to an
    /// unlinked file would acknowledge deliveries that no replay can find).
    private static func reopenIfGone(_ path: String, _ state: inout FileState) -> String? {
        if state.descriptor >= 0 {
            var open = stat()
            var named = stat()
            let stillNamed =
                fstat(state.descriptor, &open) == 0 && open.st_nlink > 0 && stat(path, &named) == 0
                && named.st_ino == open.st_ino && named.st_dev == open.st_dev
            if stillNamed && isRegularFile(open) && open.st_size == 0 && state.size > 0 {
                // Emptied under us (`: > journal`): it starts again with its header.
                return rewriteHeader(path, &state)
            }
            if stillNamed || !isRegularFile(open) { return nil }
            Glibc.close(state.descriptor)
            state.descriptor = -1
        }
        return Self.open(path, &state)
    }
}
