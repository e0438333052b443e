import HubtopCore
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

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
