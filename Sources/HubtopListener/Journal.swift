import Dispatch
import HubtopCore
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

    private struct FileState {
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
    private static func open(_ path: String, _ state: inout FileState) -> String? {
        var descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            descriptor = Glibc.open(
                path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
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

    private static func isRegularFile(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }

    /// Before anything is appended: a file that is not a journal is refused; a file in the first
    /// format is converted; a record cut short by a crash (reported and skipped by replay) is
    /// cut off, or the next delivery would follow the fragment and be read as part of it. A
    /// tail that holds more than one record's start is not one write cut short: it is moved to
    /// `PATH.damaged-<time>` first, so no automatic repair destroys more than a record.
    private static func prepare(
        _ path: String, _ state: inout FileState, validEnd: Int?, tailHoldsRecords: Bool
    ) -> String? {
        var info = stat()
        guard fstat(state.descriptor, &info) == 0, isRegularFile(info), info.st_size > 0 else { return nil }
        var head = [UInt8](repeating: 0, count: JournalRecords.fileHeader.count)
        let reading = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reading >= 0 else { return "cannot read journal \(path): \(lastErrno())" }
        let headCount = pread(reading, &head, head.count, 0)
        Glibc.close(reading)
        guard headCount >= 0 else { return "cannot read journal \(path): \(lastErrno())" }
        switch JournalStream.kind(ofFileStartingWith: head.prefix(headCount)) {
        case .unknown: return notAJournal(path)
        case .lines: return convert(path, &state)
        case .empty, .records: break
        }
        var end = validEnd
        var holdsRecords = tailHoldsRecords
        if end == nil || Int(info.st_size) < end! {
            var report = JournalReport()
            var stream = JournalStream()
            guard let reader = fopen(path, "rb") else { return "cannot read journal \(path): \(lastErrno())" }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = fread(&chunk, 1, chunk.count, reader)
                if count <= 0 { break }
                _ = chunk.withUnsafeBufferPointer {
                    stream.feed(UnsafeBufferPointer(rebasing: $0[0..<count]), &report) { _ in true }
                }
            }
            fclose(reader)
            _ = stream.finish(&report) { _ in true }
            guard stream.isRecords != nil else {
                // Shorter than the header and the start of it: a crash while the file was new.
                return rewriteHeader(path, &state)
            }
            end = stream.validEnd
            holdsRecords = stream.tailHoldsRecords
        }
        let keep = max(JournalRecords.fileHeader.count, end ?? Int(info.st_size))
        guard keep < Int(info.st_size) else { return nil }
        if holdsRecords {
            switch moveAside(path, from: keep, to: Int(info.st_size)) {
            case .success(let aside):
                state.notice =
                    "journal: \(Int(info.st_size) - keep) bytes of damaged records moved to \(aside) (not replayed)"
            case .failure(let error):
                return error.description
            }
        }
        guard ftruncate(state.descriptor, off_t(keep)) == 0 else {
            return "cannot cut the torn end off journal \(path): \(lastErrno())"
        }
        state.size = keep
        guard fsync(state.descriptor) == 0 else { return "cannot sync journal \(path): \(lastErrno())" }
        return nil
    }

    static func notAJournal(_ path: String) -> String {
        "\(path) is not a hubtop journal (it starts with neither \"HUBTOP-JOURNAL 2\" nor a first-format "
            + "line); refusing to touch it: give --journal a journal or a path where none exists yet"
    }

    /// Copies bytes `start..<end` of the journal to a new `PATH.damaged-<UTC time>` (synced, as
    /// is its directory) and names it.
    private static func moveAside(_ path: String, from start: Int, to end: Int) -> Result<
        String, JournalError
    > {
        let aside = "\(path).damaged-\(utcStamp())"
        func failure(_ reason: String) -> Result<String, JournalError> {
            .failure(JournalError(description: "cannot move damaged records aside to \(aside): \(reason)"))
        }
        let input = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return failure(lastErrno()) }
        defer { Glibc.close(input) }
        let output = Glibc.open(aside, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { return failure(lastErrno()) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = start
        var problem: String?
        while offset < end, problem == nil {
            let count = pread(input, &chunk, min(chunk.count, end - offset), off_t(offset))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                problem = count == 0 ? "the file ended early" : lastErrno()
                break
            }
            problem = writeAll(Array(chunk[0..<count]), output)
            offset += count
        }
        if problem == nil && fsync(output) != 0 { problem = lastErrno() }
        Glibc.close(output)
        guard problem == nil else {
            unlink(aside)
            return failure(problem!)
        }
        syncDirectory(of: aside)
        return .success(aside)
    }

    /// Now, as `20261206T173000Z`: sorts in time order and needs no quoting.
    static func utcStamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let count = strftime(&text, text.count, "%Y%m%dT%H%M%SZ", &parts)
        return String(decoding: text[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts the file over with just its header.
    private static func rewriteHeader(_ path: String, _ state: inout FileState) -> String? {
        guard ftruncate(state.descriptor, 0) == 0 else {
            return "cannot repair journal \(path): \(lastErrno())"
        }
        if let problem = writeAll(JournalRecords.fileHeader, state.descriptor) {
            return "cannot repair journal \(path): \(problem)"
        }
        state.size = JournalRecords.fileHeader.count
        guard fsync(state.descriptor) == 0 else { return "cannot sync journal \(path): \(lastErrno())" }
        return nil
    }

    /// Rewrites a journal of the first format (NDJSON lines) in the record format: every good
    /// line, in order, to a new file synced before it replaces the old one. The original stays
    /// as `PATH.v1` (a second name given before the swap, so no moment lacks either).
    private static func convert(_ path: String, _ state: inout FileState) -> String? {
        let converting = path + ".converting"
        // Left by a conversion that crashed: its original is still in place.
        unlink(converting)
        let output = Glibc.open(converting, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { return "cannot convert journal \(path): \(lastErrno())" }
        var problem: String?
        var buffer = JournalRecords.fileHeader
        do {
            _ = try JournalReader.read(path, includeRotated: false) { entry in
                buffer += entry.body.withUnsafeBufferPointer {
                    JournalRecords.encode(body: $0, receivedAt: entry.receivedAt, source: nil)
                }
                if buffer.count >= 1 << 20 {
                    problem = writeAll(buffer, output)
                    buffer.removeAll(keepingCapacity: true)
                }
                return problem == nil
            }
        } catch {
            problem = "\(error)"
        }
        if problem == nil { problem = writeAll(buffer, output) }
        if problem == nil && fsync(output) != 0 { problem = lastErrno() }
        Glibc.close(output)
        let original = path + ".v1"
        if problem == nil && link(path, original) != 0 {
            problem = "cannot keep the original as \(original): \(lastErrno())"
        }
        if problem == nil && rename(converting, path) != 0 {
            problem = lastErrno()
            unlink(original)
        }
        guard problem == nil else {
            unlink(converting)
            return "cannot convert journal \(path) to the record format: \(problem!)"
        }
        Glibc.close(state.descriptor)
        state.descriptor = -1
        return open(path, &state)
    }

    private static func writeAll(_ bytes: [UInt8], _ descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return written == 0 ? "no progress" : lastErrno() }
            offset += written
        }
        return nil
    }

    private static func syncDirectory(of path: String) {
        let directory =
            path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    static func lastErrno() -> String { String(cString: strerror(errno)) }
}

/// Reads journal files back, in either format; the parsing is `JournalStream`'s (pure, fuzzed).
public enum JournalReader {
    public typealias Entry = JournalEntry
    public typealias Report = JournalReport

    /// Calls `handle` for each good line of the files (rotated `PATH.1` first, then `PATH`).
    /// `progress` gets (bytes read, bytes in all) now and then.
    public static func read(
        _ path: String, includeRotated: Bool = true, progress: ((Int, Int) -> Void)? = nil,
        _ handle: (Entry) -> Bool
    ) throws -> Report {
        var report = Report()
        let candidates: [String] = includeRotated ? [path + ".1", path] : [path]
        let files = candidates.filter { access($0, R_OK) == 0 }
        guard !files.isEmpty || access(path, F_OK) != 0 else {
            throw JournalError(
                description: "cannot read journal \(path): \(String(cString: strerror(errno)))")
        }
        let total = files.reduce(0) { $0 + fileSize($1) }
        var done = 0
        for file in files {
            guard let handleFile = fopen(file, "rb") else { continue }
            defer { fclose(handleFile) }
            var lines = JournalStream()
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var lastReport = 0
            var first = true
            while true {
                let count = fread(&chunk, 1, chunk.count, handleFile)
                if count <= 0 { break }
                if first {
                    first = false
                    let head = chunk[0..<min(count, JournalRecords.fileHeader.count)]
                    if JournalStream.kind(ofFileStartingWith: head) == .unknown {
                        throw JournalError(description: Journal.notAJournal(file))
                    }
                }
                done += count
                let going = chunk.withUnsafeBufferPointer {
                    lines.feed(UnsafeBufferPointer(rebasing: $0[0..<count]), &report, handle)
                }
                if !going { return report }
                if let progress, done - lastReport >= 8 << 20 {
                    progress(done, total)
                    lastReport = done
                }
            }
            if !lines.finish(&report, handle) { return report }
            report.validEnd = lines.validEnd
            report.tailHoldsRecords = lines.tailHoldsRecords
        }
        progress?(done, total)
        return report
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
