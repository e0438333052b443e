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

/// An append-only NDJSON file of accepted deliveries: one line each, with the raw body and
/// when it arrived. Replayed at start, so a restart or crash loses nothing acknowledged.
public final class Journal: Sendable {
    public let path: String
    public let policy: FsyncPolicy
    /// Rotate to `PATH.1` past this size (0: never).
    public let maxBytes: Int

    private struct State {
        var descriptor: Int32
        var size: Int
        var dirty = false
        var lastSync = 0.0
        var lastError: String?
    }

    private let state: Mutex<State>

    public init(path: String, policy: FsyncPolicy = .interval, maxBytes: Int = 0) throws {
        self.path = path
        self.policy = policy
        self.maxBytes = maxBytes
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError(
                description: "cannot open journal \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(descriptor, &info)
        state = Mutex(State(descriptor: descriptor, size: Int(info.st_size)))
    }

    deinit {
        state.withLock { state in
            if state.dirty { fsync(state.descriptor) }
            close(state.descriptor)
        }
    }

    /// The last write error, while writes fail (cleared by the next good write).
    public var lastError: String? { state.withLock { $0.lastError } }

    public static func line(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?) -> [UInt8]
    {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("received_at")
        writer.number(receivedAt)
        writer.key("source")
        writer.string(source)
        writer.key("body")
        writer.string(String(decoding: body, as: UTF8.self))
        writer.endObject()
        return writer.bytes + [UInt8(ascii: "\n")]
    }

    /// Appends one delivery; throws when it could not be written (and synced, with `always`).
    public func append(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?) throws {
        let line = Self.line(body: body, receivedAt: receivedAt, source: source)
        try state.withLock { state throws(JournalError) in
            if maxBytes > 0, state.size > 0, state.size + line.count > maxBytes { try rotate(&state) }
            var offset = 0
            while offset < line.count {
                let written = line[offset...].withUnsafeBytes {
                    write(state.descriptor, $0.baseAddress, $0.count)
                }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 {
                    let reason = String(cString: strerror(errno))
                    // Cut a partial line off, so the file stays one delivery per line.
                    if offset > 0 { _ = ftruncate(state.descriptor, off_t(state.size)) }
                    state.lastError = "journal write failed: \(reason)"
                    throw JournalError(description: state.lastError!)
                }
                offset += written
            }
            state.size += line.count
            state.dirty = true
            if policy == .always {
                guard fsync(state.descriptor) == 0 else {
                    state.lastError = "journal fsync failed: \(String(cString: strerror(errno)))"
                    throw JournalError(description: state.lastError!)
                }
                state.dirty = false
            }
            state.lastError = nil
        }
    }

    /// With `interval`: called about once a second to sync what was written since.
    public func syncIfDirty() {
        state.withLock { state in
            guard state.dirty else { return }
            if fsync(state.descriptor) == 0 { state.dirty = false }
        }
    }

    private func rotate(_ state: inout State) throws(JournalError) {
        fsync(state.descriptor)
        close(state.descriptor)
        rename(path, path + ".1")
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            state.lastError = "cannot reopen journal after rotation: \(String(cString: strerror(errno)))"
            throw JournalError(description: state.lastError!)
        }
        state.descriptor = descriptor
        state.size = 0
        state.dirty = false
    }
}

/// Reads journal files back.
public enum JournalReader {
    public struct Entry: Sendable {
        public var receivedAt: Double
        public var body: [UInt8]
    }

    public struct Report: Sendable, Equatable {
        public var lines = 0
        public var replayed = 0
        public var refused = 0
        public var corrupt = 0
        /// The last line had no newline and did not parse: a write cut short by a crash.
        public var tornTail = false
    }

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
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var lastReport = 0
            while true {
                let count = fread(&chunk, 1, chunk.count, handleFile)
                if count <= 0 { break }
                done += count
                var start = 0
                for index in 0..<count where chunk[index] == 0x0A {
                    pending.append(contentsOf: chunk[start..<index])
                    start = index + 1
                    report.lines += 1
                    if !process(pending, &report, handle) { return report }
                    pending.removeAll(keepingCapacity: true)
                }
                pending.append(contentsOf: chunk[start..<count])
                if let progress, done - lastReport >= 8 << 20 {
                    progress(done, total)
                    lastReport = done
                }
            }
            if !pending.isEmpty {
                report.lines += 1
                if parse(pending) == nil {
                    report.tornTail = true
                } else if !process(pending, &report, handle) {
                    return report
                }
            }
        }
        progress?(done, total)
        return report
    }

    private static func process(_ line: [UInt8], _ report: inout Report, _ handle: (Entry) -> Bool) -> Bool {
        guard let entry = parse(line) else {
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { report.corrupt += 1 }
            return true
        }
        return handle(entry)
    }

    static func parse(_ line: [UInt8]) -> Entry? {
        line.withUnsafeBufferPointer { buffer -> Entry? in
            var scanner = JSONScanner(bytes: buffer)
            var receivedAt: Double?
            var body: String?
            do {
                try scanner.beginObject()
                var first = true
                while let key = try scanner.nextKey(first: &first) {
                    switch key {
                    case "received_at": receivedAt = try scanner.readNumberLiteral()
                    case "body": body = try scanner.readStringLiteral()
                    default: try scanner.skipValue()
                    }
                }
                try scanner.expectEnd()
            } catch {
                return nil
            }
            guard let receivedAt, let body else { return nil }
            return Entry(receivedAt: receivedAt, body: Array(body.utf8))
        }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
