import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

/// Follows a journal that a receiver on this machine is writing (`hubtop stream`, `hubtop
/// attach PATH`): what it holds first (the rotated `PATH.1` too, bounded by the store), then
/// each delivery appended, across rotation. Woken by inotify on the journal's directory, so a
/// quiet journal costs nothing. Used by one thread.
public final class JournalFollower: @unchecked Sendable {
    public let path: String
    let ingestor: Ingestor
    let delivery = DeliveryInfo(origin: .journal)
    private var descriptor: Int32 = -1
    private var identity: (device: UInt64, inode: UInt64) = (0, 0)
    private var reader = JournalStream()
    private var report = JournalReport()
    private var watch: Int32 = -1

    public init(path: String, ingestor: Ingestor) {
        self.path = path
        self.ingestor = ingestor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if watch >= 0 { close(watch) }
    }

    /// Reads what the journal holds now (with every core); then `follow` reads what is added.
    public func readHistory() throws(JournalError) -> JournalReport {
        guard access(path, F_OK) == 0 else {
            throw JournalError(description: "no journal at \(path): \(String(cString: strerror(errno)))")
        }
        watch = Self.watchDirectory(of: path)
        try open()
        let replayed: JournalReport
        do {
            replayed = try JournalReplay.replay(path, into: ingestor, delivery: delivery)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(description: "\(error)")
        }
        // On from where the replay stopped in this file (the record format says where).
        var info = stat()
        fstat(descriptor, &info)
        let end = replayed.validEnd ?? Int(info.st_size)
        lseek(descriptor, off_t(end), SEEK_SET)
        reader = JournalStream()
        if replayed.validEnd != nil {
            var header = JournalRecords.fileHeader
            _ = header.withUnsafeMutableBufferPointer {
                reader.feed(UnsafeBufferPointer($0), &report) { _ in true }
            }
        }
        return replayed
    }

    /// Reads what was appended (and, once the file was rotated, the rest of the old file and
    /// the new one). True when a delivery was read.
    @discardableResult
    public func readAppended() -> Bool {
        var read = readAvailable()
        var named = stat()
        if stat(path, &named) == 0, (UInt64(named.st_dev), UInt64(named.st_ino)) != identity {
            read = readAvailable() || read
            _ = reader.finish(&report) { _ in true }
            close(descriptor)
            descriptor = -1
            if (try? open()) != nil { read = readAvailable() || read }
        } else {
            var info = stat()
            if fstat(descriptor, &info) == 0, lseek(descriptor, 0, SEEK_CUR) > info.st_size {
                // Emptied under us (`: > journal`): from its start again.
                lseek(descriptor, 0, SEEK_SET)
                reader = JournalStream()
            }
        }
        return read
    }

    /// Sleeps until the journal's directory changes, `timeout` passes, or `also` (a descriptor
    /// to watch for its reader going away: stdout) reports an error. False when `also` did.
    public func wait(timeout: Double, also: Int32? = nil) -> Bool {
        var fds: [pollfd] = []
        if watch >= 0 { fds.append(pollfd(fd: watch, events: Int16(POLLIN), revents: 0)) }
        if let also { fds.append(pollfd(fd: also, events: 0, revents: 0)) }
        // Without inotify, a look twice a second.
        let milliseconds = watch >= 0 ? Int32(timeout * 1000) : Int32(min(timeout, 0.5) * 1000)
        _ = poll(&fds, nfds_t(fds.count), milliseconds)
        if watch >= 0, fds[0].revents != 0 {
            var drain = [UInt8](repeating: 0, count: 4096)
            while drain.withUnsafeMutableBytes({ Glibc.read(watch, $0.baseAddress, $0.count) }) > 0 {}
        }
        if also != nil, let last = fds.last, last.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
            return false
        }
        return true
    }

    private func open() throws(JournalError) {
        let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            throw JournalError(
                description: "cannot read journal \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(opened, &info)
        descriptor = opened
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
        reader = JournalStream()
    }

    private func readAvailable() -> Bool {
        guard descriptor >= 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var any = false
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var admissions: [Ingestor.Admission] = []
            var times: [Double] = []
            _ = chunk.withUnsafeBufferPointer { buffer in
                reader.feed(UnsafeBufferPointer(rebasing: buffer[0..<count]), &report) { entry in
                    let admitted = entry.body.withUnsafeBufferPointer {
                        ingestor.admit($0, delivery: delivery)
                    }
                    if case .success(let admission) = admitted {
                        admissions.append(admission)
                        times.append(entry.receivedAt)
                    }
                    return true
                }
            }
            if !admissions.isEmpty {
                ingestor.store.ingest(batch: admissions, receivedAt: times)
                any = true
            }
        }
        return any
    }

    /// inotify on the directory (the file itself is renamed away on rotation); -1 without it.
    static func watchDirectory(of path: String) -> Int32 {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let watch = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard watch >= 0 else { return -1 }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)
        guard inotify_add_watch(watch, directory.isEmpty ? "/" : directory, mask) >= 0 else {
            close(watch)
            return -1
        }
        return watch
    }
}
