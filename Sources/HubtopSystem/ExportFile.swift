import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes events to a file for `e` and `hubtop export --output`.
public enum ExportFile {
    /// Writes `events` (oldest first) in `format`, readable by the owner only (`0600`: the
    /// events name private repositories). Without `overwrite` an existing file is left alone
    /// and reported as `.exists`; the file is created with O_EXCL, so there is no race and no
    /// symlink is followed. With `overwrite` the events go to a new file beside it that then
    /// replaces the name — a symlink there is replaced, never written through.
    public static func write(
        _ events: [StoredEvent], format: ExportFormat, to path: String, overwrite: Bool
    ) -> ExportOutcome {
        if let failure = privately(to: path, overwrite: overwrite, { $0.append(events, format: format) }) {
            if failure == EEXIST, !overwrite { return .exists(path: path) }
            return .failed(path: path, reason: String(cString: strerror(failure)))
        }
        return .written(path: path, events: events.count)
    }

    /// Writes a file readable by the owner only, as `write` describes (no symlink followed; an
    /// overwrite goes to a new file renamed over the name); nil, or the `errno` that stopped it.
    public static func privately(to path: String, overwrite: Bool, _ fill: (inout ChunkedWriter) -> Void)
        -> Int32?
    {
        let target = overwrite ? path + ".hubtop-\(UInt32.random(in: 0...UInt32.max)).tmp" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return errno }
        var writer = ChunkedWriter(fd: fd)
        fill(&writer)
        writer.flush()
        let synced = !overwrite || fsync(fd) == 0
        let closed = close(fd) == 0
        var failure = writer.failure ?? (synced && closed ? nil : errno)
        if failure == nil, overwrite, rename(target, path) != 0 { failure = errno }
        if failure != nil, overwrite { unlink(target) }
        return failure
    }
}

/// Lines into 64 KiB writes; remembers the first error.
public struct ChunkedWriter {
    let fd: Int32
    var buffer: [UInt8] = []
    public private(set) var failure: Int32?

    public init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    public mutating func append(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    public mutating func append(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    /// The format's header, if any, then one line per event; flushed.
    public mutating func append(_ events: some Sequence<StoredEvent>, format: ExportFormat) {
        if let header = format.header { append(header) }
        for event in events { append(format.line(event)) }
        flush()
    }

    public mutating func flush() {
        guard failure == nil else { return }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// How writing an export went.
public enum ExportOutcome: Equatable, Sendable {
    case written(path: String, events: Int)
    /// The file exists and overwriting was not confirmed.
    case exists(path: String)
    case failed(path: String, reason: String)
}
