import HubtopCore
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// Opening, checking, converting and repairing the journal file before anything is appended.
extension Journal {
    static func isRegularFile(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }

    /// Before anything is appended: a file that is not a journal is refused; a file in the first
    /// format is converted; a record cut short by a crash (reported and skipped by replay) is
    /// cut off, or the next delivery would follow the fragment and be read as part of it. A
    /// tail that holds more than one record's start is not one write cut short: it is moved to
    /// `PATH.damaged-<time>` first, so no automatic repair destroys more than a record.
    static func prepare(
        _ path: String, _ state: inout FileState, validEnd: Int?, tailHoldsRecords: Bool
    ) -> String? {
        var info = stat()
        guard fstat(state.descriptor, &info) == 0, isRegularFile(info), info.st_size > 0 else { return nil }
        var head = [UInt8](repeating: 0, count: JournalRecords.fileHeader.count)
        let headCount = pread(state.descriptor, &head, head.count, 0)
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
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var offset = 0
            while true {
                let count = pread(state.descriptor, &chunk, chunk.count, off_t(offset))
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { return "cannot read journal \(path): \(lastErrno())" }
                if count == 0 { break }
                offset += count
                _ = chunk.withUnsafeBufferPointer {
                    stream.feed(UnsafeBufferPointer(rebasing: $0[0..<count]), &report) { _ in true }
                }
            }
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
            switch moveAside(path, state.descriptor, from: keep, to: Int(info.st_size)) {
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

    /// Copies bytes `start..<end` of the journal (read through its open `input`) to a new
    /// `PATH.damaged-<UTC time>` (synced, as is its directory) and names it.
    static func moveAside(_ path: String, _ input: Int32, from start: Int, to end: Int) -> Result<
        String, JournalError
    > {
        let aside = "\(path).damaged-\(utcStamp())"
        func failure(_ reason: String) -> Result<String, JournalError> {
            .failure(JournalError(description: "cannot move damaged records aside to \(aside): \(reason)"))
        }
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
    static func rewriteHeader(_ path: String, _ state: inout FileState) -> String? {
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
    static func convert(_ path: String, _ state: inout FileState) -> String? {
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
        return Self.open(path, &state)
    }

    static func writeAll(_ bytes: [UInt8], _ descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return written == 0 ? "no progress" : lastErrno() }
            offset += written
        }
        return nil
    }

    static func syncDirectory(of path: String) {
        let directory =
            path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    static func lastErrno() -> String { String(cString: strerror(errno)) }
}
