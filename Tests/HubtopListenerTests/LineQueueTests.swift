import HubtopIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Headless output: lines gathered into few writes still all come out, in order, by the time a
/// flush returns, however soon after the push it comes.
@Suite struct LineQueueTests {
    @Test func everyLineIsWrittenInOrderByTheFlush() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        #expect(fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK) == 0)
        let queue = LineQueue(descriptor: ends[1])
        // Under the pipe's 64 KiB, so nothing waits for a reader.
        for count in [3000, 3, 1] {
            let expected = (0..<count).map { "line \($0) of \(count)" }
            for line in expected { queue.push(line) }
            #expect(queue.flush(within: 10))
            #expect(Self.readWaiting(ends[0]) == expected, "\(count) lines")
        }
        #expect(queue.dropped == 0)
    }

    /// The lines in the pipe now.
    static func readWaiting(_ descriptor: Int32) -> [String] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
